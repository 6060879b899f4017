"""From the reader's output to an answer span of an item: edges trimmed, a typed prior, a type.

The reader's span is cut at token edges. Two light steps follow, each a config switch with
its measured effect (config.py):
- trim: white space and punctuation at either edge go (the span stays a substring);
- snap (the typed prior): when the question asks for a date, amount, count, percentage or
  rank and the span overlaps a candidate of that type (candidates.py), the span becomes that
  candidate: "1.2万名" rather than "参训人员1.2万"; a best span with no candidate of that type gives way
  to the reader's next best span that has one (typed_alternative); when it asks for several things
  ("which companies", 哪些) and the span is one name of a list, the span becomes the list (for
  "who" and "which company", a list of companies alone); a partner the question names leaves
  the list (past_named_lead).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..retrieval.tokenizer import normalize
from .candidates import ORG_SUFFIXES, Candidate
from .types import ACCEPTS, NUMBERS
from .units import in_units

SNAP_TYPES = frozenset({"date", "money", "count", "quantity", "percentage", "rank", "duration"})


@dataclass(frozen=True)
class ReaderSpan:
    start: int
    end: int
    type: str  # the candidate type the span is, or "span"
    snapped: bool


def typed_alternative(
    best: tuple[int, int, float],
    alternatives: tuple[tuple[int, int, float], ...],
    expected: str,
    candidates: list[Candidate],
    window: float,
    units: frozenset[str] = frozenset(),
) -> tuple[int, int, float] | None:
    """When the question asks for a date, amount, count … and the reader's best span overlaps
    no candidate of that type, the best of its next spans, at most `window` (start + end
    logits) below it, that does; None to keep the best. "How many jobs …" read as 3.3亿元
    becomes the 260人 the reader ranked next. A count in `units` (what a "how many" question
    names: 多少项 -> 项) must also be in one of them: 83个 gives way to 1278项."""
    if expected not in SNAP_TYPES or window <= 0:
        return None
    typed = _typed(expected, candidates, units)
    return None if typed(best[0], best[1]) else _next_best(best, alternatives, window, typed)


def _of_type(expected: str, candidates: list[Candidate], units: frozenset[str]) -> list[Candidate]:
    """The candidates of the `expected` type (a count in one of `units`, where a "how many"
    names them)."""
    accepts = ACCEPTS[expected]
    return [c for c in candidates if accepts.get(c.type, 0) >= 1.0 and (not units or in_units(c.text, units))]


def _typed(expected: str, candidates: list[Candidate], units: frozenset[str]) -> Callable[[int, int], bool]:
    """Whether a span overlaps a candidate of the `expected` type."""
    fitting = _of_type(expected, candidates, units)
    return lambda a, b: any(c.start < b and c.end > a for c in fitting)


# what bounds the words a number stands beside: 家庭农场57家 in 农民专业合作社52家、家庭农场57家
_SEGMENT_EDGE = re.compile(r"[,，。;；、:：!！?？\n]")
# and, first, its own part of an enumeration: 20多个省级品牌产品及近千项各类专利
_PART_EDGE = re.compile(r"[,，。;；、:：!！?？\n及和与]")


def stretch(text: str, a: int, b: int, edge: re.Pattern[str] = _SEGMENT_EDGE) -> tuple[int, int]:
    """Where the words around text[a:b] begin and end: at the nearest `edge` on either side."""
    left = max((m.end() for m in edge.finditer(text, 0, a)), default=0)
    right = edge.search(text, b)
    return left, right.start() if right else len(text)


def _segment(text: str, a: int, b: int) -> str:
    """The words around text[a:b] up to the nearest punctuation on either side."""
    left, right = stretch(text, a, b)
    return text[left:right]


def beside_alternative(
    text: str,
    best: tuple[int, int, float],
    alternatives: tuple[tuple[int, int, float], ...],
    expected: str,
    candidates: list[Candidate],
    terms: list[str],
    window: float,
    units: frozenset[str] = frozenset(),
) -> tuple[int, int, float] | None:
    """When the question asks for a number and no word of it (`terms`: the words searched
    for, of two or more characters, that the item holds) stands beside the reader's best
    span (in the same stretch between punctuation), the best of its next spans within
    `window` of the asked type that one does stand beside: "How many family farms …" read
    as 农民专业合作社52家 becomes 家庭农场57家, "How many Party members took part …" read as
    区级领导讲党课28人次 becomes 受训党员1.7万名. For numbers (a count, amount, quantity or
    share; a date opens its sentence beside no word: 5月20日,东营区举行…) and editions, which
    stand before what they count (`_counting_asked`). None to keep the best."""
    if expected == "rank":
        return _counting_asked(text, best, alternatives, candidates, terms, window)
    if expected not in NUMBERS or window <= 0 or not terms:
        return None
    typed = _typed(expected, candidates, units)

    def beside(a: int, b: int) -> bool:
        return any(t in _segment(text, a, b) for t in terms)

    if beside(best[0], best[1]):
        return None
    return _next_best(best, alternatives, window, lambda a, b: typed(a, b) and beside(a, b))


# what an edition counts: the words after it, up to the next link of a chain of names
# (东营市第十一届全民健身运动会暨2021第三届东营(龙居)黄河口龙舟赛暨龙文化旅游节)
_COUNTED_EDGE = re.compile(r"[,，。;；、:：!！?？\n及和与暨]")


def _counting_asked(
    text: str,
    best: tuple[int, int, float],
    alternatives: tuple[tuple[int, int, float], ...],
    candidates: list[Candidate],
    terms: list[str],
    window: float,
) -> tuple[int, int, float] | None:
    """For a question asking which edition (第几届, which edition): when the reader's best span
    holds no edition counting a thing the question names (`terms`: in the words after the
    edition), the edition that does in the best of its next spans within `window`: 第三届 for
    龙舟赛是第几届?, not the 第十一届 of the games the race was held with. None to keep the best."""
    if window <= 0 or not terms:
        return None

    def counting(a: int, b: int) -> Candidate | None:
        return next(
            (
                c
                for c in candidates
                if c.type == "edition"
                and c.start < b
                and c.end > a
                and any(t in text[c.end : stretch(text, c.end, c.end, _COUNTED_EDGE)[1]] for t in terms)
            ),
            None,
        )

    if counting(best[0], best[1]) or any(
        c.type == "rank" and c.start < best[1] and c.end > best[0] for c in candidates
    ):  # a rank (位列第十) is what it is asked of
        return None
    found = _next_best(best, alternatives, window, lambda a, b: counting(a, b) is not None)
    if found is None:
        return None
    edition = counting(found[0], found[1])
    return edition.start, edition.end, found[2]


def beside_number(
    text: str,
    start: int,
    end: int,
    expected: str,
    candidates: list[Candidate],
    terms: list[str],
    units: frozenset[str] = frozenset(),
) -> tuple[int, int] | None:
    """When the question asks for a number and the span holds several of the asked type, the
    one a word of the question (`terms`) stands nearest, in its stretch between punctuation:
    近千项各类专利 for "how many patents", not the 20多个 of 20多个省级品牌产品及近千项; 投资6.7亿
    购置…自动化生产装备 for "spend on automated production equipment", not the 1.2亿元 the span
    runs on into. None when it holds fewer than two or no word stands beside any."""
    if expected not in NUMBERS or not terms:
        return None
    held = [c for c in _of_type(expected, candidates, units) if c.start < end and c.end > start]
    if len(held) < 2:
        return None

    def distance(c: Candidate, edge: re.Pattern[str]) -> float:
        left, right = stretch(text, c.start, c.end, edge)
        gaps = [
            max(left + m.start() - c.end, c.start - left - m.end(), 0)
            for t in terms
            for m in re.finditer(re.escape(t), text[left:right])
        ]
        return min(gaps, default=math.inf)

    # a word in the number's own part of an enumeration (农民专业合作社52家、家庭农场57家; 20多个
    # 省级品牌产品及近千项各类专利) first, then the nearest in its stretch between punctuation
    nearest = min(held, key=lambda c: (distance(c, _PART_EDGE), distance(c, _SEGMENT_EDGE), c.start))
    return None if distance(nearest, _SEGMENT_EDGE) == math.inf else (nearest.start, nearest.end)


def _next_best(
    best: tuple[int, int, float],
    alternatives: tuple[tuple[int, int, float], ...],
    window: float,
    ok: Callable[[int, int], bool],
) -> tuple[int, int, float] | None:
    """The best of the reader's next spans at most `window` logits below `best` that is `ok`."""
    for a, b, score in alternatives:
        if best[2] - score > window:
            break
        if ok(a, b):
            return a, b, score
    return None


def _in_one_line(text: str, a: int, b: int) -> bool:
    return "\n" not in text[a:b].strip()


_BARE_NUMBER = re.compile(r"[\d.,，%]+")


def named_alternative(
    text: str,
    best: tuple[int, int, float],
    alternatives: tuple[tuple[int, int, float], ...],
    expected: str,
    candidates: list[Candidate],
    window: float,
) -> tuple[int, int, float] | None:
    """When the question asks which ones or which organisation and the reader's best span is
    mostly a number or a date ("哪些公司提供了…解决方案?" read as 5家, "哪些企业登上了品牌榜单?"
    as 841), the best of its next spans within `window` that is not; None to keep the best."""
    if expected not in ("list", "organisation") or window <= 0:
        return None

    def numeric(a: int, b: int) -> bool:
        if _BARE_NUMBER.fullmatch(text[a:b]):
            return True
        covered = sum(max(0, min(b, c.end) - max(a, c.start)) for c in candidates if c.type in SNAP_TYPES)
        return covered * 2 >= b - a

    if not numeric(best[0], best[1]):
        return None
    return _next_best(best, alternatives, window, lambda a, b: not numeric(a, b) and _in_one_line(text, a, b))


def unechoed(
    text: str,
    best: tuple[int, int, float],
    alternatives: tuple[tuple[int, int, float], ...],
    asked: str,
    window: float,
) -> tuple[int, int, float] | None:
    """A best span that only repeats words of the question (`asked`: the question as asked
    and as the reader got it) gives way to the best of the reader's next spans within
    `window` that does not, within one line: an answer names what the question does not
    already say. None to keep the best."""
    if window <= 0:
        return None

    def echo(a: int, b: int) -> bool:
        piece = text[a:b].strip()
        return len(piece) >= 2 and piece in asked

    if not echo(best[0], best[1]):
        return None
    return _next_best(best, alternatives, window, lambda a, b: not echo(a, b) and _in_one_line(text, a, b))


def one_line(
    text: str, best: tuple[int, int, float], alternatives: tuple[tuple[int, int, float], ...]
) -> tuple[int, int, float] | None:
    """An item's title and its paragraph are two sentences: a best span running from one into
    the other ("…荣获中国专利优秀奖\n5月10日,…山东国瓷功能材料股份有限公司") gives way to the
    reader's best next span within one line; None to keep the best."""
    if _in_one_line(text, best[0], best[1]):
        return None
    return next((alt for alt in alternatives if _in_one_line(text, alt[0], alt[1])), None)


_NAMED_LEAD = re.compile(r"([^、与和及,,。]{2,30}?)([与和、])")
_PLACE_ENDS = "区县市镇"


def past_named_lead(text: str, start: int, end: int, terms: list[str]) -> int:
    """Where a list answer starts once a partner the question names is left out: "万达集团与
    哪些高校签约?" is answered 天津工业大学、山东工商学院, not 万达集团与天津工业大学、…. The lead
    is the list's first name when 与/和 follows it and it holds a word of the question
    (`terms`: its Chinese words, an English question's bridge translations) other than a
    kind of organisation (公司, 集团: 由哪些公司共同建设 names no company). Before 、 only a
    bare place the question names leads ("Which companies signed … in Hekou?": 河口区、新疆金风…
    loses 河口区, 河口区第二人民医院、… keeps its hospital)."""
    m = _NAMED_LEAD.match(text, start, end)
    if not m or m.end() >= end:
        return start
    lead = normalize(m.group(1))
    named = _naming(terms)
    if m.group(2) == "、":
        bare = {lead, lead[:-1] if lead[-1] in _PLACE_ENDS else lead}
        return m.end() if bare & set(named) else start
    return m.end() if any(t in lead for t in named) else start


_NAMED_TAIL = re.compile(r"[与和]([^、与和及,,。]{2,30})$")


def past_named_tail(text: str, start: int, end: int, terms: list[str]) -> int:
    """Where a list answer ends once a partner the question names last is left out: "谁与东营德汇
    环境科技有限公司共同建设…?" is answered 威立雅中国控股有限公司, not …与东营德汇环境科技有限公司.
    The tail is the name after the last 与/和, when it holds a word of the question (`terms`, as
    for `past_named_lead`)."""
    m = _NAMED_TAIL.search(text[start:end])
    if not m or m.start() == 0:
        return end
    tail = normalize(m.group(1))
    return start + m.start() if any(t in tail for t in _naming(terms)) else end


# a count after an enumeration, summing it up: …、德州路兴运检测站3家
_COUNT_TAIL = re.compile(r"(?<=[^\d、])等?[\d一二三四五六七八九十两]+(?:家|个|所|项|条|名|方)$")


def past_count_tail(text: str, start: int, end: int) -> int:
    """Where a list answer ends without the count after it: "全市首批道路运输便民服务站包括哪几家
    检测站?" is answered 西五路胜通检测站、庐山路宏泰检测站、德州路兴运检测站, not …3家 (which ones
    are asked, not how many; 中车永济电机有限公司三方, the last of three parties, is its name).
    Only in or after an enumeration (、)."""
    m = _COUNT_TAIL.search(text, start, end)
    return m.start() if m and "、" in text[max(start - 1, 0) : m.start()] else end


def _naming(terms: list[str]) -> list[str]:
    """The question's words that can name a partner: two characters or more, not a kind of
    organisation (公司, 集团)."""
    return [t for t in map(normalize, terms) if len(t) >= 2 and not any(t in kind for kind in ORG_SUFFIXES)]


_QUOTED = re.compile(r"“[^“”]{2,40}”|《[^《》]{2,40}》")


def quoted_core(text: str, start: int, end: int, slack: int) -> tuple[int, int] | None:
    """A span that is one quoted name plus at most `slack` characters around it (“三张权责清单”为核心,
    “三类四段”工作思路) becomes the quoted name; None to keep the span."""
    found = list(_QUOTED.finditer(text, start, end))
    if len(found) != 1:
        return None
    m = found[0]
    outside = (m.start() - start) + (end - m.end())
    return (m.start(), m.end()) if 0 < outside <= slack else None


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip(" \t\n\u3000,，。、;；:：!！?？)）”’》"))
    core = piece[lead:]
    tail = len(core) - len(core.rstrip(" \t\n\u3000,，。、;；:：!！?？(（“‘《"))
    a, b = start + lead, end - tail
    return (a, b) if b > a else (start, end)


def _element_of(enumeration: Candidate, start: int, end: int) -> bool:
    """Whether [start, end) is one whole element of a 、-enumeration candidate."""
    at = enumeration.start
    for element in enumeration.text.split("、"):
        if (at, at + len(element)) == (start, end):
            return True
        at += len(element) + 1
    return False


def _past_leading_places(lst: Candidate, places: list[Candidate], text: str) -> Candidate | None:
    """A list less the places that lead it (河口区、新疆金风科技股份有限公司、中车永济电机有限公司:
    the district signed with the two companies, who are "who signed with it"); None when
    nothing of two or more names is left."""
    at = lst.start
    for p in sorted(places, key=lambda p: p.start):
        if p.start == at and text[p.end : p.end + 1] in ("、", "与", "和"):
            at = p.end + 1
    if at == lst.start:
        return lst
    rest = text[at : lst.end]
    return Candidate(lst.type, at, lst.end, rest) if re.search(r"[、与和]", rest) else None


def _balanced(text: str) -> bool:
    return all(text.count(o) == text.count(c) for o, c in ("（）", "()", "“”", "《》"))


def named_place(
    text: str, start: int, end: int, kind: str, candidates: list[Candidate]
) -> tuple[int, int] | None:
    """The place of the kind a "which town" question asks for (`kind`: how its name ends, 镇)
    where the span holds one and more: …集中揭牌仪式在孤岛镇 -> 孤岛镇."""
    if not kind:
        return None
    inside = [
        c
        for c in candidates
        if c.type in ("place", "venue") and start <= c.start and c.end <= end and c.text.endswith(kind)
    ]
    if not inside:
        return None
    last = max(inside, key=lambda c: (c.end, c.end - c.start))
    return None if (last.start, last.end) == (start, end) else (last.start, last.end)


def shape(
    text: str,
    start: int,
    end: int,
    expected: str,
    candidates: list[Candidate],
    snap: bool,
    units: frozenset[str] = frozenset(),
) -> ReaderSpan:
    """The final span for the reader's [start, end) in `text`; a count snaps to one in
    `units` where the span holds one (160场, not the 140余人 after it, for sessions)."""
    start, end = trim(text, start, end)
    if not _balanced(text[start:end]):
        # a quoted name cut in half: keep its closing mark
        for o, c in ("（）", "()", "“”", "《》"):
            if text[start:end].count(o) > text[start:end].count(c) and text.find(c, end) == end:
                end += 1
    accepts = ACCEPTS.get(expected, {})
    overlapping = [c for c in candidates if c.start < end and c.end > start]
    if snap and expected in SNAP_TYPES:
        typed = [c for c in overlapping if accepts.get(c.type, 0) >= 1.0]
        if units:
            typed = [c for c in typed if in_units(c.text, units)] or typed
        if typed:
            best = max(typed, key=lambda c: (min(c.end, end) - max(c.start, start), -c.start))
            if (best.start, best.end) != (start, end):
                return ReaderSpan(best.start, best.end, best.type, True)
            return ReaderSpan(start, end, best.type, False)
    if snap and expected in ("list", "organisation"):
        # "which companies": a span that is one name of a list (X、Y与Z) becomes the whole list;
        # "who is building …": one company of companies named together (X与Y) becomes them all,
        # but not a list that holds a place (河口区与X公司: the parties, one asked for)
        lists = [c for c in overlapping if c.type == "list" and c.start <= start and c.end >= end
                 and c.end - c.start > end - start]  # fmt: skip
        if expected == "organisation":  # a place inside a name (垦利区人民政府) is no place of the list
            orgs = [c for c in candidates if c.type == "organisation"]
            places = [c for c in candidates if c.type in ("place", "venue")
                      and not any(o.start <= c.start and c.end <= o.end for o in orgs)]  # fmt: skip
            lists = [_past_leading_places(c, places, text) for c in lists]
            lists = [c for c in lists if c and not any(p.start >= c.start and p.end <= c.end for p in places)]
        if not lists and expected == "list":
            # "哪些检测站": a span that is one element of a plain 、-enumeration (西五路胜通检测站、
            # 庐山路宏泰检测站、德州路兴运检测站) becomes the enumeration
            lists = [c for c in overlapping if c.type == "enumeration" and _element_of(c, start, end)]
        if lists:
            best = max(lists, key=lambda c: (c.end - c.start, -c.start))
            return ReaderSpan(best.start, best.end, "list", True)
    exact = [c for c in overlapping if (c.start, c.end) == (start, end)]
    if not exact:
        return ReaderSpan(start, end, "span", False)
    # the kind the question asks for first (a town is a place and, after 在, a venue)
    return ReaderSpan(start, end, max(exact, key=lambda c: accepts.get(c.type, 0)).type, False)
