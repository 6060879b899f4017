"""What type of answer a question wants, from its interrogative and head noun (zh and en)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..chinese import ASKS_EN, ASKS_ZH, digit_months, parse_number
from .units import (
    AMOUNTS_OF,
    AMOUNTS_OF_EN,
    ASKED_COUNT,
    ASKED_QUANTITY,
    COUNT,
    COUNTED_EN,
    alternation,
    same_units,
)

# (pattern, type, why): first match wins, so specific forms come before general ones.
_ZH_RULES: list[tuple[str, str, str]] = [
    (
        r"多久|多长时间|多少时间|多少(?:个)?小时|几个小时|几个月|多少个月|几天|多少天",
        "duration",
        "asks how long (多久)",
    ),
    (r"什么时候|何时|哪天|哪一天|几月|几号|哪年|什么时间|日期|哪个月", "date", "asks when (时间)"),
    (r"比例|占比|比重|百分之?多少|百分比|多少%", "percentage", "asks for a share (比例)"),
    (r"第几|排第|排名|位列|名次", "rank", "asks for a rank (第几)"),
    (
        r"(?:投资|资金|资本|价值|交易额|金额|收入|利税|支出|费用|经费|成本|总额|营收|钱)[^,。?]*(?:多少|几)"
        r"|(?:多少|几)[^,。?]*(?:钱|资金|元|投资|金额)",
        "money",
        "asks how much money (金额)",
    ),
    (
        rf"(?:产能|能产|产量|年产|面积|规模|长度|多长|多大|多远|{alternation(ASKED_QUANTITY)})[^,。?]*(?:多少|几|多大|多长)?"
        rf"|(?:多少|几)[^,。?]*(?:{alternation(ASKED_QUANTITY)})",
        "quantity",
        "asks for a quantity with a unit",
    ),
    (r"哪些|哪几|哪两|哪三|包括什么|有什么活动|分别是", "list", "asks for several things (哪些)"),
    (rf"多少|几(?:{alternation(ASKED_COUNT)})|几", "count", "asks how many (多少/几)"),
    (r"根据什么|依据什么|靠什么|为什么|为何|原因", "reason", "asks why or on what basis (为什么)"),
    (
        r"什么(?:专利|项目|品牌|名称|称号|剧|主题|模式|平台|制度|工作思路|思路|口号|机制)|叫什么|哪(?:项|个)(?:专利|项目|品牌|称号)",
        "name",
        "asks for a name (什么+名词)",
    ),
    (
        r"哪家|哪个(?:公司|企业|单位|机构|部门|高校|大学)|什么(?:公司|企业|单位|机构)|谁|哪位|和谁|与谁",
        "organisation",
        "asks which organisation or who (哪家/谁)",
    ),
    (r"哪里|在哪|何地|什么地方|哪个(?:县|区|镇|地方|城市|市)|何处|地点", "place", "asks where (哪里)"),
    (r"如何|怎样|怎么|通过什么方式|什么方式|什么思路", "reason", "asks how (如何)"),
    (r"是否|是不是|有没有|吗[??]?$", "yesno", "a yes/no question (是否)"),
]
_EN_RULES: list[tuple[str, str, str]] = [
    # "when" asks only as the interrogative: "Which universities did … sign with when its
    # institute opened?" asks for universities
    (
        r"^(?:and |so )?when\b|, when\b|\bwhen (?:did|does|do|was|were|is|are|will|has|have|had)\b"
        r"|\bwhat (?:date|day|time|month|year)\b|\bwhich (?:day|date|month|year)\b",
        "date",
        "asks when",
    ),
    (
        r"\bwhat (?:share|percentage|proportion|percent|fraction)\b|\bpercent|\brate\b",
        "percentage",
        "asks for a share",
    ),
    (
        r"\bwhat rank\b|\brank\b|\bwhich place\b|\bposition\b|\b(?:which|what) edition\b",
        "rank",
        "asks for a rank",
    ),
    (
        r"\bhow long\b[^?]*\b(?:last|lasted|lasts|take|took|takes|taken|spend|spent|run|ran|been)\b"
        r"|\bfor how long\b|\bhow much time\b|\bhow many (?:days|years|months|weeks|hours)\b",
        "duration",
        "asks how long",
    ),
    (
        r"\bhow (?:long|large|big|far)\b|\bcapacity\b|\b(?:annual|yearly|what) output\b(?! value)|\bhow many (?:mu|tons?|tonnes?|meters?|metres?|km|hectares?)\b"
        r"|\bhow much (?:[a-z-]+ ){0,3}?(?:land|farmland|area|space)\b|\bhow (?:big|large) is\b",
        "quantity",
        "asks for a quantity with a unit",
    ),
    (
        r"\bwhat (?:is|was) the name\b|\bwhat is [^?]* called\b|\bwhich patent\b|\bwhat patent\b",
        "name",
        "asks for a name",
    ),
    (
        r"\bhow much\b[^?]*\b(?:invest|cost|money|fund|budget|spend|spent|worth|price|revenue|sales|earn)"
        r"|\b(?:investment|value|worth|revenue|sales|funding|budget|deal value|transaction|cost|capital|price"
        r"|earnings|income|profits?|gdp|fees?|tuition)\b[^?]*"
        r"|\bhow much\b",
        "money",
        "asks how much (money)",
    ),
    (r"\bhow many\b|\bpopulation\b|\bnumber of\b|\battendance\b|\bturnout\b", "count", "asks how many"),
    (
        r"\bwhich\b[^?]{0,30}?\b(?:companies|firms|enterprises|institutions|organi[sz]ations|universities|partners|units"
        r"|departments|agencies|bureaus|hospitals|stations|schools|colleges|institutes|associations)\b"
        r"|\bwho (?:are|were)\b|\bwhat (?:companies|institutions|events|activities)\b|\bwho jointly\b",
        "list",
        "asks for several things (which …s)",
    ),
    (
        r"\bwhich\b[^?]{0,30}?\b(?:company|firm|enterprise|institution|organi[sz]ation|university|department)\b"
        r"|\bwho\b|\bwhose\b",
        "organisation",
        "asks which organisation or who",
    ),
    (r"\bwhere\b|\bwhich (?:county|district|town|city|place|venue)\b|\bin which\b", "place", "asks where"),
    (r"\bwhy\b", "reason", "asks why"),
    (r"\bhow\b", "reason", "asks how"),
    (r"^(?:is|are|was|were|does|do|did|has|have|can)\b", "yesno", "a yes/no question"),
]
_EN_MONTHS = {
    m: i for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1
    )
}  # fmt: skip
_MONTH = re.compile(r"(\d{1,2})月")


@dataclass(frozen=True)
class Analysis:
    """The expected answer type ("other" when no rule applies), why, and any month named."""

    type: str
    why: str
    months: tuple[int, ...] = ()
    # for "how many": the units that count what is asked (多少户, how many households: 户);
    # empty when the question names none, or only 个
    units: frozenset[str] = frozenset()
    # for a Chinese "how many": the words after the question word and its unit, up to the
    # next punctuation (多少家外资企业? -> 外资企业): what is counted leads them
    counted: str = ""
    # years and ordinals the question names (mentioned_markers): judged against the item by
    # abstain.stated_otherwise
    markers: Markers | None = None
    # for a number asked for: the words that say what an amount is of, where the question
    # names it (多少利税, how much profit: 利润 or 利税); judged against the item
    amount_of: tuple[str, ...] = ()
    # the question's word asking when something ended or was finished (完工, "completed"),
    # judged against a date the item gives only for its start (abstain.only_started)
    ending: str = ""
    # the kind of place a "which town / 哪个镇" question names, as the name ends (镇): a span
    # holding such a place is narrowed to it (span.named_place)
    place_kind: str = ""
    # the period a rate is asked per, as the question says it (每月, "each month"), judged against a yearly figure
    # (年产1.2GW) by abstain.other_period
    period: str = ""
    # the question asks by how much something changed (同比增长了多少, "by what percentage"),
    # judged against a figure with no change in its words by abstain.no_change
    change: str = ""


_ASKS_DISTRICT = {
    "zh": re.compile(r"哪(?:个|一个)?(?:县区|区县|县|区)(?!域|块|间)"),
    "en": re.compile(r"\b(?:which|what) (?:district|county)\b", re.I),
}


def asks_district(question: str, lang: str) -> bool:
    """Whether the question asks which district or county: each item is news of one, so
    the answer is the item's own district as its text names it."""
    return bool(_ASKS_DISTRICT["en" if lang == "en" else "zh"].search(question))


def analyze(question: str, lang: str) -> Analysis:
    rules = _EN_RULES if lang == "en" else _ZH_RULES
    text = question.lower() if lang == "en" else question
    months = mentioned_months(question)
    marks = mentioned_markers(question, lang)
    amount = amount_of(text, lang)
    ending = None if _BEGUN[lang == "en"].search(text) else _ENDING[lang == "en"].search(text)
    said = {
        "markers": marks,
        "amount_of": amount,
        "ending": ending.group(1) if ending else "",
    }
    period = _PERIOD[lang == "en"].search(text)
    change = _CHANGE[lang == "en"].search(text)
    said["period"] = period.group() if period else ""
    said["change"] = change.group() if change else ""
    kind = _PLACE_KIND[lang == "en"].search(text)
    for pattern, answer_type, why in rules:
        if re.search(pattern, text):
            # the rules' money pattern is broad: numbers of things are counts
            if answer_type == "money" and lang == "en" and re.search(r"\bhow many\b", text):
                continue
            if answer_type == "place" and kind:
                return Analysis(answer_type, why, months, place_kind=_PLACE_ENDS[kind.group(1)], **said)
            if answer_type != "count":
                return Analysis(answer_type, why, months, **said)
            return Analysis(answer_type, why, months, *counted(text, lang), **said)
    if _terse(text, lang):
        stem = _TRAILING.sub("", text)
        for pattern, answer_type, why in _ZH_TERSE if lang == "zh" else _EN_TERSE:
            if re.search(pattern, stem):
                return Analysis(answer_type, why, months, **said)
    return Analysis("other", "no interrogative with a known answer type", months, markers=marks)


# a keyword query names what it asks for last, with no question word (华盛橡胶品牌价值,
# 利津县城区道路建设工程开工时间, 河口广场文化艺术节演出场次): the type of that noun
_ZH_TERSE: list[tuple[str, str, str]] = [
    (
        r"(?:投资|资金|资本|价值|交易额|金额|收入|利税|利润|支出|费用|经费|成本|总额|营收|产值|销售额)$",
        "money",
        "names an amount last, with no question word (价值)",
    ),
    (
        r"(?:数量|人数|个数|场次|次数|家数|数目)$",
        "count",
        "names a number of things last, with no question word",
    ),
    (r"(?:届次|排名|名次)$", "rank", "names a rank last, with no question word (届次)"),
    (r"(?:时间|日期|时候)$", "date", "names a time last, with no question word (时间)"),
    (r"(?:地点|地址|位置|场所|举办地|所在地)$", "place", "names a place last, with no question word (地点)"),
]
_EN_TERSE: list[tuple[str, str, str]] = [
    (r"\b(?:date|day|time)$", "date", "names a date last, with no question word"),
    (r"\b(?:edition|ranking|rank|position)$", "rank", "names a rank last, with no question word"),
    (r"\b(?:venue|location|site|address|place)$", "place", "names a place last, with no question word"),
    (
        r"\b(?:number|size|headcount|attendance|turnout)$",
        "count",
        "names a number last, with no question word",
    ),
]
_TRAILING = re.compile(r"[\s?？。.!！]+$")
# what a keyword query is completed with for the reader, by the type asked (other types: 是什么?)
_TAILS = {
    "money": "是多少?", "count": "是多少?", "quantity": "是多少?", "percentage": "是多少?",
    "date": "是什么时候?", "rank": "是第几?", "place": "在哪里?", "duration": "是多久?",
}  # fmt: skip


def _terse(question: str, lang: str) -> bool:
    """A keyword query: words without a question word (华盛橡胶品牌价值, "Huasheng Rubber brand value")."""
    if lang == "en":
        return bool(question.strip()) and not ASKS_EN.search(question)
    return bool(question.strip()) and not ASKS_ZH.search(question)


def in_full(question: str, lang: str) -> str:
    """A Chinese keyword query as the question the reader was trained on (every training
    question has a question word): 华盛橡胶品牌价值 -> 华盛橡胶品牌价值是多少?, by the type
    `analyze` reads from its last noun. Any other question as it is: an English one is read
    best as typed (completed as "What is the …?", the English keyword queries of
    eval/questions-terse.jsonl lost F1 0.907 -> 0.807)."""
    if lang != "zh" or not _terse(question, lang):
        return question
    return _TRAILING.sub("", question) + _TAILS.get(analyze(question, lang).type, "是什么?")


# an end asked for (什么时候完工, "when will it be completed")
_ENDING = (
    re.compile(r"(完工|竣工|建成|完成|结束|闭幕|投产|落成|收官)"),
    re.compile(
        r"\b(complet(?:e|ed|es|ion)|finish(?:ed|es)?|end(?:ed|s)?|clos(?:e|ed|es|ing)|conclud(?:e|ed|es)|"
        r"over|done|operational)\b(?! of)"
    ),
)
# a rate asked per day, week or month, and the period as the item would write it
_PERIOD = (
    re.compile(r"每(天|日|月|周)|(?<![几每])(日|月)均"),
    re.compile(r"\b(?:per|each|every|a) (day|month|week)\b|\b(daily|monthly|weekly)\b"),
)
# by how much something changed
_CHANGE = (
    re.compile(r"(?:同比|环比)?(?:增长|增加|提高|提升|下降|减少|降低)了?(?:多少|几)|增幅|涨幅|降幅|增速"),
    re.compile(r"\bby (?:how much|what percent(?:age)?|how many)\b|\byear[- ]on[- ]year\b|\bgrowth rate\b"),
)
# the kind of place asked for, and how such a place's name ends
_PLACE_KIND = (
    re.compile(r"哪(?:个|一个)?(乡镇|镇|村|街道)"),
    re.compile(r"\b(?:which|what) (town|township|village|sub-?district)\b"),
)
_PLACE_ENDS = {
    "乡镇": "镇", "镇": "镇", "村": "村", "街道": "街道",
    "town": "镇", "township": "镇", "village": "村", "subdistrict": "街道", "sub-district": "街道",
}  # fmt: skip
# a start the question itself asks about (什么时候完成签约: the signing, not an end)
_BEGUN = (
    re.compile(r"开工|动工|开建|开幕|启动|开始|签约|揭牌|举行|召开|成立"),
    re.compile(r"\b(?:sign|unveil|open|start|launch|beg[ia]n|kick)"),
)
_ZH_AMOUNT = re.compile(alternation(AMOUNTS_OF))
_EN_AMOUNT = re.compile(rf"\b(?:{alternation(AMOUNTS_OF_EN)})\b")


def amount_of(text: str, lang: str) -> tuple[str, ...]:
    """The Chinese words for what a question asks an amount of (多少利税 -> 利税; "how much
    profit and tax" -> 利润, 利税), any of which an item answering it uses; () where it
    names none of units.AMOUNTS_OF (投资, 资金: how most amounts are said)."""
    if lang == "en":
        m = _EN_AMOUNT.search(text.lower())
        return AMOUNTS_OF_EN[m.group()] if m else ()
    asks = re.search(r"多少|几", text) or _terse(text, lang)  # 多少利税, or a keyword query: 华盛橡胶净利润
    if not asks:
        return ()
    m = _ZH_AMOUNT.search(text)
    return AMOUNTS_OF[m.group()] if m else ()


# 多少家, 几所; not 哪几家 (which ones)
_ZH_COUNTED = re.compile(
    rf"(?<!哪)(?:多少|几)({alternation(u for u, word in COUNT.items() if word)})([^,，。?？!！、;；]*)"
)
# the counted noun is the head: "farmers' cooperatives" counts cooperatives, not farmers
_EN_COUNTED = re.compile(rf"\bhow many (?:[a-z-]+ ){{0,3}}?({alternation(COUNTED_EN)})\b(?!['’])")


def counted(text: str, lang: str) -> tuple[frozenset[str], str]:
    """What a "how many" question counts: the units that count it (多少户 -> 户; how many
    schools -> 所) and, in Chinese, the words after the question word and its unit
    (多少家外资企业参加? -> 外资企业参加); empty where it names none."""
    if lang == "en":
        m = _EN_COUNTED.search(text)
        if not m and re.search(r"\b(?:population|attendance|turnout)\b", text):  # counted in people
            return COUNTED_EN["people"], ""
        return (COUNTED_EN[m.group(1)], "") if m else (frozenset(), "")
    m = _ZH_COUNTED.search(text)
    return (same_units(m.group(1)), m.group(2).strip()) if m else (frozenset(), "")


def mentioned_months(text: str) -> tuple[int, ...]:
    """Months a text names: 6月, 六月, June."""
    out = []
    for m in _MONTH.finditer(digit_months(text)):  # 六月 read as 6月, as everywhere
        n = int(m.group(1))
        if 1 <= n <= 12:
            out.append(n)
    for m in re.finditer(r"[A-Za-z]+", text):
        word = m.group().lower()
        if word not in _EN_MONTHS:
            continue
        # "may" is a month only as "May" inside a sentence, or after a preposition
        if word == "may" and not (
            (m.group() == "May" and m.start() > 0)
            or re.search(r"\b(?:in|of|since|during|to|from|until|by|through) $", text[: m.start()].lower())
        ):
            continue
        out.append(_EN_MONTHS[word])
    return tuple(dict.fromkeys(out))


# a year: 2020年, "in 2020" (1950-2049, so 2950万美元 and 2135 are none)
YEAR = re.compile(r"(?<![\d.])((?:19[5-9]|20[0-4])\d)(?![\d.万亿%])")
_YEARS_BACK = {
    "去年": 1, "前年": 2, r"\blast year\b": 1, r"\bthe year before last\b": 2,
    r"\b(?:the )?(?:previous|prior) year\b|\bthe year before\b(?! last)|\ba year (?:earlier|ago)\b": 1,
}  # fmt: skip
# a year counted back only to compare with ("compared with the previous year"): a change asked
_COMPARED = re.compile(
    r"\b(?:compared (?:with|to)|than|over|from|versus|vs\.?) (?:the |a )?(?:previous|prior|last) year"
)
# an ordinal with its counter: 第十届, 第二十二届, 第四批, 二期 (a phase needs no 第); 第二人民医院
# has no counter and is judged by nothing
ZH_ORDINAL = re.compile(
    r"第([零一二三四五六七八九十两\d]{1,3})(届|期|批|次|轮)?|(?<![第零一二三四五六七八九十两\d])([一二三四五六七八九十\d]{1,2})(期)"
)
_EN_ORDINALS = {
    w: i
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
        "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(),
        1,
    )
} | {"thirtieth": 30}
_EN_TENS = {"twenty": 20, "thirty": 30}
# the Chinese counter of what an English ordinal counts, when one of these follows it within
# eight words: the ninth … festival (届), the second phase (期), the fourth batch (批)
_EN_COUNTERS = {
    w: counter
    for counter, words in {
        "届": "festival festivals session sessions edition editions games race competition contest award awards "
        "prize conference forum expo fair",
        "期": "phase phases stage",
        "批": "batch batches",
        "轮": "round",
    }.items()
    for w in words.split()
}


@dataclass(frozen=True)
class Markers:
    """Years and ordinals a question names: absolute years, years counted back from the
    roundup's own (去年: 1), and (number, counter) ordinals (第九届 -> (9, "届"))."""

    years: tuple[int, ...] = ()
    years_back: tuple[int, ...] = ()
    ordinals: tuple[tuple[int, str], ...] = ()
    # parts of a year asked about, as the item would say them: 季度 (一季度, the first
    # quarter, Q1), 半年 (上半年, the first half of the year)
    parts: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.years or self.years_back or self.ordinals or self.parts)


def zh_ordinals(text: str) -> list[tuple[int, str]]:
    """(number, counter) of each ordinal in Chinese text; counter "" where none follows."""
    out = []
    for m in ZH_ORDINAL.finditer(text):
        number, counter = (m.group(1), m.group(2) or "") if m.group(1) else (m.group(3), m.group(4))
        if n := parse_number(number):
            out.append((n, counter))
    return out


# a phase or batch numbered after its word: "Phase II", "phase 2", "batch three"
_EN_NUMBERED = re.compile(
    r"\b(phase|stage|batch|round) (\d{1,2}|i{1,3}|iv|v|vi{1,3}|one|two|three|four|five|six)\b(?!-)", re.I
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8}
_EN_CARDINALS = {w: i for i, w in enumerate("one two three four five six".split(), 1)}


def _en_ordinals(text: str) -> list[tuple[int, str]]:
    """Ordinals that a counter word follows (the first festival, the 22nd session), or that
    follow one (Phase II, batch 3). "first" is judged as 第一 or 首 (stated_otherwise)."""
    words = re.findall(r"[a-z]+(?:-[a-z]+)?|\d+(?:st|nd|rd|th)\b|[^\sa-z\d]", text.lower())
    out = []
    for m in _EN_NUMBERED.finditer(text):
        word, number = m.group(1).lower(), m.group(2).lower()
        n = int(number) if number.isdigit() else _ROMAN.get(number) or _EN_CARDINALS[number]
        out.append((n, _EN_COUNTERS[word]))
    for i, w in enumerate(words):
        tens, _, unit = w.rpartition("-")
        if re.fullmatch(r"\d+(?:st|nd|rd|th)", w):
            n = int(w[:-2])
        elif w in _EN_ORDINALS or (tens in _EN_TENS and unit in _EN_ORDINALS):
            n = _EN_TENS.get(tens, 0) + _EN_ORDINALS[unit]
        else:
            continue
        for after in words[i + 1 : i + 9]:
            if not after[0].isalpha():
                break
            if after in _EN_COUNTERS:
                out.append((n, _EN_COUNTERS[after]))
                break
    return out


_YEAR_PARTS = (
    (
        re.compile(
            r"第?[一二三四1-4]季度|\b(?:(?:first|second|third|fourth|1st|2nd|3rd|4th) quarter|q[1-4])\b"
        ),
        "季度",
    ),
    (re.compile(r"[上下]半年|\b(?:first|second) half of (?:the |this |last )?year\b"), "半年"),
)


def mentioned_markers(text: str, lang: str) -> Markers:
    """The years, counted ordinals and parts of a year a question names (2020年, 去年,
    第九届, the second phase, 一季度)."""
    lower = text.lower()
    ordinals = _en_ordinals(text) if lang == "en" else [o for o in zh_ordinals(text) if o[1]]
    parts = tuple(said for pattern, said in _YEAR_PARTS if pattern.search(lower))
    return Markers(
        tuple(dict.fromkeys(int(y) for y in YEAR.findall(text))),
        ()
        if _COMPARED.search(lower)
        else tuple(dict.fromkeys(back for phrase, back in _YEARS_BACK.items() if re.search(phrase, lower))),
        tuple(dict.fromkeys(ordinals)),
        parts,
    )
