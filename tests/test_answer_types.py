"""Answer types on hand-made sentences (not the eval set): question analysis, candidates,
English renderings, abstention rules."""

import pytest

from roundup_qa.dialogue.kind import headed_run
from roundup_qa.messages import in_language
from roundup_qa.reader.abstain import (
    amount_missing,
    coverage,
    decide,
    echoes,
    everyday_share,
    missing_names,
    month_conflict,
    numberless,
    stated_otherwise,
    uncounted,
    unnamed,
)
from roundup_qa.reader.candidates import extract
from roundup_qa.reader.question import analyze, in_full, mentioned_markers, mentioned_months
from roundup_qa.reader.render import render
from roundup_qa.reader.span import past_count_tail, quoted_core
from roundup_qa.records import Signals

from .conftest import ROOT


@pytest.mark.parametrize(
    "question, lang, expected",
    [
        ("开幕式是什么时候举行的?", "zh", "date"),
        ("When was the museum opened?", "en", "date"),
        ("What is the registered capital of the company?", "en", "money"),
        ("这家公司的注册资本是多少?", "zh", "money"),
        ("共有多少名志愿者参加?", "zh", "count"),
        ("How many volunteers took part?", "en", "count"),
        ("新建道路有多长?", "zh", "quantity"),
        ("How long is the new bridge?", "en", "quantity"),
        ("How many tons of grain were harvested?", "en", "quantity"),
        ("项目总投资是多少?", "zh", "money"),
        ("How much was invested in the park?", "en", "money"),
        ("参保人数占比是多少?", "zh", "percentage"),
        ("What percentage of residents are insured?", "en", "percentage"),
        ("该县在全省排第几?", "zh", "rank"),
        ("What rank did the county get?", "en", "rank"),
        # an edition is a rank (第几届), in English as in Chinese
        ("Which edition of the festival was held this year?", "en", "rank"),
        ("What yearly output is the plant designed for?", "en", "quantity"),
        ("What is the annual output value of the park?", "en", "money"),
        ("这个项目一年能产多少?", "zh", "quantity"),
        ("哪家企业承建了该项目?", "zh", "organisation"),
        ("Which company built the bridge?", "en", "organisation"),
        ("有哪些学校参加了活动?", "zh", "list"),
        ("Which universities signed the agreement?", "en", "list"),
        # several organisations of any kind, as 哪些 asks in Chinese (not "which department")
        ("Which hospitals got new plaques in Hekou?", "en", "list"),
        ("Which departments published the list?", "en", "list"),
        ("Which department published the list?", "en", "organisation"),
        ("展览在哪里举办?", "zh", "place"),
        ("Where was the exhibition held?", "en", "place"),
        ("为什么要改造老旧小区?", "zh", "reason"),
        ("Why was the road closed?", "en", "reason"),
        ("项目是否已经开工?", "zh", "yesno"),
        ("Is the project finished?", "en", "yesno"),
        ("这部剧叫什么?", "zh", "name"),
        ("What is the name of the new brand?", "en", "name"),
        ("请介绍一下这个项目。", "zh", "other"),
    ],
)
def test_question_analysis(question, lang, expected):
    assert analyze(question, lang).type == expected


@pytest.mark.parametrize(
    "query, lang, expected",
    [
        ("华盛橡胶品牌价值", "zh", "money"),
        ("华盛橡胶净利润?", "zh", "money"),
        ("利津县城区道路建设工程开工时间", "zh", "date"),
        ("河口广场文化艺术节演出场次", "zh", "count"),
        ("黄河口龙舟赛届次", "zh", "rank"),
        ("槐花节开幕地点", "zh", "place"),
        ("Bozhong offshore wind power base signing date", "en", "date"),
        ("Wanda Holding Group Shandong Card TOP list ranking", "en", "rank"),
    ],
)
def test_a_keyword_query_asks_for_the_type_of_its_last_noun(query, lang, expected):
    assert analyze(query, lang).type == expected


def test_a_chinese_keyword_query_reaches_the_reader_as_a_question():
    assert in_full("华盛橡胶品牌价值", "zh") == "华盛橡胶品牌价值是多少?"
    assert in_full("利津县城区道路建设工程开工时间?", "zh") == "利津县城区道路建设工程开工时间是什么时候?"
    assert in_full("万达精益研究院院长", "zh") == "万达精益研究院院长是什么?"
    # a question with a question word, and English, as typed
    assert in_full("华盛橡胶的品牌价值是多少?", "zh") == "华盛橡胶的品牌价值是多少?"
    assert in_full("Huasheng Rubber brand value", "en") == "Huasheng Rubber brand value"
    # what the amount is of, named last, is judged against the item as after 多少
    assert (
        analyze("华盛橡胶净利润", "zh").amount_of == analyze("华盛橡胶的净利润是多少?", "zh").amount_of != ()
    )


def test_months_named_in_questions():
    assert mentioned_months("2021年6月举行了什么活动?") == (6,)
    assert mentioned_months("十二月的活动") == (12,)
    assert mentioned_months("What happened in June and in May?") == (6, 5)
    assert mentioned_months("May I ask what the budget was?") == ()
    assert mentioned_months("the budget from January to May") == (1, 5)


SENTENCE = (
    "5月12日上午,东营市华光科技有限公司在龙湖湿地公园举行签约仪式,项目计划总投资3.5亿元,占地120亩,"
    "预计带动就业300人,产值增长12.5%,位列全省第3位。参加单位包括市一中、市二中、实验小学等。"
    "该项目由滨海建设集团与东方电气有限公司共同建设,首期工程命名为“蓝湾一号”。"
)


def _found(kind):
    return [c.text for c in extract(SENTENCE) if c.type == kind]


@pytest.mark.parametrize(
    "kind, text",
    [
        ("date", "5月12日上午"),
        ("organisation", "东营市华光科技有限公司"),
        ("venue", "龙湖湿地公园"),
        ("money", "3.5亿元"),
        ("quantity", "120亩"),
        ("count", "300人"),
        ("percentage", "12.5%"),
        ("rank", "第3位"),
        ("enumeration", "市一中、市二中、实验小学"),
        ("list", "滨海建设集团与东方电气有限公司"),
        ("name", "蓝湾一号"),
    ],
)
def test_candidates_of_each_type(kind, text):
    assert text in _found(kind)


def test_candidate_offsets_are_exact():
    for c in extract(SENTENCE):
        assert SENTENCE[c.start : c.end] == c.text


def test_editions_and_batches_are_not_ranks_or_counts():
    cands = extract("第二十二届中国专利奖公示,第四批名单发布,综合实力位列第7位。")
    assert [c.text for c in cands if c.type == "rank"] == ["第7位"]
    assert not [c for c in cands if c.type == "count"]
    # they are editions, what 第几届 asks for
    assert [c.text for c in cands if c.type == "edition"] == ["第二十二届", "第四批"]


def test_a_name_keeps_its_bracketed_qualifier_and_so_its_partner():
    text = "5月15日上午,中国石油大学(华东)与胜利油田海胜实业有限责任公司举行签约仪式。"
    cands = extract(text)
    assert "中国石油大学(华东)" in [c.text for c in cands if c.type == "organisation"]
    # the two partners are one list, which "哪两家共建" is answered with
    assert [c.text for c in cands if c.type == "list"] == ["中国石油大学(华东)与胜利油田海胜实业有限责任公司"]


def test_blocked_names_are_not_places():
    cands = extract("黄河口大闸蟹在河口区销售。", places=("河口区", "河口"), blocked=("黄河口",))
    assert [c.text for c in cands if c.type == "place"] == ["河口区"]


@pytest.mark.parametrize(
    "span, kind, english",
    [
        ("5月20日", "date", "May 20"),
        ("5月26日上午", "date", "May 26 (morning)"),
        ("5月15日至23日", "date", "May 15-23"),
        ("2016年底", "date", "end of 2016"),
        ("5月初", "date", "early May"),
        ("2950万美元", "money", "US$29.5 million"),
        ("3.3亿元", "money", "CNY 330 million"),
        ("5700余万元", "money", "over CNY 57 million"),
        ("10.08亿元", "money", "CNY 1.008 billion"),
        ("6.7亿", "money", "670 million"),  # 投资6.7亿购置…: no currency said
        ("近千项", "count", "nearly 1,000 items"),
        ("1.7万名", "count", "17,000 people"),
        ("九天", "duration", "9 days"),
        ("一个月", "duration", "1 month"),
        ("三年时间", "duration", "3 years"),
        ("54.3万亩", "quantity", "543,000 mu"),
        ("45万吨/年", "quantity", "450,000 tonnes a year"),
        ("76.63%", "percentage", "76.63%"),
        ("第7位", "rank", "7th"),
        ("第十", "rank", "10th"),
        ("13月20日", "date", None),  # no such month (a typo in a roundup): no rendering, no crash
        ("0月", "date", None),
    ],
)
def test_english_renderings(span, kind, english):
    assert render(span, kind) == english


def test_district_names_render_in_english():
    names = {"河口区": "Hekou District", "东营港经济开发区": "Dongying Port Economic Development Zone"}
    assert render("河口区", "place", names) == "Hekou District"
    assert render("东营港经济开发区", "venue", names) == "Dongying Port Economic Development Zone"
    assert render("孤岛镇", "place", names) is None


def _signals(**kw):
    base = dict(coverage=0.9, uncovered=(), type_found=True, month_conflict=False, missing_names=(),
                bm25_rank=1, dense_rank=1)  # fmt: skip
    return Signals(**(base | kw))


def test_abstention_rules():
    assert decide(_signals(), 0.5) is None
    assert "month" in decide(_signals(month_conflict=True), 0.5)
    assert "日本" in decide(_signals(missing_names=("日本",)), 0.5)
    assert "no answer of the kind" in decide(_signals(type_found=False), 0.5)
    assert "too little" in decide(_signals(coverage=0.3, uncovered=("冠军",)), 0.5)
    assert decide(_signals(coverage=None, type_found=None), 0.5) is None
    # nothing of the question is in the roundup's vocabulary: only the dense side ranked an item
    assert "no word of the question" in decide(_signals(coverage=None, type_found=None, bm25_rank=None), 0.5)
    # unless the reader is sure of a span (a word the bridge lacks, the item found by meaning)
    assert (
        decide(_signals(coverage=None, type_found=None, bm25_rank=None, reader_margin=6.3), 0.5, -12) is None
    )


def test_a_sure_reader_overrules_the_item_rules_but_not_a_wrong_month():
    sure, unsure = dict(reader_margin=9.0), dict(reader_margin=3.0)
    for rule in (
        dict(missing_names=("日本",)),
        dict(type_found=False),
        dict(coverage=0.3, uncovered=("冠军",)),
    ):
        assert decide(_signals(**rule, **sure), 0.5, -12, 6.0) is None, rule
        assert decide(_signals(**rule, **unsure), 0.5, -12, 6.0) is not None, rule
    assert "month" in decide(_signals(month_conflict=True, **sure), 0.5, -12, 6.0)
    # below the minimum margin the reader refuses on its own
    assert "the reader finds no answer" in decide(_signals(reader_margin=-13.0), 0.5, -12, 6.0)


def test_coverage_weighs_unknown_words_most():
    idf = {"龙舟赛": 2.0, "东营区": 1.0}.get
    text = "东营区龙舟赛开幕"
    full, _ = coverage([["东营区"], ["龙舟赛"]], text, lambda t: idf(t) or 0.0, 3.0)
    part, missing = coverage([["东营区"], ["龙舟赛"], ["冠军"]], text, lambda t: idf(t) or 0.0, 3.0)
    assert full == 1.0
    assert missing == ("冠军",)
    assert part == pytest.approx(3.0 / 6.0)
    assert coverage([], text, lambda t: 1.0, 3.0) == (None, ())


def test_everyday_words_the_corpus_lacks_count_less_than_rare_ones():
    """Rewording with everyday words (说, 主要) must not read as "about something else"; a
    rare word the item lacks (首都) still weighs in full."""
    idf = {"东营区": 1.0}.get
    general = {"说": 2.6, "主要": 3.5, "首都": 8.0}.get
    share = lambda w: everyday_share(general(w), 7.5)  # noqa: E731
    groups = [["东营区"], ["说"], ["主要"]]
    reworded, _ = coverage(groups, "东营区龙舟赛", lambda t: idf(t) or 0.0, 3.0, share)
    assert reworded > coverage(groups, "东营区龙舟赛", lambda t: idf(t) or 0.0, 3.0)[0]
    assert reworded == pytest.approx(1.0 / (1.0 + 3.0 * 2.6 / 7.5 + 3.0 * 3.5 / 7.5))
    assert share("首都") == 1.0 and share("不在表里的名字") == 1.0
    assert everyday_share(2.6, 0) == 1.0  # reference 0: the rule as before


def test_a_span_around_one_quoted_name_narrows_to_the_name():
    text = "按照“三类四段”工作思路推进,以“三张权责清单”为核心"
    at = text.index("“三类四段”工作思路")
    assert quoted_core(text, at, at + len("“三类四段”工作思路"), 4) == (at, at + len("“三类四段”"))
    whole = (0, len(text))  # two quoted names: which one is asked is the reader's call
    assert quoted_core(text, *whole, 4) is None
    at = text.index("“三张权责清单”")
    assert quoted_core(text, at, at + len("“三张权责清单”"), 4) is None  # the name alone already
    assert quoted_core(text, at - 3, at + len("“三张权责清单”为核心"), 4) is None  # too much around it


def test_coverage_of_translated_words_takes_any_alternative():
    idf = {"龙舟": 2.0, "龙船": 2.0}.get
    cov, missing = coverage([["龙船", "龙舟"], ["冠军"]], "龙舟赛开幕", lambda t: idf(t) or 0.0, 2.0)
    assert cov == pytest.approx(0.5) and missing == ("冠军",)


def test_month_and_name_checks():
    assert month_conflict((6,), "5月20日举行", "2021年5月份") is True
    assert month_conflict((5,), "近日举行", "2021年5月份") is False
    assert missing_names(["日本", "东营"], "垦利区与上海海洋大学签订协议", "东营各县区") == ("日本",)


_INTRO = "2021年5月份,东营各县区发展有哪些亮点?"


@pytest.mark.parametrize(
    "question, lang, item, refused",
    [
        # another year than the item's (the roundup's own year is every item's)
        (
            "2020年华盛橡胶的品牌价值是多少?",
            "zh",
            "华盛橡胶上榜2021中国品牌价值评价榜单,品牌价值10.08亿元",
            "2020",
        ),
        ("What was the brand value in 2020?", "en", "华盛橡胶上榜2021中国品牌价值评价榜单", "2020"),
        ("2021年东营区举行了什么发布会?", "zh", "5月20日,东营区举行脱贫攻坚新闻发布会", None),
        ("广饶县2020年投资了多少?", "zh", "2019年—2021年全县共投资15575万元", None),  # inside the range
        ("广饶县2018年投资了多少?", "zh", "2019年—2021年全县共投资15575万元", "2018"),
        ("交易额是2950万美元吗?", "zh", "实现意向交易额2950万美元", None),  # no year
        # counted back from the roundup's year, unless the item says so itself
        ("万达集团去年在榜单中排第几?", "zh", "万达控股集团入选该榜单,位列第十", "2020"),
        ("What was the rank last year?", "en", "万达控股集团入选该榜单,位列第十", "2020"),
        ("去年以来主要经济指标增速如何?", "zh", "去年以来,主要经济指标增速在全市名列前茅", None),
        # an ordinal of what the item counts, with another number
        ("第九届槐花节在哪里举办?", "zh", "第十届黄河三角洲湿地槐花节在河口区开幕", "第9届"),
        ("Where was the ninth locust blossom festival held?", "en", "第十届黄河三角洲湿地槐花节", "第9届"),
        (
            "How much is the second phase of the fishery project?",
            "en",
            "计划投资5.2亿元。其中一期投资9000万元",
            "第2期",
        ),
        ("项目二期投资多少?", "zh", "计划投资5.2亿元。其中一期投资9000万元", "第2期"),
        ("第三届龙舟赛在哪里举行?", "zh", "第十一届全民健身运动会暨2021第三届东营(龙居)黄河口龙舟赛", None),
        # "first" is said by 首 as often as 第一; a number the item holds under another counter is spoken of
        (
            "When did Dongying District win its first China Patent gold award?",
            "en",
            "第二十二届中国专利奖,首个中国专利金奖",
            None,
        ),
        (
            "What was the city's second China Patent gold award?",
            "en",
            "第二十二届中国专利奖,全市第二个中国专利金奖",
            None,
        ),
        ("第二人民医院在哪里揭牌?", "zh", "分别为河口区第二人民医院揭牌", None),  # no counter: a name
        # a year counted back in other words, unless only compared with
        (
            "What was the brand worth the previous year?",
            "en",
            "10.08亿元的品牌价值首次上榜2021中国品牌价值评价榜",
            "2020",
        ),
        (
            "How much was it a year earlier?",
            "en",
            "10.08亿元的品牌价值首次上榜2021中国品牌价值评价榜",
            "2020",
        ),
        ("By how much did output grow compared with the previous year?", "en", "产值同比增长12%", None),
        # a first the item counts otherwise is not spoken of, unless the item says 首…
        (
            "Which firms topped the first edition of the list?",
            "en",
            "发布了第二届山东名片品牌影响力TOP榜",
            "第1届",
        ),
        ("What was the first award?", "en", "第二十二届中国专利奖,首个中国专利金奖", None),
        # a phase or batch numbered after its word
        ("What is planned for Phase II of the park?", "en", "其中一期投资9000万元", "第2期"),
        ("How much will phase 3 cost?", "en", "其中一期投资9000万元", "第3期"),
        ("How much does phase 1 cost?", "en", "其中一期投资9000万元", None),
        # a part of the year the item never speaks of
        ("一季度新建了多少高标准农田?", "zh", "2019年—2021年全县共投资15575万元", "a quarter (季度)"),
        (
            "How much farmland was added in the first quarter?",
            "en",
            "立项新建高标准农田11.05万亩",
            "a quarter (季度)",
        ),
        (
            "How many members were trained in the first half of the year?",
            "en",
            "受训党员1.7万名",
            "half a year (半年)",
        ),
        ("一季度完成投资多少?", "zh", "一季度完成投资3亿元", None),
    ],
)
def test_a_year_or_ordinal_the_item_does_not_speak_of_is_refused(question, lang, item, refused):
    said = stated_otherwise(mentioned_markers(question, lang), item, _INTRO)
    assert (said.split(";")[0] if said else None) == refused
    if said:
        assert "the question asks about" in decide(
            _signals(stated_otherwise=said, reader_margin=12.0), 0.5, -12, 6.0
        )


def test_a_year_is_judged_only_where_the_item_or_the_intro_names_one():
    # another corpus, its intro naming no year: an item without a year says nothing of 2021
    marks = mentioned_markers("2021年东营区举行了什么发布会?", "zh")
    assert stated_otherwise(marks, "5月20日,东营区举行脱贫攻坚新闻发布会", "") is None
    assert stated_otherwise(marks, "2020年东营区举行发布会", "") == "2021; the best item speaks of 2020"


@pytest.mark.parametrize(
    "text, value", [("7", 7), ("五", 5), ("两", 2), ("十", 10), ("十二", 12), ("二十三", 23), ("月", 0)]
)
def test_one_numeral_parser_for_months_ranks_and_counts(text, value):
    from roundup_qa.chinese import parse_number

    assert parse_number(text) == value


def test_corpus_venues_end_a_place_answer():
    """A venue name from the corpus's domain.json (not from code) makes a place candidate."""
    text = "研究院项目在北方大学中心馆明德楼进行现场签约。"
    places = lambda **kw: [c.text for c in extract(text, **kw) if c.type == "place"]  # noqa: E731
    assert not any(p.endswith("明德楼") for p in places())
    assert "北方大学中心馆明德楼" in places(venues=("明德楼",))


def test_one_set_of_answer_type_names(real_qa):
    """Every type a question is read as, and every type a span can have, is a name of
    reader/types.py; the tables that dispatch on them use no other."""
    import json

    from roundup_qa.reader.span import SNAP_TYPES
    from roundup_qa.reader.types import ACCEPTS, EXPECTED_TYPES, SPAN_TYPES

    questions = [
        (json.loads(line)["question"], json.loads(line)["lang"])
        for name in ("questions", "questions-fresh", "questions-heldout-en")
        for line in (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert {analyze(q, lang).type for q, lang in questions} <= EXPECTED_TYPES
    p = real_qa.index.manifest.places
    found = {
        c.type
        for it in real_qa.index.items
        for c in extract(it.text, tuple(p.names), tuple(p.blocked), tuple(p.venues))
    }
    assert found <= SPAN_TYPES and len(found) >= 10
    assert set(ACCEPTS) <= EXPECTED_TYPES and SNAP_TYPES <= EXPECTED_TYPES
    assert all(set(row) <= SPAN_TYPES for row in ACCEPTS.values())


def _shaped(text: str, piece: str, expected: str, snap: bool = True, length: int | None = None):
    """What `shape` makes of the reader's span over `piece` (its first `length` characters)
    in `text`, with the candidates `extract` finds there."""
    from roundup_qa.reader.span import shape

    start = text.index(piece)
    end = start + (len(piece) if length is None else length)
    span = shape(text, start, end, expected, extract(text, (), (), ()), snap=snap)
    return text[span.start : span.end], span


def test_one_element_of_an_enumeration_becomes_the_enumeration_when_several_are_asked():
    # 检测站 is no organisation, so the three make no list of names, only an enumeration
    text = "分别是西五路胜通检测站、庐山路宏泰检测站、德州路兴运检测站3家,基本涵盖了辖区。"
    got, snapped = _shaped(text, "西五路胜通检测站", "list")
    assert got == "西五路胜通检测站、庐山路宏泰检测站、德州路兴运检测站"
    assert snapped.type == "list" and snapped.snapped
    # a single thing asked for keeps the element; part of an element is no element
    assert _shaped(text, "西五路胜通检测站", "organisation")[0] == "西五路胜通检测站"
    assert _shaped(text, "西五路胜通检测站", "list", length=5)[0] == "西五路胜通"


def test_a_span_inside_a_list_becomes_the_list_when_several_things_are_asked():
    text = "河口区与新疆金风科技股份有限公司、中车永济电机有限公司三方签约。"
    got, snapped = _shaped(text, "中车永济电机有限公司", "list")
    assert got.endswith("新疆金风科技股份有限公司、中车永济电机有限公司")
    assert snapped.type == "list" and snapped.snapped
    # who signed: the companies named together, not the district that signed with them
    companies, _ = _shaped(text, "中车永济电机有限公司", "organisation")
    assert companies == "新疆金风科技股份有限公司、中车永济电机有限公司"
    assert _shaped(text, "中车永济电机有限公司", "list", snap=False)[0] == "中车永济电机有限公司"
    # "who is building it": companies named together are one answer
    text = "该项目由威立雅中国控股有限公司与东营德汇环境科技有限公司共同投资建设。"
    both, _ = _shaped(text, "东营德汇环境科技有限公司", "organisation")
    assert both == "威立雅中国控股有限公司与东营德汇环境科技有限公司"
    # a place inside a name is no place of the list: the government is one of the parties
    text = "垦利区人民政府与上海海洋大学、山东省淡水渔业研究院签订合作协议。"
    parties, _ = _shaped(text, "上海海洋大学", "organisation")
    assert parties == "垦利区人民政府与上海海洋大学、山东省淡水渔业研究院"


def test_a_partner_the_question_names_leaves_the_list():
    from roundup_qa.reader.span import past_named_lead

    text = "万达集团与天津工业大学、山东工商学院签约。"
    end = text.index("签约")
    assert text[past_named_lead(text, 0, end, ["万达", "集团", "高校"]) : end] == "天津工业大学、山东工商学院"
    # a kind of organisation names none: 由哪些公司共同建设
    text = "由威立雅中国控股有限公司与东营德汇环境科技有限公司共同建设"
    start, end = 1, text.index("共同")
    assert past_named_lead(text, start, end, ["公司", "建设"]) == start
    assert past_named_lead(text, start, end, []) == start
    # before 、 only a bare place the question names leads: "Which companies signed … in Hekou?"
    text = "河口区、新疆金风科技股份有限公司、中车永济电机有限公司三方"
    end = text.index("三方")
    assert (
        text[past_named_lead(text, 0, end, ["河口", "风电"]) : end]
        == "新疆金风科技股份有限公司、中车永济电机有限公司"
    )
    text = "河口区第二人民医院、河口区妇幼保健院揭牌"
    end = text.index("揭牌")
    assert past_named_lead(text, 0, end, ["河口区", "医疗机构"]) == 0  # a hospital of Hekou stays


def test_a_partner_the_question_names_last_leaves_the_list():
    from roundup_qa.reader.span import past_named_tail

    text = "由威立雅中国控股有限公司与东营德汇环境科技有限公司共同建设"
    start, end = 1, text.index("共同")
    # 谁与东营德汇环境科技有限公司共同建设…?
    assert (
        text[start : past_named_tail(text, start, end, ["东营", "德汇", "环境"])] == "威立雅中国控股有限公司"
    )
    # a kind of organisation, or a partner the question does not name: the list stays whole
    assert past_named_tail(text, start, end, ["公司", "建设"]) == end
    assert past_named_tail(text, start, end, ["威立雅"]) == end
    # a name alone, with no partner after 与/和, stays
    assert past_named_tail(text, start, text.index("与"), ["威立雅"]) == text.index("与")


def test_a_best_span_of_the_wrong_type_gives_way_to_the_readers_next_typed_one():
    from roundup_qa.reader.candidates import extract
    from roundup_qa.reader.span import typed_alternative

    text = "项目总投资3.3亿元,投产后年可实现销售收入5亿元,新增就业岗位260人。"
    cands = extract(text, (), (), ())
    money = (text.index("3.3亿元"), text.index("3.3亿元") + 5, 10.0)
    jobs = (text.index("260人"), text.index("260人") + 4, 8.5)
    vague = (text.index("就业岗位"), text.index("就业岗位") + 4, 9.0)
    # "how many jobs": the amount of money is passed over for the count the reader ranked next
    assert typed_alternative(money, (vague, jobs), "count", cands, window=4.0) == jobs
    # too far below the best, or switched off, or the best is already typed: nothing moves
    assert typed_alternative(money, (vague, jobs), "count", cands, window=1.0) is None
    assert typed_alternative(money, (vague, jobs), "count", cands, window=0.0) is None
    assert typed_alternative(money, (jobs,), "money", cands, window=4.0) is None
    # names have no reliable pattern: they never move
    assert typed_alternative(money, (jobs,), "organisation", cands, window=4.0) is None


def test_a_count_in_the_unit_the_question_names_wins_over_a_count_in_another():
    from roundup_qa.reader.candidates import extract
    from roundup_qa.reader.span import typed_alternative

    text = "共征集“我为群众办实事”项目83个、民生“微实事”1278项。"
    cands = extract(text, (), (), ())
    projects = (text.index("83个"), text.index("83个") + 3, 8.5)
    items = (text.index("1278项"), text.index("1278项") + 5, 7.3)
    # 多少项: 83个 is a count, but not in 项
    assert typed_alternative(projects, (items,), "count", cands, 4.0, frozenset({"项"})) == items
    assert typed_alternative(projects, (items,), "count", cands, 4.0) is None  # no unit named
    assert typed_alternative(items, (projects,), "count", cands, 4.0, frozenset({"项"})) is None


def test_a_number_no_word_of_the_question_stands_beside_gives_way_to_one_a_word_does():
    from roundup_qa.reader.candidates import extract
    from roundup_qa.reader.span import beside_alternative

    text = "建成市级以上农业龙头企业54家、农民专业合作社52家、家庭农场57家,土地流转面积达到25.82万亩。"
    cands = extract(text, (), (), ())

    def at(s):
        return text.index(s), text.index(s) + len(s)

    coops, farms = (*at("52家"), 9.0), (*at("57家"), 6.0)
    land = (*at("25.82万亩"), 8.0)
    # "how many family farms": 家庭农场 stands beside 57家, not beside the reader's 52家
    assert beside_alternative(text, coops, (land, farms), "count", cands, ["家庭农场"], 8.0) == farms
    # the best already beside a word of the question, a next one too far below, no word, a
    # date or name asked for, or switched off: nothing moves
    assert beside_alternative(text, coops, (farms,), "count", cands, ["合作社"], 8.0) is None
    assert beside_alternative(text, coops, (farms,), "count", cands, ["家庭农场"], 2.0) is None
    assert beside_alternative(text, coops, (farms,), "count", cands, [], 8.0) is None
    assert beside_alternative(text, coops, (farms,), "date", cands, ["家庭农场"], 8.0) is None
    assert beside_alternative(text, coops, (farms,), "count", cands, ["家庭农场"], 0.0) is None
    # the next span must be of the asked type: 流转面积 stands beside 25.82万亩, no count
    assert beside_alternative(text, coops, (land,), "count", cands, ["流转面积"], 8.0) is None


def test_an_edition_asked_for_is_the_one_counting_what_the_question_names():
    from roundup_qa.reader.candidates import extract
    from roundup_qa.reader.span import beside_alternative

    text = "东营市第十一届全民健身运动会暨2021第三届东营(龙居)黄河口龙舟赛暨龙文化旅游节开幕式在龙居镇举行。"
    cands = extract(text, (), (), ())
    games = (text.index("第十一届"), text.index("第十一届") + 4, 9.0)
    wide = (text.index("第十一届"), text.index("第三届") + 3, 7.0)  # the reader's next span runs over both
    race = (text.index("第三届"), text.index("第三届") + 3)
    # 龙舟赛是第几届?: the eleventh edition is the games', the race's is the third
    assert beside_alternative(text, games, (wide,), "rank", cands, ["龙舟赛"], 8.0) == (*race, 7.0)
    # asked of the games, or no next span within the window: the best stays
    assert beside_alternative(text, games, (wide,), "rank", cands, ["全民健身运动会"], 8.0) is None
    assert beside_alternative(text, games, (wide,), "rank", cands, ["龙舟赛"], 1.0) is None


@pytest.mark.parametrize(
    "question, answer",
    [
        ("龙舟赛是第几届?", "第三届"),  # was 第十一届, the games' edition
        ("Which edition was the Longju dragon boat race this year?", "第三届"),
        ("Which edition of the locust blossom festival was held in Hekou?", "第十届"),
        ("万达集团位列第几?", "第十"),  # a rank, not an edition: as before
    ],
)
def test_which_edition_end_to_end(real_qa, question, answer):
    assert real_qa.ask(question).answer == answer


def test_a_span_over_several_numbers_keeps_the_one_nearest_a_word_of_the_question():
    from roundup_qa.reader.candidates import extract
    from roundup_qa.reader.span import beside_number

    text = "现拥有1个中国名牌,2个中国驰名商标,20多个省级品牌产品及近千项各类专利。"
    cands = extract(text, (), (), ())
    start, end = text.index("20多个"), text.index("各类")
    patents = (text.index("近千项"), text.index("近千项") + 3)
    # "how many patents": 专利 stands two characters after 近千项, far after 20多个
    assert beside_number(text, start, end, "count", cands, ["专利"]) == patents
    assert beside_number(text, start, end, "count", cands, ["品牌产品"]) == (start, start + 4)
    # one number in the span, no word of the question beside any, or a date asked for: nothing moves
    assert beside_number(text, patents[0], patents[1], "count", cands, ["专利"]) is None
    assert beside_number(text, start, end, "count", cands, ["研发"]) is None
    assert beside_number(text, start, end, "date", cands, ["专利"]) is None


def test_a_which_question_answered_with_a_number_gives_way_to_the_readers_next_name():
    from roundup_qa.reader.candidates import extract
    from roundup_qa.reader.span import named_alternative

    text = (
        "华盛橡胶上榜中国品牌价值评价榜单\n5月9日,华盛橡胶以841的品牌强度首次上榜,腾元大数据等5家供应商参加。"
    )
    cands = extract(text, (), (), ())
    strength = (text.index("841"), text.index("841") + 3, 9.0)
    across = (0, text.index("以841"), 8.5)  # from the title into the text
    name = (text.index("华盛橡胶以"), text.index("以841"), 7.0)
    count = (text.index("5家"), text.index("5家") + 2, 9.0)
    listed = (text.index("腾元"), text.index("5家") + 2, 7.5)
    # "哪些企业 …": a bare number, or a count, is no company; the next span within a line is
    assert named_alternative(text, strength, (across, name), "list", cands, 4.0) == name
    assert named_alternative(text, count, (listed,), "organisation", cands, 4.0) == listed
    # a number asked for, a name already, too far below, or switched off: nothing moves
    assert named_alternative(text, strength, (name,), "count", cands, 4.0) is None
    assert named_alternative(text, name, (strength,), "list", cands, 4.0) is None
    assert named_alternative(text, strength, (name,), "list", cands, 1.0) is None
    assert named_alternative(text, strength, (name,), "list", cands, 0.0) is None


def test_a_span_repeating_the_question_gives_way_to_the_readers_next_one():
    from roundup_qa.reader.span import unechoed

    text = "万达精益研究院成立\n成立仪式上,万达集团与天津工业大学、山东工商学院进行签约。"
    asked = "万达集团与哪些高校签约?"
    group = (text.index("万达集团"), text.index("万达集团") + 4, 9.0)
    across = (0, text.index("与天津"), 8.0)  # from the title into the text
    schools = (text.index("天津"), text.index("进行"), 7.0)
    # the question already says 万达集团: the reader's next span within a line answers it
    assert unechoed(text, group, (across, schools), asked, 4.0) == schools
    # an answer the question does not hold, a next span too far below, or switched off: none
    assert unechoed(text, schools, (group,), asked, 4.0) is None
    assert unechoed(text, group, (schools,), asked, 1.0) is None
    assert unechoed(text, group, (schools,), asked, 0.0) is None


def test_a_span_never_runs_from_the_title_into_the_text():
    from roundup_qa.reader.span import one_line

    text = "国瓷材料一专利荣获中国专利优秀奖\n5月10日,山东国瓷功能材料股份有限公司的专利获奖。"
    across = (0, text.index("的专利"), 9.0)
    company = (text.index("山东"), text.index("的专利"), 7.4)
    assert one_line(text, across, (across[:2] + (5.0,), company)) == company
    assert one_line(text, company, (across,)) is None  # already within a line
    assert one_line(text, (0, text.index("\n") + 1, 9.0), ()) is None  # only its edge is the line break


def test_english_order_puts_the_interrogative_first_and_keeps_the_span_words():
    from roundup_qa.reader.codeswitch import CodeSwitcher, EnglishOrder

    order = EnglishOrder(CodeSwitcher(0), seed=0)
    q = order("华盛橡胶的品牌价值是多少?", share=0.0)
    assert q.startswith("How much is") and q.endswith("?")
    assert "品牌价值" in q and "华盛" in q and "多少" not in q
    assert order("许兰亭任教于哪一所大学?", share=0.0).startswith("Which 大学 did")
    assert order("中华民国政府的国家队被称为什么?", share=0.0).startswith("What")  # 称为什么 is not "why"
    assert order("香港公开羽毛球锦标赛的主办方是?", share=0.0).startswith("What is")
    glossed = order("曾伟明的出生地在哪里?", share=1.0)
    assert glossed.startswith("Where") and "birthplace" in glossed


def test_how_many_names_what_it_counts_by_its_unit():
    from roundup_qa.reader.question import analyze
    from roundup_qa.reader.units import unit_of

    assert analyze("利津县老旧小区改造涉及多少户居民?", "zh").units == {"户"}
    assert analyze("东营区请了多少位群众当宣传员?", "zh").units == {"名", "人", "位"}
    assert analyze("How many households benefit from the renovation?", "en").units == {"户"}
    assert analyze("How many local schools joined?", "en").units == {"所"}
    assert analyze("How many talent policies did Lijin announce?", "en").units == {"条", "项"}  # 14条
    # 个 and unknown nouns say nothing about the unit
    assert analyze("开发区有多少个项目?", "zh").units == frozenset()
    assert analyze("How many jobs will it create?", "en").units == frozenset()
    # land is a quantity however it is described, money only where nothing else is asked
    assert analyze("How much new high-standard farmland did Guangrao approve?", "en").type == "quantity"
    assert analyze("How much did the project invest?", "en").type == "money"
    assert [unit_of(c) for c in ("1.7万名", "九天", "约3.3万人次", "66项")] == ["名", "天", "人次", "项"]


def test_a_counted_noun_the_item_never_names_and_a_span_repeating_the_question_are_refusals():
    # what a Chinese "how many" counts leads the words after its unit; 哪几家 asks which ones
    assert analyze("东营港经济开发区引入了多少家外资企业?", "zh").counted == "外资企业"
    assert analyze("全市首批道路运输便民服务站包括哪几家检测站?", "zh").counted == ""
    item = "东营港经济开发区引入企业89家,新增成员单位12家。"
    assert uncounted([("外资企业", "n"), ("参加", "v")], item) == "外资企业"
    assert uncounted([("企业", "n")], item) is None  # named: the item may count it
    assert uncounted([("居住", "v")], item) is None  # 多少人居住: a verb names nothing counted
    assert uncounted([], item) is None
    groups = [["广饶", "广饶县"], ["人口"]]
    assert echoes("广饶", "What is the population of Guangrao County?", groups)
    assert echoes("东营区", "东营区有多少人口?", [])
    assert not echoes("54.3万亩", "What is the population of Guangrao County?", groups)
    assert "counts 外资企业" in decide(_signals(uncounted="外资企业"), 0.5)
    assert "only repeats the question" in decide(_signals(echo=True), 0.5)
    # a number asked for: a span with no numeral is refused only when the reader prefers no answer
    assert numberless("龙居镇龙栖湿地公园", -6.9) and not numberless("龙居镇龙栖湿地公园", 2.0)
    assert (
        not numberless("约3.3万人次", -6.9) and not numberless("三家", -1.0) and not numberless("数百", -1.0)
    )
    assert "holds none" in decide(_signals(numberless=True), 0.5)
    # who asked: a span that names no one (an event, a slogan), the reader preferring no answer
    assert unnamed("organisation", "span", -7.3)
    assert not unnamed("organisation", "span", 1.0) and not unnamed("organisation", "organisation", -7.3)
    assert not unnamed("place", "span", -7.3) and not unnamed("organisation", "person", -3.0)
    # asked who holds a post, organisations name no one either; a company may lead a project
    assert unnamed("organisation", "list", -4.0, "Who heads the Wanda Lean Research Institute?")
    assert unnamed("organisation", "organisation", -4.0, "万达精益研究院的院长是谁?")
    assert not unnamed("organisation", "organisation", -4.0, "Who built the Zhonglang fishery project?")
    assert not unnamed("organisation", "list", 4.0, "Who is the director of the project?")
    assert "names no one" in decide(_signals(unnamed=True), 0.5)
    # a reader sure of its span overrules both, as it does the other item rules
    assert decide(_signals(uncounted="外资企业", reader_margin=9.0), 0.5, -12, 6.0) is None


def test_another_district_is_refused_whatever_the_reader_says():
    said = decide(
        _signals(missing_names=("河口区",), other_district="河口区", reader_margin=12.0), 0.5, -12, 6.0
    )
    assert said == "the question names 河口区, which the best item does not mention"
    # any other name the item lacks a sure reader overrules
    assert decide(_signals(missing_names=("清华大学",), reader_margin=12.0), 0.5, -12, 6.0) is None


def test_an_amount_of_something_the_item_never_says_is_a_refusal():
    # the words a question asks an amount of; the ones most amounts are said by are not judged
    assert analyze("废矿物油综合处理设施项目每年能创造多少利税?", "zh").amount_of == ("利税",)
    assert analyze("How much profit and tax will the project generate?", "en").amount_of == ("利润", "利税")
    assert analyze("How much were the interns paid?", "en").amount_of[0] == "工资"
    assert analyze("计划总投资多少?", "zh").amount_of == ()
    assert analyze("项目的利税情况如何?", "zh").amount_of == ()  # no amount asked
    item = "该项目计划总投资4.3亿元,建设含油污泥处理系统。"
    assert amount_missing(("利税",), item) == "利税"
    assert amount_missing(("利润", "利税"), "项目建成后年创利税1.1亿元。") is None  # either word says it
    assert amount_missing(("利润", "利税"), item) == "利润/利税"  # both named where neither is said
    assert amount_missing((), item) is None
    said = decide(_signals(amount_of="利税"), 0.5)
    assert said == "the question asks for an amount of 利税, which the best item does not mention"
    assert in_language(said, "zh") == "最相关的条目没有提到问题所问的利税"
    # a reader sure of its span overrules it, as it does the other item rules
    assert decide(_signals(amount_of="利税", reader_margin=9.0), 0.5, -12, 6.0) is None


def test_amounts_in_other_currencies_are_money():
    found = {
        c.text for c in extract("阿里巴巴以20.606亿港元收购,定价5800日元。", (), (), ()) if c.type == "money"
    }
    assert found == {"20.606亿港元", "5800日元"}
    assert render("5800日元", "money", {}) == "JPY 5,800"


def _headed(text: str, piece: str, heads: tuple[str, ...]) -> str | None:
    at = text.index(piece)
    run = headed_run(text, at, at + len(piece), heads)
    return None if run is None else text[run[0] : run[1]]


def test_a_list_span_naming_partners_of_several_kinds_keeps_the_kind_asked_for():
    companies = ("公司", "集团", "企业")
    text = "东营经济技术开发区与山东大学软件学院、山东天元信息技术集团有限公司共建研究院。"
    assert (
        _headed(text, "东营经济技术开发区与山东大学软件学院、山东天元信息技术集团有限公司", companies)
        == "山东天元信息技术集团有限公司"
    )
    assert (
        _headed(
            "万达集团与天津工业大学、山东工商学院进行签约", "万达集团与天津工业大学、山东工商学院", companies
        )
        == "万达集团"
    )
    # all of one kind, none of it, a count naming them all, or a clause: the span as read
    assert (
        _headed("北京大学、山东大学、复旦大学等专家", "北京大学、山东大学、复旦大学", ("大学", "学院"))
        is None
    )
    assert _headed("神驰化工、胜机石油等23家企业参加", "神驰化工、胜机石油", companies) is None
    assert _headed("恒盛、惠泽2家公司取得资质", "恒盛、惠泽2家公司", companies) is None
    assert (
        _headed(
            "研究院揭牌成立。成立仪式上,万达集团与天津工业大学",
            "研究院揭牌成立。成立仪式上,万达集团与天津工业大学",
            companies,
        )
        is None
    )


def test_a_list_answer_ends_before_the_count_that_sums_it_up():
    text = "分别是西五路胜通检测站、庐山路宏泰检测站、德州路兴运检测站3家,基本涵盖"
    start, end = text.index("西五路"), text.index(",")
    assert (
        text[start : past_count_tail(text, start, end)]
        == "西五路胜通检测站、庐山路宏泰检测站、德州路兴运检测站"
    )
    one = "由山东中朗海洋科技有限公司投资建设,计划投资5.2亿元"
    assert past_count_tail(one, 1, one.index(",")) == one.index(",")  # no enumeration: nothing cut
    # the last of three parties and the count of them: the party
    parties = "河口区、新疆金风科技股份有限公司、中车永济电机有限公司三方进行了签约"
    start, end = parties.index("中车"), parties.index("进行")
    assert parties[start : past_count_tail(parties, start, end)] == "中车永济电机有限公司"
    amount = "东凯幼儿园等14所中小学、家长学校"
    assert past_count_tail(amount, 0, len(amount)) == len(amount)  # no count at the end


def test_an_end_asked_of_an_item_that_gives_only_the_start():
    from roundup_qa.reader.abstain import only_started
    from roundup_qa.reader.question import analyze

    text = (
        "5月20日,利津县城区道路建设工程开工建设。工程总投资5700余万元。"
        "一期投资9000万元,预计八月底建成投产。5月15日至23日,龙舟赛开幕式在龙居镇举行。"
    )

    def at(s):
        return text.index(s), text.index(s) + len(s)

    assert analyze("利津县城区道路工程计划什么时候完工?", "zh").ending == "完工"
    assert analyze("When will the Lijin urban road project be completed?", "en").ending == "completed"
    # the start itself asked about, or the end of a year: no end asked
    assert analyze("什么时候完成签约?", "zh").ending == ""
    assert analyze("By the end of which year was poverty ended?", "en").ending == "ended"
    assert analyze("By the end of which year?", "en").ending == ""
    assert analyze("道路工程什么时候开工?", "zh").ending == ""
    assert (
        only_started("完工", text, *at("5月20日"))
        == "完工的时间; the best item speaks of its start only: 5月20日,利津县城区道路建设工程开工"
    )
    assert only_started("completed", text, *at("5月20日")).startswith('its end ("completed")')
    # a sentence naming the end, or a span of days, gives it
    assert only_started("投产", text, *at("八月底")) is None
    assert only_started("结束", text, *at("5月15日至23日")) is None
    assert only_started("", text, *at("5月20日")) is None


def test_how_long_asks_for_a_span_of_time():
    from roundup_qa.reader.candidates import extract
    from roundup_qa.reader.question import analyze

    for question, lang in (
        ("实习了多长时间?", "zh"),
        ("研发用了多久?", "zh"),
        ("龙舟赛持续了几天?", "zh"),
        ("How long did the internship last?", "en"),
        ("How long did Weifei take to develop it?", "en"),
        ("How many days did the events last?", "en"),
    ):
        assert analyze(question, lang).type == "duration", question
    # how long a thing is is a length
    assert analyze("How long is the road?", "en").type == "quantity"
    assert analyze("道路有多长?", "zh").type == "quantity"
    text = "为期一个月的实习。历时两年的论证。九天时间里。2021年5月。经过5年的攻坚。5月15日至23日。"
    durations = [c.text for c in extract(text) if c.type == "duration"]
    assert durations == ["一个月", "两年", "九天", "5年"]  # not the year 2021年
    # a span of time counts nothing: 九天 is no count
    assert "九天" not in [c.text for c in extract(text) if c.type == "count"]


def test_a_which_town_question_is_answered_with_the_town():
    from roundup_qa.reader.candidates import extract
    from roundup_qa.reader.question import analyze
    from roundup_qa.reader.span import named_place

    assert analyze("In which town was the ceremony held?", "en").place_kind == "镇"
    assert analyze("揭牌仪式在哪个镇举行?", "zh").place_kind == "镇"
    assert analyze("Where was the ceremony held?", "en").place_kind == ""
    text = "5月8日上午,河口区油地融合医疗机构成立大会暨集中揭牌仪式在孤岛镇举行。"
    found = extract(text, places=("河口区", "孤岛镇"))
    start, end = text.index("河口区油地"), text.index("举行")
    assert named_place(text, start, end, "镇", found) == (text.index("孤岛镇"), text.index("举行"))
    # the town alone already, or no place of that kind in the span: nothing to narrow
    assert named_place(text, text.index("孤岛镇"), text.index("举行"), "镇", found) is None
    assert named_place(text, start, end, "村", found) is None


def test_a_rate_per_period_and_a_change_asked_of_a_figure_that_is_neither():
    from roundup_qa.reader.abstain import no_change, other_period
    from roundup_qa.reader.question import analyze

    assert analyze("每月能生产多少光伏组件?", "zh").period == "每月"
    assert analyze("How many modules will it turn out each month?", "en").period == "each month"
    assert analyze("年产多少光伏组件?", "zh").period == ""
    assert analyze("民生支出同比增长了多少?", "zh").change == "同比增长了多少"
    assert analyze("By what percentage did spending grow?", "en").change == "by what percentage"
    assert analyze("民生支出增加到多少?", "zh").change == ""  # the level reached, not the change
    text = "年产1.2GW高效光伏组件生产项目签约。民生支出达16.51亿元,同比增长12%。日产300吨。"

    def at(s):
        return text.index(s), text.index(s) + len(s)

    assert other_period("每月", text, *at("1.2GW")).startswith(
        "每月的数字; the best item speaks of 年产1.2GW"
    )
    assert other_period("each month", text, *at("1.2GW")).startswith('a figure "each month"')
    assert other_period("每天", text, *at("300吨")) is None  # the item's own daily figure
    assert other_period("", text, *at("1.2GW")) is None
    assert no_change("同比增长了多少", text, *at("16.51亿元")).endswith("民生支出达16.51亿元")
    assert no_change("同比增长了多少", text, *at("12%")) is None
