"""Question + passage -> fixed-size token windows with character offsets (training and answering).

One window is `<s> query: question </s></s> passage: piece-of-passage </s>`, the layout
multilingual-e5 (XLM-R) was pretrained on, with its "query: "/"passage: " prompts. A passage
longer than the window is cut into overlapping windows. Every passage token keeps the
character offsets it came from, so a predicted token span maps back to an exact substring.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BOS, PAD, EOS = 0, 1, 2
NO_TOKEN = (-1, -1)


@dataclass(frozen=True)
class WindowSpec:
    max_tokens: int = 256  # whole window; roundup items fit in one or two
    max_question_tokens: int = 64
    overlap: int = 64  # passage tokens shared by consecutive windows


@dataclass(frozen=True)
class Window:
    ids: list[int]
    offsets: list[tuple[int, int]]  # per position: (start, end) in the passage, NO_TOKEN outside it
    passage_start: int  # first position holding a passage token

    def label(self, start: int, end: int) -> tuple[int, int]:
        """Token positions of the character span [start, end), or (0, 0) when outside the window."""
        first = last = None
        for pos, (s, e) in enumerate(self.offsets):
            if s < 0 or e <= s:
                continue
            if first is None and e > start:
                if s > start and pos == self.passage_start:
                    return 0, 0  # the span begins before this window
                first = pos
            if s < end:
                last = pos
        if first is None or last is None or last < first or self.offsets[last][1] < end:
            return 0, 0
        return first, last


class ReaderTokenizer:
    """The model's own SentencePiece tokenizer (tokenizer.json of the converted folder)."""

    def __init__(self, tokenizer_json: str | Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(tokenizer_json))
        self._query = self._ids("query:")
        self._passage = self._ids("passage:")

    def _ids(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=False).ids

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        enc = self._tok.encode(text, add_special_tokens=False)
        return list(enc.ids), [tuple(o) for o in enc.offsets]

    def windows(self, question: str, passage: str, spec: WindowSpec = WindowSpec()) -> list[Window]:
        q_ids = self._query + self.encode(question)[0][: spec.max_question_tokens]
        p_ids, p_off = self.encode(passage)
        head = [BOS, *q_ids, EOS, EOS, *self._passage]
        budget = spec.max_tokens - len(head) - 1
        if budget < 16:
            raise ValueError("window too small for the question")
        step = max(1, budget - spec.overlap)
        out, begin = [], 0
        while True:
            piece = slice(begin, begin + budget)
            ids = head + p_ids[piece] + [EOS]
            offsets = [NO_TOKEN] * len(head) + p_off[piece] + [NO_TOKEN]
            out.append(Window(ids, offsets, len(head)))
            if begin + budget >= len(p_ids):
                return out
            begin += step
