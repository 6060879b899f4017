from pathlib import Path

import pytest

from roundup_qa import CorpusError, load_corpus, parse_roundup
from roundup_qa.corpus.districts import Gazetteer

from .conftest import CORPUS

# Checked by hand against the roundup: the sections run 东营区 1-8, 河口区 9-15, 垦利区 16-23,
# 广饶县 24-31, 利津县 32-39, 开发区 40-46, 东营港 47-52. Items 4 (威飞, no district named),
# 23 (万达集团, named only with 潍坊) and 47 (万达天弘, named nowhere; its company 天弘化学 is
# in 东营港 per item 48) are the ones position and shared names must decide.
EXPECTED_DISTRICTS = (
    ["东营区"] * 8
    + ["河口区"] * 7
    + ["垦利区"] * 8
    + ["广饶县"] * 8
    + ["利津县"] * 8
    + ["东营经济技术开发区"] * 7
    + ["东营港经济开发区"] * 6
)


@pytest.fixture(scope="module")
def roundup():
    corpus = load_corpus(CORPUS)
    assert len(corpus.roundups) == 1
    return corpus.roundups[0]


def test_shared_roundup_has_52_items_in_order(roundup):
    assert len(roundup.items) == 52
    assert [it.number for it in roundup.items] == list(range(1, 53))
    assert roundup.items[0].title == "突出四个重点抓实党史学习教育"
    assert roundup.items[9].title == "成功举行渤中海上风电产业基地项目签约仪式"
    assert roundup.items[-1].title == "89家成员单位齐发力 擦亮高端石化新名片"
    assert roundup.items[-1].body.endswith("擦亮高端石化的新名片。")


def test_intro_and_credit_are_metadata_not_items(roundup):
    assert roundup.intro.startswith("打造山东高质量发展的增长极")
    assert roundup.credit.startswith("(记者 陈同磊")
    assert all("记者" not in it.body for it in roundup.items)


def test_offsets_point_into_the_source_file(roundup):
    text = (CORPUS / roundup.source).read_text(encoding="utf-8")
    for it in roundup.items:
        assert text[it.start] == "●"
        assert text[it.title_start : it.title_start + len(it.title)] == it.title
        assert text[it.body_start : it.body_start + len(it.body)] == it.body
        assert it.end == it.body_start + len(it.body)


def test_districts_match_the_hand_checked_table(roundup):
    assert [it.district for it in roundup.items] == EXPECTED_DISTRICTS


def test_mini_roundup_districts_follow_sections(mini_corpus):
    items = load_corpus(mini_corpus).items
    assert [it.district for it in items] == [
        "东营区",
        "东营区",
        "河口区",
        "河口区",
        "垦利区",
        "垦利区",
        "垦利区",
        "垦利区",
    ]


def test_blocked_names_do_not_count_as_districts():
    g = Gazetteer.from_dir(CORPUS)
    assert g.mentions("黄河口大闸蟹") == {}
    assert g.mentions("河口区与河口经济开发区")["河口区"] == 2
    assert g.mentions("东营港经济开发区") == {"东营港经济开发区": 1}


def test_every_txt_file_is_indexed_and_cited_by_file(mini_corpus: Path):
    (mini_corpus / "b-second.txt").write_text("●另一份综述的条目\n正文。\n", encoding="utf-8")
    corpus = load_corpus(mini_corpus)
    assert [r.source for r in corpus.roundups] == ["b-second.txt", "mini-roundup.txt"]
    assert corpus.items[0].key == "b-second.txt#1"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        ("只有一段文字,没有条目。".encode(), "no items found"),
        ("●东营区新闻\n正文".encode("gbk"), "is not UTF-8"),
    ],
)
def test_bad_files_are_clear_errors_naming_the_file(tmp_path: Path, content: bytes, message: str):
    (tmp_path / "bad.txt").write_bytes(content)
    with pytest.raises(CorpusError, match=message) as err:
        load_corpus(tmp_path)
    assert "bad.txt" in str(err.value)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("districts.json", '{"districts": [\n  {"name": "河口区",}\n]}', r"districts.json:2: not valid JSON"),
        (
            "districts.json",
            '{"districts": [{"en": "Hekou District"}]}',
            r"districts.json: district 1 .* has no name",
        ),
        (
            "districts.json",
            '{"districts": [{"name": "河口区", "aliases": "河口"}]}',
            r"district 1 \(河口区\): aliases",
        ),
        ("districts.json", '["河口区"]', r'districts.json: no "districts" list'),
        ("glossary.tsv", "Hekou\t河口\nno tab here\n", r"glossary.tsv:2: expected"),
        ("domain.json", '{"title": "Q&A",\n "examples": "one"}', r'domain.json: "examples" must be a list'),
        (
            "domain.json",
            '{"title": "Q&A",\n "exampels": []}',
            r"domain.json: unknown field\(s\) \['exampels'\]",
        ),
        ("domain.json", '{"title": "Q&A",\n "words": [}', r"domain.json:2: not valid JSON"),
    ],
)
def test_bad_gazetteer_or_glossary_names_file_and_place(
    tmp_path: Path, name: str, content: str, message: str
):
    """A broken data file beside the texts stops `load_corpus` (so `build` too, before any
    embedding) with a CorpusError that says which file and where."""
    (tmp_path / "a.txt").write_text("导语\n●河口区新闻\n河口区举行活动。\n", encoding="utf-8")
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        load_corpus(tmp_path)


def test_domain_file_is_optional_and_read_when_present(tmp_path: Path):
    (tmp_path / "a.txt").write_text("导语\n●河口区新闻\n河口区举行活动。\n", encoding="utf-8")
    plain = load_corpus(tmp_path)
    assert plain.domain.title == "Roundup Q&A" and plain.domain.examples == ()
    (tmp_path / "domain.json").write_text(
        '{"title": "河口问答", "words": ["我为群众办实事"]}', encoding="utf-8"
    )
    told = load_corpus(tmp_path)
    assert told.domain.title == "河口问答" and told.domain.words == ("我为群众办实事",)
    assert told.sha256 != plain.sha256  # the index is rebuilt when the file changes


def test_missing_corpus_directory_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no .txt"):
        load_corpus(tmp_path)


def test_parse_handles_crlf_and_indented_bullets():
    r = parse_roundup("导语\r\n  ●标题一\r\n正文一\r\n●标题二\r\n正文二\r\n", "x.txt")
    assert [(it.title, it.body) for it in r.items] == [("标题一", "正文一"), ("标题二", "正文二")]
