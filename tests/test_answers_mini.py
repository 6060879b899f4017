"""Typed answers and refusals end to end, on the hand-written mini roundup with the real model."""

import pytest

from roundup_qa import RoundupQA

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mini_qa(embedder, tmp_path_factory):
    from .conftest import MINI

    return RoundupQA.build(MINI, tmp_path_factory.mktemp("mini") / "index", embedder=embedder, progress=False)


@pytest.mark.parametrize(
    "question, answer, kind, english",
    [
        ("河口区樱花节吸引了多少游客?", "2.6万人次", "count", "26,000 person-visits"),
        ("新能源汽车项目计划总投资多少?", "12亿元", "money", "CNY 1.2 billion"),
        ("读书节有多少名市民参加?", "3200名", "count", "3,200 people"),
        ("垦利区哪天启动黄河湿地保护行动?", "4月20日", "date", "April 20"),
        ("樱花节在哪里开幕?", "孤岛镇", "venue", None),
        ("河口区与哪家公司签约了新能源汽车项目?", "华东汽车科技有限公司", "organisation", None),
        ("大闸蟹育苗基地的年育苗能力是多少?", "8000万只", "count", "80,000,000"),
        (
            "How much is the planned investment of the new energy vehicle project?",
            "12亿元",
            "money",
            "CNY 1.2 billion",
        ),
        ("How many teams took part in the city basketball league?", "16支", "count", "16 teams"),
    ],
)
def test_typed_answer_is_the_exact_span(mini_qa, question, answer, kind, english):
    r = mini_qa.ask(question)
    assert r.answer == answer, (r.reason, r.passages[0].title)
    assert r.answer_type == kind
    if english is not None:
        assert r.answer_en is not None and r.answer_en.startswith(english.split()[0])
    item = next(it for it in mini_qa.index.items if it.number == r.citation.item)
    assert item.text[r.citation.start : r.citation.end] == r.answer


def test_why_this_answer_is_recorded(mini_qa):
    r = mini_qa.ask("新能源汽车项目计划总投资多少?")
    assert r.expected_type == "money" and "money" in r.reason
    assert r.to_dict()["why"]


def test_district_in_english(mini_qa):
    assert mini_qa.ask("河口区樱花节吸引了多少游客?").district_en == "Hekou District"


@pytest.mark.parametrize(
    "question, because",
    [
        ("樱花节的门票多少钱?", "no answer of the kind"),  # no money in the item
        ("6月份河口区举办了哪些活动?", "month"),  # the roundup covers April
        ("日本游客参加了樱花节吗?", "日本"),  # a name the item never uses
    ],
)
def test_refusals_say_why_and_keep_the_passages(mini_qa, question, because):
    r = mini_qa.ask(question)
    assert r.answer is None and r.citation is None
    assert because in r.reason
    assert r.passages
