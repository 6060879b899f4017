"""English glosses of Chinese text, word by word, for display beside (never instead of) it.

No translation model: names come whole from the lexicon (retrieval/lexicon.py: glossary,
districts), dates and amounts from their renderings (render.py: 5月20日 -> May 20), ordinals
(第十届 -> 10th edition), and every other word from the lexicon's CC-CEDICT sense or pinyin.
It reads like a gloss, not a translation ("Bozhong offshore wind project sign a contract"),
and every door labels it so (`Answer.answer_gloss`, "gloss: …").
"""

from __future__ import annotations

import re

from ..chinese import CJK, parse_number
from ..retrieval.lexicon import Lexicon, name_in_pinyin
from .render import ordinal, render_amount, render_date
from .units import COUNT, MONEY, QUANTITY, alternation

_PUNCT = {"，": ",", "、": ",", "。": ".", "；": ";", "：": ":", "（": "(", "）": ")", "“": '"', "”": '"',
          "《": '"', "》": '"', "—": "-", "！": "!", "？": "?"}  # fmt: skip
_UNITS = alternation([*MONEY, *COUNT, *QUANTITY, "万", "亿"])
_NUMBER = re.compile(
    rf"\d{{4}}年(?![\d至-])(?!\d{{1,2}}月)|(?:\d{{4}}年)?\d{{1,2}}月(?:\d{{1,2}}日)?(?:至\d{{1,2}}日)?(?:上旬|中旬|下旬|初|底)?"
    rf"|(?:约)?\d+(?:\.\d+)?(?:余|多)?(?:万|亿|千|百)?(?:余|多)?(?:{_UNITS})?|\d{{4}}年"
)
_ORDINAL = re.compile(r"第(\d+|[一二两三四五六七八九十]+)(届|批|次|期|个|名|家)?")
_ORDINAL_UNIT = {"届": " edition", "批": " batch", "次": " time", "期": " phase"}


def gloss(text: str, lexicon: Lexicon) -> str | None:
    """A word-by-word English gloss of `text`, or None when it has no Chinese to gloss."""
    if not CJK.search(text):
        return None
    out = " ".join(p for p in (_piece(p, lexicon) for p in _split(text, lexicon)) if p)
    out = re.sub(r"\s+([,.;:)!?])", r"\1", out)
    out = re.sub(r"([(])\s+", r"\1", out)
    out = re.sub(r'"\s*([^"]*?)\s*"', r'"\1"', out)
    return re.sub(r"\s+", " ", out).strip(" ,;") or None


_WHOLE = re.compile(f"{_ORDINAL.pattern}|{_NUMBER.pattern}")


def _split(text: str, lexicon: Lexicon) -> list[str]:
    """`text` cut at the names, ordinals and numbers, which are glossed whole."""
    pieces = []
    for part in _cut(text, lexicon.names_pattern):
        pieces += [part] if part in lexicon.names else _cut(part, _WHOLE)
    return pieces


def _cut(text: str, pattern: re.Pattern[str]) -> list[str]:
    pieces, at = [], 0
    for m in pattern.finditer(text):
        if m.end() > m.start():
            pieces += [text[at : m.start()], m.group()]
            at = m.end()
    pieces.append(text[at:])
    return [p for p in pieces if p]


def _piece(piece: str, lexicon: Lexicon) -> str:
    if piece in lexicon.names:
        return lexicon.names[piece]
    nth = _ORDINAL.fullmatch(piece)
    if nth:  # 第十届 -> 10th edition
        return ordinal(parse_number(nth[1])) + _ORDINAL_UNIT.get(nth[2] or "", "")
    if piece[0].isdigit() or piece.startswith("约"):
        return render_date(piece) or render_amount(piece) or piece
    out: list[str] = []
    unknown = ""  # characters the lexicon lacks, read together as one name in pinyin (垦利 -> Kenli)
    for word in lexicon.cut(piece):
        english = _word(word, lexicon)
        if english is None:
            unknown += word
            continue
        if unknown:
            out.append(name_in_pinyin(unknown))
            unknown = ""
        out.append(english)
    if unknown:
        out.append(name_in_pinyin(unknown))
    return " ".join(w for w in out if w)


def _word(word: str, lexicon: Lexicon) -> str | None:
    sense = lexicon.sense(word)
    if sense is not None:
        return sense
    if word in _PUNCT:
        return _PUNCT[word]
    if not CJK.search(word):
        return word.strip()
    return None
