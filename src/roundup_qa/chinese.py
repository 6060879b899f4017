"""Chinese script: the one definition of a CJK character that every stage uses, and the
one conversion of Traditional Chinese to the roundup's Simplified."""

import re
import threading

CJK_CHARS = (
    "\u3400-\u9fff\uf900-\ufaff"  # CJK ideographs (+ extension A, compatibility), for a character class
)
CJK = re.compile(f"[{CJK_CHARS}]")
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
LATIN = re.compile(r"[A-Za-z]")  # an English (or other Latin-script) letter
# a Chinese question word: a text without one is no question about a fact (a name, a topic to
# browse, or a keyword query such as 华盛橡胶品牌价值)
ASKS_ZH = re.compile(r"什么|哪|谁|多少|几|何|吗|怎么|怎样|如何|为什么|是否|啥|么")
# the same of an English one: its question words and the verbs a question opens with
ASKS_EN = re.compile(
    r"\b(what|which|who|whom|whose|when|where|why|how|is|are|was|were|did|does|do|has|have|can)\b", re.I
)

DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def parse_number(s: str) -> int:
    """The value of Arabic digits or a Chinese numeral up to 99 (五, 十二, 二十三); 0 if neither."""
    if s.isdigit():
        return int(s)
    if s.startswith("十"):
        return 10 + (DIGITS.get(s[1], 0) if len(s) > 1 else 0)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return DIGITS.get(tens, 0) * 10 + (DIGITS.get(ones, 0) if ones else 0)
    return DIGITS.get(s, 0)


# a month in Chinese numerals (五月, 十二月份): the news writes 5月
_ZH_MONTH = re.compile(r"(?<![一二三四五六七八九十两零〇])(十[一二]?|[一二三四五六七八九])(?=月)")


def digit_months(text: str) -> str:
    """`text` with its months in Arabic digits, as the news writes them (五月 -> 5月)."""
    return _ZH_MONTH.sub(lambda m: str(parse_number(m.group(1))), text)


_T2S = None
_T2S_LOCK = threading.Lock()


def to_simplified(text: str) -> str:
    """`text` in Simplified Chinese (東營區的龍舟賽 -> 东营区的龙舟赛), as the roundup is
    written: OpenCC's t2s, loaded once on first use (about 30 ms); text with no Chinese is
    returned as it is, and Simplified text comes back unchanged."""
    global _T2S
    if not CJK.search(text):
        return text
    if _T2S is None:  # the lock only until it is loaded
        with _T2S_LOCK:
            if _T2S is None:
                import opencc

                _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)
