"""Questions made from the indexed corpus's own sentences, by rule: the reader meets news prose.

The reader is trained on Wikipedia paragraphs; the roundup is news. This makes training
questions from any corpus, with no question written by hand (issue 25, item 6): in each
sentence, a fact of a kind a reader asks about is replaced by its question word, and the
clause around it becomes the question, the fact its answer, the item its paragraph.

- an amount with its unit (3.3亿元, 260人, 15%)        -> 多少亿元 / 多少人 / 多少
- a count in Chinese numerals (三方, 两家)               -> 几方 / 几家
- a date (5月17日, 2019年, 5月上旬)                       -> 什么时候 / 哪一年
- a quoted name or honour (“全国文明单位”)                -> 什么
- an organisation (东营泰普新能源有限公司)                -> 哪家公司 / 哪家单位

The made questions go through the same training windows as the MRC questions: code-switched
for English askers, and each with its no-answer windows (a neighbour item, the item less
the answer's sentence, the question with its year, number or name altered).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from .mrc import MRCExample

_UNITS = (
    "亿元|万元|千元|元|万亩|亩|万平方米|平方米|平方公里|公里|千米|米|万吨|吨|万千瓦|千瓦|兆瓦|万人次|人次|万人|人|"
    "家|个|项|名|所|次|场|批|条|座|户|处|种|份|台|套|件|辆|株|棵|只|头|部|篇|期|届|天|倍|个月|年"
)
_NUMBER = r"\d+(?:\.\d+)?(?:余|多)?(?:万|亿)?"
_FACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "date",
        re.compile(r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日|上旬|中旬|下旬|初|底)?|\d{4}年(?:底|初)?(?!\d|月)"),
    ),
    ("percent", re.compile(rf"{_NUMBER}(?:%|％|个百分点)")),
    ("amount", re.compile(rf"(?<![\d.]){_NUMBER}(?:{_UNITS})")),
    (
        "count",
        re.compile(
            r"(?<![一二两三四五六七八九十百千万第])[两三四五六七八九十][十百千]?[余多]?(?=[家个项名所次场批条座户处种方])[家个项名所次场批条座户处种方]"
        ),
    ),
    ("quoted", re.compile(r"“([^“”]{2,20})”")),
    (
        "org",
        re.compile(
            r"(?<=[，,。、；;：:（(“”由与和及在为是将被对向从于了与同跟])"
            r"[\u4e00-\u9fffA-Za-z0-9]{2,22}?(?:股份有限公司|有限责任公司|有限公司|集团|公司|医院|学校|中学|小学|大学|学院|研究院|研究所|合作社|协会|委员会)"
        ),
    ),
)
# what an organisation's name found by its suffix does not hold: a clause, not a name
_NOT_NAME = re.compile(r"的|^(?:打造|建设|成立|组建|依托|推动|支持|开展|引进|联合|全县|全区|全市|以)")
_DAYPART = re.compile(r"上午|下午|晚上|晚间|凌晨")
_SENTENCE = re.compile(r"[^。!?;！？；\n]+[。!?;！？；]?")
_CLAUSE = re.compile(r"[，,：:]")
_SHORT = 10  # a clause shorter than this takes its neighbour along


def _asked(kind: str, fact: str) -> str:
    if kind == "date":
        return "哪一年" if re.fullmatch(r"\d{4}年", fact) else "什么时候"
    if kind == "percent":
        return "多少个百分点" if fact.endswith("个百分点") else "多少"
    if kind == "amount":
        return "多少" + re.sub(r"^[\d.]+(?:余|多)?", "", fact)
    if kind == "count":
        return "几" + fact[-1]
    if kind == "quoted":
        return "什么"
    return "哪家公司" if fact.endswith("公司") else "哪家单位"


def _clause_around(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The clause of `sentence` holding [start, end), with a neighbour when it alone is short."""
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(sentence)] + [len(sentence)]
    i = max(k for k in range(len(cuts) - 1) if cuts[k] <= start)
    j = min(k for k in range(1, len(cuts)) if cuts[k] >= end)
    a, b = cuts[i], cuts[j]
    if b - a - (end - start) < _SHORT:
        if j + 1 < len(cuts):
            b = cuts[j + 1]
        elif i > 0:
            a = cuts[i - 1]
    return a, b


def sentence_questions(text: str) -> list[tuple[str, str, int]]:
    """(question, answer, answer's offset in `text`) for each fact found in `text`'s sentences."""
    out: list[tuple[str, str, int]] = []
    for sm in _SENTENCE.finditer(text):
        sentence, base = sm.group(), sm.start()
        taken: list[tuple[int, int]] = []
        for kind, pattern in _FACTS:
            for m in pattern.finditer(sentence):
                s, e = (m.start(1), m.end(1)) if kind == "quoted" else (m.start(), m.end())
                if kind == "org" and _NOT_NAME.search(m.group()):
                    continue
                if any(s < te and e > ts for ts, te in taken):
                    continue
                taken.append((s, e))
                cut = m.end()
                if kind == "date" and (part := _DAYPART.match(sentence, cut)):
                    cut = part.end()  # 什么时候, not 什么时候下午
                a, b = _clause_around(sentence, m.start(), cut)
                question = sentence[a : m.start()] + _asked(kind, m.group()) + sentence[cut:b]
                question = question.strip(" ，,。；;：:") + "?"
                if len(question) >= 8:
                    out.append((question, sentence[s:e], base + s))
    return out


def corpus_questions(items: Iterable, repeat: int = 1) -> list[MRCExample]:
    """Every item's made questions as training examples (the item's text is the paragraph,
    as the reader sees it at answer time), each `repeat` times (new windows each time)."""
    out: list[MRCExample] = []
    for item in items:
        text = item.text
        for question, answer, start in sentence_questions(text):
            key = hashlib.sha1(f"{item.source}:{item.number}:{question}".encode()).hexdigest()[:12]
            for r in range(repeat):
                out.append(MRCExample(f"corpus-{key}-{r}", question, text, (answer,), (start,),
                                      "corpus", f"corpus:{item.source}"))  # fmt: skip
    return out


def corpus_fingerprint(texts: Sequence[str]) -> str:
    """What the delta records of the corpus it was adapted to (a short SHA-256 of its texts)."""
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
