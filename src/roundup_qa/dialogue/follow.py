"""Reading a follow-up against the conversation's last turn.

The server keeps nothing: a caller passes the earlier turns (`Turn`: the question and the
item that turn cited). A question that leans on the last turn is read in one of three ways:

- **another subject, the same question** ("那垦利区呢?", "What about Kenli District?"): the
  last question with its subject replaced by the new one, searched as any question; another
  district alone replaces the district the last question named (its thing kept: 垦利区城区道路…),
  another district's thing (那河口区的槐花节呢?) the subject and its thing (东营区的龙舟赛);
- **the same subject** (它/该/其/这个…, it/its/they…, or "那投资呢?", "what about its output
  value?"): the question with the pronoun replaced by the last turn's subject, read in the
  last turn's item only;
- **no subject** (在哪里举行?, "When was the agreement signed?"): a question with neither a
  pronoun nor a subject of its own, every word of which the last item holds, read there with
  the last turn's subject.

The subject of the last question is the longest stretch of it that its cited item holds
(Chinese), or in English the thing a "which / what <noun>" question asked for ("Which festival
opened in Hekou?": the festival, which its answer names), else its first capitalised noun
phrase. Anything else stands on its own and is answered exactly as without history
(`read_follow_up` returns None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..chinese import ASKS_EN
from ..records import Item


@dataclass(frozen=True)
class Turn:
    """An earlier turn of the conversation: what was asked, and the item its answer cited
    (None: refused or not answered from one item)."""

    question: str
    item: int | None = None


@dataclass(frozen=True)
class FollowUp:
    """How a follow-up was read: `question` is what is answered (shown as "read as"),
    `item` the item it is read in (None: searched as usual), `why` in words."""

    question: str
    item: int | None
    why: str
    district: str | None = None  # the same question of another district: searched there only


# "那X呢?", "X呢?", "那么X怎么样?"
_ELLIPSIS_ZH = re.compile(
    r"^(那么?|那么请问|请问|还有)?\s*(?P<x>[^?？。!！]{1,24}?)\s*(呢|怎么样|如何|又如何)\s*[?？。!！]*$"
)
_ELLIPSIS_EN = re.compile(r"^\s*(and\s+|so\s+)?((what|how)\s+about|and)\s+(?P<x>.+?)\s*[?.!]*\s*$", re.I)
# a pronoun standing for the last subject (not 其中/其他/尤其, not 应该)
_PRONOUN_ZH = re.compile(
    r"(?<![尤极应])(它们|它|他们|她们|其(?![中他它余次实])|"
    r"(该|这个|这家)(项目|公司|企业|工程|集团|研究院|学院|基地|活动|单位|机构|院)?|"
    r"(这一|此)(项目|公司|企业|工程|集团|研究院|学院|基地|活动|单位|机构))"
)
_PRONOUN_EN = re.compile(
    r"\b(its|it|their|they|them|(this|that|the\s+same)\s+(project|company|enterprise|event|institute|group|"
    r"district|county|one|facility|base|programme|program))\b",
    re.I,
)
_LEAD_ZH = 6  # a pronoun further in follows a subject of the question's own ("华盛橡胶投资多少建设其…")
_PLURAL_EN = re.compile(r"\b(?!(?:is|was|has|does|its|this|us)\b)\w{3,}s\b", re.I)
_THE = re.compile(r"^the\s+", re.I)
# the question words and the words of any question, left out when judging what a question names
_ASKS_EN = re.compile(
    r"\b(?:who|whom|whose|what|which|when|where|why|how|many|much|long|is|are|was|were|did|do|does|will|the|a|an"
    r"|cost|costs|spend|spent|pay|paid)\b",  # and the verbs of "how much … cost": what kind of answer is asked
    re.I,
)
# what a "how many" or "which" question asks of: the things it counts ("How many projects …")
_COUNTED_EN = re.compile(
    r"^\s*(?:how\s+many|which|what)\s+(?P<thing>(?:[a-z-]+\s+){0,2}?[a-z-]{3,}s)\b", re.I
)
# "Which companies are they from?": a pronoun right after the question's verb is what it asks of
_ASKED_OF = re.compile(r"\b(?:are|were|is|was|did|do|does|will|would|can|could)\s+$", re.I)
_ASKS_ZH = re.compile(
    r"什么时候|什么|哪里|哪|谁|多少|几|何时|吗|怎么|如何|为什么|是否|多长时间|多久|多长|多大|多远"
)
_LEAD_OUT_ZH = re.compile(r"^(?:请问|那么?)")  # what leads a question, no part of it
_STOP_EN = (
    r"is|was|were|are|be|been|held|signed|founded|unveiled|launched|opened|started|take|took|takes|have|has|had|do|does|"
    r"did|on|in|at|to|for|with|by|of|from|get|got|win|won|rank|ranked|invest|invested|build|built|sell|sold|cost|"
    r"open|close|closed|start|begin|began|end|ended|sign|hold|launch|unveil|found|reach|reached|become|became|"
    r"complete|completed|finish|finished|expect|expected|plan|planned|produce|produced|join|joined|attend|attended|"
    r"receive|received|announce|announced|release|released|premiere|premiered|debut|debuted|"
    r"happen|happened|will|can|and\s+(?=[A-Z])"
)
_SUBJECT_EN = re.compile(
    r"(?<!^)(?<![.?!]\s)\b(?P<s>(?:the\s+)?[A-Z0-9][\w.'-]*(?:\s+(?!(?:" + _STOP_EN + r")\b)[\w.'-]+)*)"
)


def read_follow_up(
    question: str,
    lang: str,
    history: list[Turn],
    items: list[Item],
    district_names: dict[str, str],
    holds=lambda words, item: False,
    common=lambda words: False,
) -> FollowUp | None:
    """The follow-up reading of `question` after `history` (oldest first), or None when it
    stands on its own. `items` are the index's items (their numbers are what turns cite);
    `holds(words, item)` says whether every word of `words` is something `item` holds,
    `common(words)` whether every one is a word many items use (a question of those names
    nothing of its own: 由哪家公司建设?)."""
    if not history:
        return None
    last = history[-1]
    item = next((it for it in items if it.number == last.item), None) if last.item is not None else None
    if item is not None:
        again = _asked_again(question, last.question, lang)
        if again is not None:
            return FollowUp(
                again, item.number, f"the last question asked {question.strip()}, in item #{item.number}"
            )
    if lang == "en":
        return _english(question, last, item, items, district_names, holds)
    return _chinese(question, last, item, items, district_names, holds, common)


def leaning_on(question: str, lang: str) -> str | None:
    """What an elliptical question asks about ("那垦利区呢?", "What about Wanda Group?", "And the
    investment?": 垦利区, Wanda Group, the investment), or None for a question of its own words
    ("And how much was invested?"). Read as no follow-up, it has no last turn to lean on."""
    if lang == "en":
        m = _ELLIPSIS_EN.match(question)
        return None if m is None or ASKS_EN.search(m.group("x")) else m.group("x").strip()
    m = _ELLIPSIS_ZH.match(question.strip())  # X呢? (X怎么样? may ask of X itself: 华盛橡胶发展得怎么样?)
    return None if m is None or m.group(3) != "呢" or _ASKS_ZH.search(m.group("x")) else m.group("x").strip()


# a question word alone ("When?", 在哪里?) asks the last question again with it
_WH_EN = re.compile(r"^\s*(?:and\s+|so\s+)?(when|where)\s*[?.!]*\s*$", re.I)
_LAST_WH_EN = re.compile(r"^\s*(when|where)(?=\s+(?:did|does|do|was|is|were|are|will|has|have)\b)", re.I)
_WHEN_ZH = "什么时候|何时|哪天|哪一天"
_ALONE_ZH = re.compile(
    rf"^\s*(?:那|那么)?(?:({_WHEN_ZH})|(在哪里|在哪儿|在哪|哪里|什么地方))(?:呢)?\s*[?？。!！]*\s*$"
)
_LAST_WH_ZH = re.compile(rf"{_WHEN_ZH}|在哪里|在哪儿|在哪|哪里|什么地方")


def _asked_again(question: str, last: str, lang: str) -> str | None:
    """The last question with its question word (when or where) put in place of the one
    asked alone ("When?" after "Where did the Hekou square festival open?": "When did the
    Hekou square festival open?"; 什么时候? after 河口广场文化艺术节在哪里开幕?), or None."""
    if lang == "en":
        m, old = _WH_EN.match(question), _LAST_WH_EN.match(last)
        if m is None or old is None or m.group(1).lower() == old.group(1).lower():
            return None
        return m.group(1).capitalize() + last[old.end() :]
    m, old = _ALONE_ZH.match(question), _LAST_WH_ZH.search(last)
    if m is None or old is None:
        return None
    when = m.group(1) is not None
    if when == bool(re.fullmatch(_WHEN_ZH, old.group(0))):
        return None
    return last[: old.start()] + ("什么时候" if when else "在哪里") + last[old.end() :]


def _chinese(
    question: str, last: Turn, item: Item | None, items: list[Item], districts: dict[str, str], holds, common
):
    subject = subject_zh(last.question, item) if item is not None else None
    m = _ELLIPSIS_ZH.match(question.strip())
    if m and not _ASKS_ZH.search(m.group("x")):
        x = m.group("x").strip()
        if _is_other(x, item, items, districts):
            if subject is None or subject not in last.question:
                return None
            if x in districts:  # the same question of another district: its district replaced
                said = [d for d in districts if item is not None and districts[d] == item.district]
                said = [d for d in said if d in last.question]
                target = max(said, key=len) if said else subject
            elif "的" in x or _district_zh(x, districts):  # another subject and its thing (河口区的槐花节)
                target = topic_zh(last.question, subject)  # for the last one's subject and thing
            else:  # another company, project … (那万达集团呢?): the last one's subject
                target = subject
            read = last.question.replace(target, x, 1)
            return FollowUp(
                read, None, f"the last question asked of {x}", districts.get(_district_zh(x, districts))
            )
        if item is not None and subject is not None:
            return FollowUp(f"{subject}的{x}?", item.number, f"{x} of {subject}, in item #{item.number}")
        if item is not None:  # a last question whose subject is not found (asked in English): its item
            return FollowUp(f"{x}?", item.number, f"{x}, in item #{item.number} of the last answer")
        return None
    p = _PRONOUN_ZH.search(question)
    if p is None and item is not None and subject is not None:
        asked = _LEAD_OUT_ZH.sub("", question.strip())
        # no subject at all (在哪里举行? after a question on the dragon boat race): the last one's,
        # where every word the question has is its item's or one many items use (由哪家公司建设?)
        words = _ASKS_ZH.sub(" ", asked)
        if subject not in asked and (holds(words, item) or common(words)):
            return FollowUp(subject + asked, item.number, f"no subject: {subject}, in item #{item.number}")
    if p is None or item is None or p.start() > _LEAD_ZH:
        return None  # no pronoun, or one that follows a subject of the question's own
    if subject is None:
        return FollowUp(question, item.number, f"{p.group(0)}: item #{item.number} of the last answer")
    read = question[: p.start()] + subject + question[p.end() :]
    return FollowUp(read, item.number, f"{p.group(0)} = {subject}, in item #{item.number}")


def _english(
    question: str, last: Turn, item: Item | None, items: list[Item], districts: dict[str, str], holds
):
    subject = subject_en(last.question)
    m = _ELLIPSIS_EN.match(question)
    # "And how many mu are farmed to standard?": a question of its own after "and"
    if m and ASKS_EN.search(m.group("x")):
        question, m = m.group("x").strip() + "?", None
    if m:
        x = m.group("x").strip()
        if _named_en(x, districts) and not _PRONOUN_EN.search(x):
            said = _district_en(last.question, districts) if _THE.sub("", x).lower() in districts else None
            if said is not None:  # the same question of another district: its district replaced
                subject = said
            if subject is None or subject not in last.question:
                # the thing a which-question asked is no subject to replace; the last question's
                # "the …" phrase is ("When was the dragon boat race opened?": the dragon boat race)
                subject = _thing_en(last.question)
            if subject is None:
                return None
            read = last.question.replace(subject, x, 1)
            return FollowUp(
                read, None, f"the last question asked of {x}", districts.get(_THE.sub("", x).lower())
            )
        counted = _COUNTED_EN.match(last.question)  # "How many projects …": other things of that kind
        if (
            not _PRONOUN_EN.search(x)
            and not (counted and _PLURAL_EN.search(x.split()[-1]))
            and _another_thing(x, item, items, holds)
        ):
            own = subject_en(last.question, asked=False) or _thing_en(last.question)
            if own is not None:  # "What about the dragon boat race?" after a question on the arts festival
                return FollowUp(last.question.replace(own, x, 1), None, f"the last question asked of {x}")
        if item is not None and subject is not None:
            if _PRONOUN_EN.search(x):  # "what about its output value?"
                read = (
                    "What is " + _PRONOUN_EN.sub(lambda p: _possessive(subject, p.group(0)), x, count=1) + "?"
                )
            else:  # "what about the investment?"
                read = f"What is the {_THE.sub('', x)} of {subject}?"
            return FollowUp(read, item.number, f"{x}: of {subject}, in item #{item.number}")
        if counted and not _PRONOUN_EN.search(x) and not holds(x, item):
            # "What about the key software projects?" after "How many projects … were selected …?":
            # the same question of those things, wherever they are
            thing = counted.group("thing")
            read = last.question.replace(thing, _THE.sub("", x), 1)
            return FollowUp(read, None, f"the last question asked of {x}")
        if item is not None:  # a last question with no named subject ("Which companies …?"): its item
            read = f"What is {x}?" if _PRONOUN_EN.search(x) else f"What is the {_THE.sub('', x)}?"
            return FollowUp(read, item.number, f"{x}: in item #{item.number} of the last answer")
        return None
    p = _PRONOUN_EN.search(question)
    if (
        p is not None
        and p.group(0).lower() in ("their", "they", "them")
        and _PLURAL_EN.search(question[: p.start()])
        and not _ASKED_OF.search(question[: p.start()])
    ):
        return None  # "which two bases had their plaques unveiled": the question's own plural
    # a subject of the question's own (not the thing a which-question asks for: "Which edition was it?")
    own = subject_en(question, asked=False) or (
        _definite_en(question[: p.start()]) if p is not None else None
    )
    if p is None and item is not None and own is None and holds(_ASKS_EN.sub(" ", question), item):
        # no pronoun and no subject at all ("Who are the partners?"), every word the last item's
        return FollowUp(
            f"{question.strip().rstrip('?.! ')} ({subject})?" if subject else question,
            item.number,
            f"no subject: {subject or 'the last answer'}, in item #{item.number}",
        )
    if p is None or item is None or (own is not None and own not in last.question and not holds(own, item)):
        return None  # no pronoun, or a subject of its own the last item does not hold
    if subject is None and p.group(0).lower() in ("it", "its"):  # the last question's "the …" phrase
        subject = _thing_en(last.question)  # ("When was the offshore wind base deal signed?")
    if subject is None:
        return FollowUp(question, item.number, f"'{p.group(0)}': item #{item.number} of the last answer")
    read = question[: p.start()] + _possessive(subject, p.group(0)) + question[p.end() :]
    return FollowUp(read, item.number, f"'{p.group(0)}' = {subject}, in item #{item.number}")


def subject_zh(question: str, item: Item) -> str | None:
    """The longest stretch of `question` (2 characters or more) that `item` holds, starting
    where the question's words do (请问/那 left out): "华盛橡胶的品牌价值是多少?" -> 华盛橡胶."""
    q = _LEAD_OUT_ZH.sub("", question.strip())
    text = item.text
    best = None
    for i in range(len(q)):
        for j in range(len(q), i + 1, -1):
            if best is not None and j - i <= len(best):
                break
            if q[i:j] in text and not _ASKS_ZH.search(q[i:j]):
                best = q[i:j]
                break
        if best is not None and i == 0:
            break  # the question's opening words are its subject
    # a function word its item happens to hold after it (吕剧《热血芳华》在东营市…) is no part of it
    return best.rstrip("在于是和与的了") or None if best else best


# where a question's predicate begins after its subject: a verb or a question word
_PREDICATE_ZH = re.compile(
    r"是|有|在|于|为|共|将|已|由|被|获|举办|举行|开幕|签约|成立|入选|" + _ASKS_ZH.pattern
)


def topic_zh(question: str, subject: str) -> str:
    """The subject and the thing of it the question asks about ("东营区的龙舟赛是第几届?",
    subject 东营区 -> 东营区的龙舟赛): what a follow-up naming another subject and thing
    ("那河口区的槐花节呢?") replaces. The subject alone where no 的 follows it."""
    at = question.find(subject) + len(subject)
    if not question.startswith("的", at):
        return subject
    rest = question[at + 1 :]
    end = _PREDICATE_ZH.search(rest)
    thing = rest[: end.start()] if end else ""
    return subject + "的" + thing if thing else subject


def _district_zh(x: str, districts: dict[str, str]) -> str | None:
    """The district a Chinese follow-up's subject names: itself (垦利区) or its head (河口区的槐花节)."""
    if x in districts:
        return x
    return next((d for d in sorted(districts, key=len, reverse=True) if x.startswith(d)), None)


# "Which festival …", "What company …": the question asks for a thing its answer names
_WHICH_EN = re.compile(
    r"^\s*(?:[Ww]hich|[Ww]hat)\s+(?P<n>(?:(?:two|three|four|five|other)\s+)?(?!(?:time|kind|type|sort|day|date|year|month|"
    + _STOP_EN
    + r")\b)(?![a-z-]*ed\b)[a-z-]+)\s+(?!(?:did|does|do|will|can|would|could|should)\b)"
)  # not "What place did Wanda take …": there the thing asked is of a subject of its own


# a thing that has parts of its own ("the … project's civil works")
_OWNER_EN = re.compile(
    r"\b(?:project|company|enterprise|group|institute|festival|base|college|university|plant|park|zone)['’]s\b",
    re.I,
)


def subject_en(question: str, asked: bool = True) -> str | None:
    """What the question is about: the thing a "which / what <noun>" question asks for ("Which
    festival opened in Hekou?" -> the festival: its answer), else the first capitalised noun
    phrase after the question's first word, up to a possessive ("What is the brand value of
    Huasheng Rubber?", "What is Huasheng Rubber's brand value?" -> Huasheng Rubber)."""
    which = _WHICH_EN.match(question) if asked else None
    if which:
        return f"the {which.group('n')}"
    m = _SUBJECT_EN.search(question.strip().rstrip("?.! "))
    if m is None:
        return None
    s = m.group("s").strip()
    # what is X's Y: X; the X project's civil works: the X project (of Lijin's urban road
    # project, the project)
    if re.search(r"\b(?:is|was|are|were)\s+$", question[: m.start()]) or _OWNER_EN.search(s):
        s = re.split(r"['’]s\b", s)[0].strip()
    return re.sub(r"['’]s$", "", s) or None


_BREAK_EN = re.compile(r"\s+(?:in|of|on|at|for|to|by|with|from|is|was|are|were|and|has|had|have)\b.*$", re.I)


def _definite_en(text: str) -> str | None:
    """The last "the …" phrase of two or more words in `text`, up to a preposition or verb:
    a subject of the question's own that a later "its" stands for ("How many students
    enrolled in the provincial farmers' cooperative college in its first year?")."""
    at = text.lower().rfind("the ")
    if at < 0 or (at > 0 and text[at - 1].isalnum()):
        return None
    phrase = _BREAK_EN.sub("", text[at + 4 :].strip())
    return f"the {phrase}" if len(phrase.split()) >= 2 else None


def _district_en(question: str, districts: dict[str, str]) -> str | None:
    """Where an English question names a district, as it says it: a name of the index's
    ("Kenli District") or its first word or last two ("Kenli", "the development zone")."""
    forms = set()
    for name in (n for n in districts if not re.search(r"[^\x00-\x7f]", n)):
        words = name.split()
        forms |= {name, words[0]} if len(words) == 2 else {name, " ".join(words[-2:])}
    for form in sorted(forms, key=len, reverse=True):
        m = re.search(rf"\b(?:the\s+)?{re.escape(form)}\b", question, re.I)
        if m:
            return m.group()
    return None


def _possessive(subject: str, pronoun: str) -> str:
    p = pronoun.lower()
    if p in ("its", "their"):
        return f"{subject}'s"
    return subject


def _is_other(x: str, item: Item | None, items: list[Item], districts: dict[str, str]) -> bool:
    """Whether `x` names another subject than the last item's (a district, or a name of 3
    characters or more that some other item holds and the last one does not)."""
    if x in districts:
        return item is None or item.district != districts[x] or x not in item.text
    led = _district_zh(x, districts)
    if led is not None and (item is None or districts[led] != item.district):
        return True  # 河口区的槐花节 after a question of 东营区's item
    if len(x) < 3:
        return False
    if item is not None and x in item.text:
        return False
    return any(x in it.text for it in items)


# a thing of one or two items (an event, a facility), not a word many items hold (the investment)
_FEW_ITEMS = 2
_THING_EN = re.compile(r"\bthe\s+[\w.'-]+(?:\s+(?!(?:" + _STOP_EN + r")\b)[\w.'-]+)*", re.I)


def _thing_en(question: str) -> str | None:
    """The first "the …" phrase of an English question, up to its verb or a preposition
    ("Where was the locust blossom festival held?" -> the locust blossom festival)."""
    m = _THING_EN.search(question.rstrip("?.! "))
    return m.group() if m else None


def _another_thing(x: str, item: Item | None, items: list[Item], holds) -> bool:
    """Whether an English "what about X" (no name) asks of another thing than the last item's:
    X is not in the last item but in one or two others ("What about the dragon boat race?"
    after the arts festival), not a fact of the same thing ("What about the investment?")."""
    if item is not None and holds(x, item):
        return False
    return 1 <= sum(bool(holds(x, it)) for it in items) <= _FEW_ITEMS


def _named_en(x: str, districts: dict[str, str]) -> bool:
    """Whether an English "what about X" names a subject (a district, a capitalised name,
    a figure such as 1.2GW) rather than asking for another fact of the same one."""
    if _THE.sub("", x).lower().strip() in districts:
        return True
    words = _THE.sub("", x).split()
    return any(w[:1].isupper() or re.match(r"\d", w) for w in words)
