"""BM25 over tokenised items (rank-bm25)."""

from __future__ import annotations

import numpy as np
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from .records import Hit

_VARIANTS = {"plus": BM25Plus, "l": BM25L, "okapi": BM25Okapi}


class LexicalIndex:
    """Fit on the items' tokens, then rank items for a tokenised question.

    Only items sharing at least one term with the question are ranked: BM25+ and BM25L give
    every item a floor score, and ranking items that match nothing would feed noise into
    fusion.
    """

    def __init__(
        self,
        docs: list[list[str]],
        variant: str = "plus",
        k1: float = 1.5,
        b: float = 0.75,
        delta: float = 1.0,
    ) -> None:
        if not docs:
            raise ValueError("a lexical index needs at least one document")
        self.docs = docs
        cls = _VARIANTS[variant]
        params = {"k1": k1, "b": b} | ({"delta": delta} if variant != "okapi" else {})
        # rank-bm25 divides by the average length: an all-empty corpus would crash it
        self._bm25 = cls([d or [""] for d in docs], **params)
        self._vocab = [set(d) for d in docs]
        self._all = set().union(*self._vocab)

    def __len__(self) -> int:
        return len(self.docs)

    def knows(self, term: str) -> bool:
        """Whether any item contains `term`."""
        return term in self._all

    def idf(self, term: str) -> float:
        """The term's idf, 0 for a term no item contains."""
        return float(self._bm25.idf.get(term, 0.0))

    def search(
        self,
        query: list[str],
        k: int,
        allowed: set[int] | None = None,
        weights: dict[str, float] | None = None,
    ) -> list[Hit]:
        """Top-`k` items sharing a term with `query`, best first (ties: earlier item).

        `weights` scales each term's contribution (translated terms carry their confidence);
        a term without a weight counts once per occurrence in `query`.
        """
        terms = set(query)
        matching = [
            i for i, vocab in enumerate(self._vocab)
            if vocab & terms and (allowed is None or i in allowed)
        ]  # fmt: skip
        if not matching:
            return []
        if weights is None:
            scores = np.asarray(self._bm25.get_batch_scores(query, matching))
        else:
            scores = np.zeros(len(matching))
            for t in terms:
                scores += weights.get(t, 1.0) * np.asarray(self._bm25.get_batch_scores([t], matching))
        order = sorted(range(len(matching)), key=lambda j: (-scores[j], matching[j]))[:k]
        return [Hit(doc=matching[j], score=float(scores[j]), rank=r) for r, j in enumerate(order, 1)]
