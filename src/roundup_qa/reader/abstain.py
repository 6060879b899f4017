"""Whether the roundup answers the question: signals from retrieval and the cited item.

Not a cosine threshold: E5 scores are compressed (FIELD-NOTES), so the decision rests on
what the question asks and what the top item holds:
- a month the question names that neither the item nor the roundup mentions (false premise);
- a year or a counted ordinal the question names where the item speaks of others (2020 of
  an item on 2021's list, the ninth festival of an item on the tenth);
- a place or organisation the question names that the item does not (日本, 清华大学: a false
  premise or another subject); a district of the roundup other than the item's whatever
  the reader's margin (河口区的华盛橡胶: the roundup is news by district);
- an expected answer type (date, money, count …) of which the item has no candidate;
- for "how many", a counted noun the item never names (多少家外资企业);
- for "how much", what the amount is of where the item never says it (多少利税);
- for dates and numbers, an answer that only repeats the question;
- for numbers, an answer with no numeral that the reader itself would not give;
- for questions with Chinese words, how much of their idf weight the item covers (a word
  the corpus never uses, such as a place the roundup does not cover, weighs the most).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from ..chinese import CJK
from ..records import Signals
from ..retrieval.tokenizer import compact, normalize
from .question import YEAR, Markers, zh_ordinals
from .span import stretch

_MONTH = re.compile(r"(\d{1,2})月")


def coverage(
    groups: list[list[str]],
    item_text: str,
    idf: Callable[[str], float],
    unknown_idf: float,
    unknown_share: Callable[[str], float] = lambda word: 1.0,
) -> tuple[float | None, tuple[str, ...]]:
    """Share of the question's words (idf-weighted) found in the item's text.

    Each group holds the alternatives for one question word: a Chinese term alone, or the
    bridge's translations of an English phrase (covered if any is present). A word the
    corpus never uses weighs `unknown_idf` (the largest idf) times `unknown_share(word)`:
    a rare word the corpus lacks is the strongest sign of a question about something else, a
    word of everyday speech (说, 自己, 主要: how people reword a question) a weak one. A
    Chinese term absent as a whole whose characters mostly appear (旧厂区 vs 老旧厂区) counts
    half its character share. English words the bridge
    cannot translate are left out (weighting them changed nothing in the sweep); capitalised
    ones are judged as names instead (Bridge.unknown_names).
    """
    text = normalize(item_text)
    if not groups:
        return None, ()
    total = got = 0.0
    uncovered = []
    for group in groups:
        w = max((idf(t) for t in group), default=0.0) or unknown_idf * unknown_share(group[0])
        total += w
        if any(t in text for t in group):
            got += w
            continue
        uncovered.append(group[0])
        if len(group) == 1 and CJK.search(group[0]):
            got += w * 0.5 * sum(ch in text for ch in group[0]) / len(group[0])
    return got / total, tuple(uncovered)


def everyday_share(general_idf: float | None, reference: float) -> float:
    """How much a word the corpus never uses counts against an item, from its idf in
    general Chinese: in full at `reference` (a typical content word of the corpus) or rarer,
    less the more common it is (说 at 2.6 counts a third); in full when the general table
    does not list it (names, terms of art). A reference of 0 counts every word in full."""
    if general_idf is None or reference <= 0:
        return 1.0
    return min(1.0, general_idf / reference)


def month_conflict(question_months: tuple[int, ...], item_text: str, roundup_text: str) -> bool:
    if not question_months:
        return False
    known = {int(m) for m in _MONTH.findall(item_text + roundup_text)}
    return not (set(question_months) & known)


_YEAR_RANGE = re.compile(r"((?:19|20)\d\d)年?\s*[-—–~至到]\s*((?:19|20)\d\d)")
_YEAR_WORDS = {1: "去年", 2: "前年"}
_FIRST = re.compile(r"首(?:届|批|期|次|轮|个)")


def stated_otherwise(marks: Markers | None, item_text: str, roundup_text: str) -> str | None:
    """A year or counted ordinal the question names that the item does not speak of, as
    "2020; the best item speaks of 2021"; None when the item speaks of each.

    A year is spoken of when the item names it or a range holding it (2019年—2021年), or it
    is the roundup's own year (the intro's, 2021年5月份: every item is news of it); a year
    counted back (去年, last year) when the item says so in words or names that year. Where
    neither the item nor the roundup's intro names a year, none is judged. An
    ordinal is judged only where the item counts the same thing (届, 期, 批 …) and never
    names its number: the ninth festival of an item on the tenth; 第二个 of an item on its
    第二十二届 prize is spoken of (the city's second gold award)."""
    if not marks:
        return None
    for part in marks.parts:  # 一季度 of an item that speaks of no quarter
        if part not in item_text:
            return (
                f"{'a quarter' if part == '季度' else 'half a year'} ({part}); the best item speaks of none"
            )
    own = {int(y) for y in YEAR.findall(roundup_text)}
    years = {int(y) for y in YEAR.findall(item_text)} | own
    for a, b in _YEAR_RANGE.findall(item_text):
        years |= set(range(int(a), int(b) + 1)) if 0 < int(b) - int(a) < 50 else set()
    # a corpus whose intro names no year and an item that names none say nothing of years
    asked = list(marks.years) if years else []
    if own:
        asked += [max(own) - back for back in marks.years_back if _YEAR_WORDS[back] not in item_text]
    for year in asked:
        if year not in years:
            spoken = sorted(years - own) or sorted(own)
            return f"{year}; the best item speaks of {', '.join(map(str, spoken))}"
    counted = zh_ordinals(item_text)
    for n, counter in marks.ordinals:
        same = sorted({m for m, c in counted if c == counter})
        if n == 1 and _FIRST.search(item_text):  # 首个, 首批: a first the item speaks of
            continue
        if same and n not in {m for m, _ in counted}:
            return f"第{n}{counter}; the best item speaks of {', '.join(f'第{m}{counter}' for m in same)}"
    return None


def missing_names(names: list[str], item_text: str, roundup_text: str) -> tuple[str, ...]:
    """Names the question uses that the item does not (names the whole roundup is about excepted)."""
    text = normalize(item_text + roundup_text)
    return tuple(n for n in names if n not in text)


def uncounted(counted: list[tuple[str, str]], item_text: str) -> str | None:
    """The noun a "how many" question counts, when the item never names it: 多少家外资企业
    over an item that counts 89家 enterprises of no stated kind -> 外资企业. `counted` is the
    tagged words after the question word and its unit; only a leading noun of two or more
    characters is judged (a verb there, 多少人居住, names nothing counted; a person's name
    tag is mostly noise). On the MRC data 1 of 32 such questions names a noun its paragraph
    lacks (几名队员, the paragraph says 球员)."""
    if not counted:
        return None
    word, flag = counted[0]
    if not flag.startswith("n") or flag == "nr" or len(word) < 2:
        return None
    return None if word in normalize(item_text) else word


# what a sentence says of a start (开工, 开幕) and of an end (建成, 闭幕)
_STARTED = re.compile(r"开工|动工|开建|开幕|启动|开始|签约|揭牌|举行|召开|成立")
_ENDED = re.compile(r"完工|竣工|建成|完成|结束|闭幕|投产|落成|收官|圆满|[日月号]\s*(?:至|到|—|-|~)")
_SENTENCE_EDGE = re.compile(r"[。！？!?\n]")


def only_started(ending: str, item_text: str, start: int, end: int) -> str | None:
    """What the question asks about and what the item says instead, when the question asks
    when something ended or was finished (`ending`: 完工, "completed") and the answer is a
    date whose sentence speaks only of a start (5月20日,…工程开工建设): the item does not say.
    A sentence naming an end (预计八月底建成投产) or a span of days (5月15日至23日) is let be."""
    if not ending:
        return None
    left, right = stretch(item_text, start, end, _SENTENCE_EDGE)
    sentence = item_text[left:right]
    began = _STARTED.search(sentence)
    if not began or _ENDED.search(sentence):
        return None
    a, b = min(start, left + began.start()), max(end, left + began.end())
    asked = f"{ending}的时间" if CJK.search(ending) else f'its end ("{ending}")'
    return f"{asked}; the best item speaks of its start only: {item_text[a:b]}"


# a yearly figure (年产1.2GW, 年创利税, 每年) and the words of a figure per day, week or month
_YEARLY = re.compile(r"年产|年可|年创|年均|年处理|年销售|每年|/年")
_PER = {
    "日": re.compile(r"每天|每日|日产|日均|/日|/天"),
    "周": re.compile(r"每周|周均"),
    "月": re.compile(r"每月|月产|月均|/月"),
}
_PERIOD_OF = (
    (re.compile(r"[天日]|day"), "日"),
    (re.compile(r"周|week"), "周"),
    (re.compile(r"月|month"), "月"),
)


def other_period(period: str, item_text: str, start: int, end: int) -> str | None:
    """What the question asks and what the item says instead, when the question asks for a
    rate per day, week or month (`period`, the question's words: 每月, "each month") and the
    answer is a yearly figure (年产1.2GW for "each month"): the item does not say."""
    key = next((k for pattern, k in _PERIOD_OF if pattern.search(period)), None)
    if not key:
        return None
    left, right = stretch(item_text, start, end)
    words = item_text[left:right]
    yearly = _YEARLY.search(words)
    if not yearly or _PER[key].search(words):
        return None
    asked = f"{period}的数字" if CJK.search(period) else f'a figure "{period}"'
    return f"{asked}; the best item speaks of {words.strip()}"


# words that say a figure is a change (增长, 同比, 翻番)
_CHANGED = re.compile(
    r"增长|增加|提高|提升|下降|减少|降低|翻番|翻了|翻倍|同比|环比|增幅|涨幅|降幅|增速|比上年|多出|升至|降至|增至|减至"
    r"|上升|上涨|下跌|扩大|缩小|缩减|丧失|失去|损失|减半"
)


def no_change(change: str, item_text: str, start: int, end: int) -> str | None:
    """What the question asks and what the item says instead, when the question asks by how
    much something changed (`change`: 同比增长了多少, "by what percentage") and the answer's
    words speak of no change (民生支出达16.51亿元,占…76.63%): the item does not say."""
    if not change:
        return None
    left, right = stretch(item_text, start, end)
    words = item_text[left:right]
    if _CHANGED.search(words):
        return None
    asked = change if CJK.search(change) else f'a change ("{change}")'
    return f"{asked}; the best item speaks of {words.strip()}"


def amount_missing(words: tuple[str, ...], item_text: str) -> str | None:
    """What a question asks an amount of (`words`: any of them says it), when the item says
    none, as the words ("利润/利税" for "how much profit"): 多少利税 over an item giving only
    the total investment -> 利税."""
    text = normalize(item_text)
    return "/".join(words) if words and not any(w in text for w in words) else None


def echoes(span_text: str, question: str, groups: list[list[str]]) -> bool:
    """Whether an answer span only repeats the question: 广饶 for "What is the population of
    Guangrao County?" (the span inside the question, or inside one of the Chinese words the
    bridge reads it as). Judged for dates and numbers only: a name can sit in its question
    (旧富国银行后来改名为什么? 富国银行), 0.7% of MRC answers do."""
    span = compact(span_text)
    if not span:
        return False
    return span in compact(question) or any(span in compact(t) for group in groups for t in group)


# a numeral of any kind: digits, Chinese numerals, and the words that stand for a number
NUMERAL = re.compile(r"[0-9〇零一二三四五六七八九十百千万亿两半数几]")


def numberless(span_text: str, margin: float | None) -> bool:
    """Whether a span asked to be a number holds no numeral while the reader itself prefers
    no answer (margin below 0): "What is the population of Dongying District?" read as
    龙居镇龙栖湿地公园 at -6.9. A sure reader is let be: on the MRC data 25 of 646 questions
    read as "how many" have no numeral in their answer, most of them 几 inside a word (几内亚,
    几乎) rather than a question."""
    return margin is not None and margin < 0 and not NUMERAL.search(span_text)


# a question asking who holds a post asks for a person: no organisation answers it
_POST = re.compile(
    r"\bwho (?:heads|leads|runs|chairs|directs|manages|founded)\b|\b(?:head|director|chair(?:man|woman|person)?"
    r"|president|leader|dean|principal|mayor|secretary|manager|ceo|founder|boss|chief)\b"
    r"|院长|董事长|总经理|负责人|局长|书记|县长|区长|主任|校长|会长|创始人|主席",
    re.I,
)


def unnamed(asked: str, span_type: str, margin: float | None, question: str = "") -> bool:
    """Whether a span asked to say who (a person or organisation) names nothing the candidates
    know (no organisation, person, place or list: an event, a slogan) while the reader itself
    prefers no answer, as `numberless`: "Who won the dragon boat race?" -> 龙文化旅游节. Asked
    who holds a post, a span naming organisations names no one either: "Who heads the Wanda
    Lean Research Institute?" -> 天津工业大学、山东工商学院 at -4.0."""
    if margin is None or margin >= 0 or asked != "organisation":
        return False
    return span_type == "span" or (span_type != "person" and bool(_POST.search(question)))


def thresholds(config, lang: str) -> tuple[float, float, float]:
    """(minimum coverage, minimum reader margin, margin that overrules the rules) for a
    question in `lang`: the one place a threshold is chosen."""
    if lang == "zh":
        return config.abstain_min_coverage, config.reader_min_margin, config.reader_overrule_margin
    return config.abstain_min_coverage_en, config.reader_min_margin_en, config.reader_overrule_margin_en


# the reader's margin above which it overrules "no word of the question is in the roundup":
# a span it prefers to no answer (nonsense scored -6.7 and -4.5, the mini corpus's English
# basketball question +6.3)
UNMATCHED_MIN_MARGIN = 0.0


def _reader_prefers_a_span(s: Signals) -> bool:
    return s.reader_margin is not None and s.reader_margin > UNMATCHED_MIN_MARGIN


def decide(
    s: Signals, min_coverage: float, min_margin: float = 0.0, overrule_margin: float = math.inf
) -> str | None:
    """The reason to abstain, or None to answer.

    With the trained reader (`reader_margin` set), its no-answer score is one more signal:
    - below `min_margin` it refuses on its own;
    - at `overrule_margin` or above, a reader sure of its span overrules the item-level rules
      (names the item lacks, no candidate of the asked type, low coverage): those rules read
      the words, and a paraphrased question (另一种说法) misses them although the item answers
      it. A month the roundup does not cover and a question with no word of the roundup stay
      refusals whatever the reader says.
    """
    if s.coverage is None and s.bm25_rank is None and not _reader_prefers_a_span(s):
        # no Chinese word, no English word the bridge knows, nothing BM25 matched: only the
        # dense side ranked anything, and it always ranks something ("asdkjh qwpoeiru", "hello").
        # A reader sure of a span overrules it: a corpus whose bridge lacks a word the
        # question uses ("basketball" in tests/fixtures/mini) still gets its answer.
        return "no word of the question occurs in the roundup"
    if s.month_conflict:
        return "the question names a month the roundup does not cover"
    if s.stated_otherwise:
        return f"the question asks about {s.stated_otherwise}"
    if s.other_district:  # the roundup is news by district: another district is another subject
        return f"the question names {s.other_district}, which the best item does not mention"
    if s.reader_margin is not None and s.reader_margin >= overrule_margin:
        return None
    if s.missing_names:
        return f"the question names {'、'.join(s.missing_names)}, which the best item does not mention"
    if s.uncounted:
        return f"the question counts {s.uncounted}, which the best item does not mention"
    if s.echo:
        return "the reader's span only repeats the question"
    if s.type_found is False:
        return "the best item holds no answer of the kind the question asks for"
    if s.amount_of:
        return f"the question asks for an amount of {s.amount_of}, which the best item does not mention"
    if s.numberless:  # after the item's own lack of a number, which says more
        return "the question asks for a number; the reader's span holds none and it prefers no answer"
    if s.coverage is not None and s.coverage < min_coverage:
        missing = "、".join(s.uncovered[:5])
        return f"the best item covers too little of the question (missing: {missing})"
    if s.reader_margin is not None and s.reader_margin < min_margin:
        return (
            "the reader finds no answer in the best item "
            f"(its best span scores {s.reader_margin:+.2f} against no answer; answering needs {min_margin:+.2f})"
        )
    if s.unnamed:  # last: every other reason says more
        return "the question asks who; the reader's span names no one and it prefers no answer"
    return None
