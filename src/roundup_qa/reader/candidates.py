"""Typed answer candidates in an item's text: dates, counts, quantities, money, percentages,
ranks, organisations, places and lists, each with its offsets.

Patterns, not part-of-speech tags alone: jieba splits company names and dates into pieces
(FIELD-NOTES), while these forms are regular in news prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..chinese import CJK_CHARS
from ..corpus.districts import TOWN
from .units import AFTER_CHINESE_NUMERAL, COUNT, DURATION, MONEY, QUANTITY, alternation

_NUM = r"\d+(?:\.\d+)?"
_CN_NUM = r"[一二两三四五六七八九十百千]+"
_MULT = r"(?:余|多)?(?:万|亿|千|百)?(?:余|多)?"
_MONEY = re.compile(rf"{_NUM}{_MULT}(?:{alternation(MONEY)})|{_NUM}(?:余|多)?(?:万|亿)(?=[购投建用资])")
_PERCENT = re.compile(rf"{_NUM}%|百分之{_CN_NUM}")
_QUANTITY_UNITS = alternation(QUANTITY)
_QUANTITY = re.compile(rf"{_NUM}{_MULT}(?:{_QUANTITY_UNITS})|(?:约){_NUM}{_MULT}(?:{_QUANTITY_UNITS})")
_COUNT_UNITS = alternation(COUNT)
_COUNT = re.compile(
    rf"{_NUM}市{_NUM}县区|(?<!第)近?(?:{_NUM}{_MULT}(?:{_COUNT_UNITS})|{_CN_NUM}(?:{alternation(AFTER_CHINESE_NUMERAL)}))"
)
# a span of time: 一个月, 两年, 5年, 三年时间, 九天 (not a year: 2021年)
_DURATION = re.compile(
    rf"(?<![\d.])(?:\d{{1,3}}(?:\.\d+)?|{_CN_NUM}|半|数)(?:多|余)?(?:{alternation(DURATION)})(?:半|多)?(?=[^\d月日]|$)"
)
# a rank, not an edition or batch: 第7位 / 第十, but not 第二届 / 第四批
_RANK = re.compile(rf"第(?:{_NUM}|{_CN_NUM})(?:位|名)?(?![\d一二三四五六七八九十百届批期次轮个条])")
# an edition or batch: 第十届, 第四批 (what "第几届" asks, no rank)
_EDITION = re.compile(rf"第(?:{_NUM}|{_CN_NUM})[届批期轮]")
_DATE = re.compile(
    r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?(?:至\d{1,2}日)?(?:上午|下午|晚上?)?(?:初|底|中旬|下旬|上旬|份)?"
    r"|\d{4}年(?:底|初)?(?:[-—至]\d{4}年)?|近日|日前|近期|今年以来"
)
ORG_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "分公司", "集团", "研究院", "研究中心", "大学", "学院", "医院",
    "保健院", "服务中心", "协调中心", "中心", "协会", "联合社", "合作社", "政府", "委员会", "管委会", "工会",
    "宣传部", "局", "厅", "剧团", "学校", "幼儿园", "总公司",
)  # fmt: skip
_ORG_SUFFIX = "|".join(ORG_SUFFIXES)
_ORG = re.compile(rf"[{CJK_CHARS}()()]{{2,30}}?(?:{_ORG_SUFFIX})")
# a name goes on when another suffix follows at once: 星海大学|软件学院, 集团|有限公司
_ORG_MORE = re.compile(rf"[^\W\d_由与和及在对向被让经据把将是为的了等于从即]{{0,8}}?(?:{_ORG_SUFFIX})")
# and when a qualifier in brackets follows it: 中国石油大学(华东), 中国石油大学（北京）
_ORG_QUALIFIER = re.compile(rf"[(（][{CJK_CHARS}]{{2,6}}[)）]")
# named spots; bare 区/县/市 suffixes are left to the gazetteer (they match too much prose)
_PLACE_SUFFIXES = ("湿地公园", "旅游区", "广场", "剧场", "公园", "校区", "体育中心", "图书馆", "产业园")


@cache
def _place_pattern(venues: tuple[str, ...]) -> re.Pattern[str]:
    """Named spots: a generic place suffix, or one of the corpus's venue names (domain.json)."""
    ends = "|".join(re.escape(s) for s in (*_PLACE_SUFFIXES, *venues))
    return re.compile(rf"[{CJK_CHARS}]{{2,20}}?(?:{ends})|{TOWN.pattern}")


_NOT_ORG = ("格局", "布局", "结局", "大局", "全局", "开局", "新局", "当局")
# "在X举行/开幕/召开…": the venue of an event is the clearest place phrase in news prose
_VENUE = re.compile(
    r"在([^,,。;;:“”]{2,30}?)(?:盛大|隆重|成功|正式|精彩)?(?:举行|开幕|召开|揭牌|签订|成立|进行|首演|启用|举办)"
)
_QUOTED = re.compile(r"[“《\"]([^”》\"]{2,40})[”》\"]")
_PERSON = re.compile(rf"[{CJK_CHARS}]{{0,6}}(?:师生|专家教授|专家|党员|干部|群众|游客|市民|学生|老兵|工人)")
# characters that end a phrase before a name starts ("由X公司", "与Y大学")
_BREAK = set("由与和及在对向被让经据把将是为的了等于从即")
# words that introduce an enumeration: its first element starts after them
_LEAD = re.compile(r"包括|包含|分别为|分别是|涵盖|例如|比如|如|有|是|为")
_JOIN = re.compile(r"^(?:、|与|和|及|以及)$")


@dataclass(frozen=True)
class Candidate:
    type: str
    start: int
    end: int
    text: str


def extract(
    text: str, places: tuple[str, ...] = (), blocked: tuple[str, ...] = (), venues: tuple[str, ...] = ()
) -> list[Candidate]:
    """All typed candidates in `text`, sorted by position.

    `places` are known place names (districts, towns); `blocked` are longer names that
    contain one but mean something else (西南湖 is not 南湖); `venues` are names that end a
    place (the corpus's domain.json).
    """
    found: list[Candidate] = []

    def add(answer_type: str, a: int, b: int) -> None:
        if b > a:
            found.append(Candidate(answer_type, a, b, text[a:b]))

    for answer_type, pattern in (
        ("money", _MONEY), ("percentage", _PERCENT), ("quantity", _QUANTITY), ("count", _COUNT),
        ("rank", _RANK), ("edition", _EDITION), ("date", _DATE), ("person", _PERSON), ("duration", _DURATION),
    ):  # fmt: skip
        for m in pattern.finditer(text):
            add(answer_type, m.start(), m.end())
    for m in _QUOTED.finditer(text):
        add("name", m.start(1), m.end(1))
    if places:
        # longest name first, as one pattern: 南湖区 is not also 南湖, 西南湖 is not 南湖
        names = sorted({*places, *blocked}, key=len, reverse=True)
        for m in re.finditer("|".join(map(re.escape, names)), text):
            if m.group() not in blocked:
                add("place", m.start(), m.end())
    for m in _VENUE.finditer(text):
        add("venue", *_trim_name(text, m.start(1), m.end(1)))
    for answer_type, pattern in (("organisation", _ORG), ("place", _place_pattern(tuple(venues)))):
        for segment in _segments(text):
            for m in pattern.finditer(text, segment[0], segment[1]):
                a, b = _trim_name(text, m.start(), m.end())
                while answer_type == "organisation" and (
                    more := _ORG_MORE.match(text, b, segment[1]) or _ORG_QUALIFIER.match(text, b, segment[1])
                ):
                    b = more.end()
                if b - a >= 3 and not text[a:b].endswith(_NOT_ORG):
                    add(answer_type, a, b)
    found = _drop_nested_numbers(found)
    found += _lists(text, found)
    return sorted(set(found), key=lambda c: (c.start, -c.end, c.type))


def _segments(text: str) -> list[tuple[int, int]]:
    """Stretches between punctuation and list separators, where a name can start."""
    out, start = [], 0
    for m in re.finditer(r"[,,。;;::、“”《》\s!?!?—]", text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _trim_name(text: str, a: int, b: int) -> tuple[int, int]:
    """Cut a name's leading words up to the last phrase-breaking character."""
    cut = max((i for i in range(a, b - 2) if text[i] in _BREAK), default=None)
    if cut is not None and b - (cut + 1) >= 3:
        a = cut + 1
    while a < b and text[a] in "()()":
        a += 1
    return a, b


def _drop_nested_numbers(cands: list[Candidate]) -> list[Candidate]:
    """A number inside a longer numeric candidate ("2135万" in "2135万元") is not its own."""
    numeric = {"money", "percentage", "quantity", "count"}
    out = []
    for c in cands:
        inside = any(
            o is not c
            and o.type in numeric
            and o.start <= c.start
            and c.end <= o.end
            and (o.end - o.start) > (c.end - c.start)
            for o in cands
        )
        if not (c.type in numeric and inside):
            out.append(c)
    return out


def _lists(text: str, cands: list[Candidate]) -> list[Candidate]:
    """Runs of names joined by 、/与/和/及, and plain 、-enumerations of short phrases."""
    out = []
    names = sorted(
        [c for c in cands if c.type in ("organisation", "place", "venue")], key=lambda c: (c.start, -c.end)
    )
    # keep the longest name at each start
    best: dict[int, Candidate] = {}
    for c in names:
        if c.start not in best or c.end > best[c.start].end:
            best[c.start] = c
    ordered = sorted(best.values(), key=lambda c: c.start)
    run = [ordered[0]] if ordered else []
    for c in ordered[1:]:
        gap = text[run[-1].end : c.start]
        if c.start >= run[-1].end and _JOIN.match(gap):
            run.append(c)
        else:
            if len(run) >= 2:
                out.append(Candidate("list", run[0].start, run[-1].end, text[run[0].start : run[-1].end]))
            run = [c] if c.start >= run[-1].end else run
    if len(run) >= 2:
        out.append(Candidate("list", run[0].start, run[-1].end, text[run[0].start : run[-1].end]))
    by_end = {c.end: c for c in ordered}
    by_start = best
    for m in re.finditer(r"[^,,。;;::、“”《》]{2,16}(?:、[^,,。;;::、“”《》]{2,16})+", text):
        parts = m.group().split("、")
        a, b = m.start(), m.end()
        first_end = a + len(parts[0])
        if first_end in by_end:  # the first element is a known name: start where it starts
            a = max(a, by_end[first_end].start)
        else:
            leads = list(_LEAD.finditer(text, a, first_end))
            if leads:
                a = leads[-1].end()
            a, _ = _trim_name(text, a, first_end)
            others = max(len(p) for p in parts[1:])
            a = max(a, first_end - others - 2)  # a first element much longer than the rest carries prose
        last_start = b - len(parts[-1])
        stop = text.find("等", last_start, b)
        if last_start in by_start:  # the last element is a known name: end where it ends
            b = by_start[last_start].end
        elif stop != -1:
            b = stop
        else:  # prose runs on after the last element: keep it about as long as the others
            longest = max(len(p) for p in parts[:-1])
            b = min(b, last_start + longest)
            digit = re.search(r"\d", text[last_start:b])
            if digit:
                b = last_start + digit.start()
        if "、" in text[a:b]:
            out.append(Candidate("enumeration", a, b, text[a:b]))
    return out
