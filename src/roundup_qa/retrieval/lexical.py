"""BM25 over tokenised items (rank-bm25)."""

from __future__ import annotations

from array import array

import numpy as np
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from ..records import Hit

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

    def max_idf(self) -> float:
        """The idf of the rarest term."""
        return max((float(v) for v in self._bm25.idf.values()), default=1.0)

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
        # rounded: float sums in another order must not reorder ties (see SparseLexicalIndex)
        order = sorted(range(len(matching)), key=lambda j: (-round(scores[j], 9), matching[j]))[:k]
        return [Hit(doc=matching[j], score=float(scores[j]), rank=r) for r, j in enumerate(order, 1)]


class SparseLexicalIndex:
    """BM25+ as a sparse item x term matrix: a query touches only the columns of its terms,
    not every item (rank-bm25 scans all items per term: O(N) per query).

    Same scores as `LexicalIndex(variant="plus")` (rank-bm25's BM25Plus), hence the same ranking.
    """

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75, delta: float = 1.0) -> None:
        from scipy.sparse import csc_matrix

        if not docs:
            raise ValueError("a lexical index needs at least one document")
        self.docs = docs
        vocab: dict[str, int] = {}
        # typed arrays, not lists: a million items make ~60 million (item, term) entries
        rows, cols, tfs = array("i"), array("i"), array("i")
        for d, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for t in doc:
                j = vocab.setdefault(t, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            rows.extend([d] * len(counts))
            cols.extend(counts)
            tfs.extend(counts.values())
        n = len(docs)
        lengths = np.array([len(doc) for doc in docs], dtype=np.float64)
        avgdl = lengths.mean() if lengths.mean() > 0 else 1.0
        rows_a = np.frombuffer(rows, dtype=np.int32)
        cols_a = np.frombuffer(cols, dtype=np.int32)
        tf = np.frombuffer(tfs, dtype=np.int32).astype(np.float64)
        df = np.bincount(cols_a, minlength=len(vocab))
        self._idf = np.log((n + 1) / np.maximum(df, 1))
        norm = k1 * (1 - b + b * lengths[rows_a] / avgdl)
        # BM25+ also gives every item idf x delta for each query term: a per-query constant,
        # added at query time, so the matrix holds only the part that differs between items
        weights = self._idf[cols_a] * (tf * (k1 + 1) / (norm + tf))
        self._delta = delta
        self._matrix = csc_matrix((weights, (rows_a, cols_a)), shape=(n, len(vocab)))
        self._vocab = vocab

    def __len__(self) -> int:
        return len(self.docs)

    def knows(self, term: str) -> bool:
        return term in self._vocab

    def idf(self, term: str) -> float:
        j = self._vocab.get(term)
        return 0.0 if j is None else float(self._idf[j])

    def max_idf(self) -> float:
        return float(self._idf.max()) if len(self._idf) else 1.0

    def search(
        self,
        query: list[str],
        k: int,
        allowed: set[int] | None = None,
        weights: dict[str, float] | None = None,
    ) -> list[Hit]:
        terms = [t for t in dict.fromkeys(query) if t in self._vocab]
        if not terms:
            return []
        cols = [self._vocab[t] for t in terms]
        # as in rank-bm25: without weights a term counts once per occurrence in the query
        w = np.array(
            [query.count(t) if weights is None else weights.get(t, 1.0) for t in terms], dtype=np.float64
        )
        # the query's columns only: (item, weight) entries of each term, summed per item
        m = self._matrix
        spans = [(m.indptr[j], m.indptr[j + 1]) for j in cols]
        docs = np.concatenate([m.indices[a:b] for a, b in spans])
        contrib = np.concatenate([m.data[a:b] * wj for (a, b), wj in zip(spans, w, strict=True)])
        summed = np.bincount(docs, weights=contrib, minlength=len(self.docs))
        constant = self._delta * float(self._idf[cols] @ w)
        matching = np.flatnonzero(np.bincount(docs, minlength=len(self.docs)))
        if allowed is not None:
            matching = matching[np.isin(matching, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))]
        if len(matching) == 0:
            return []
        ms = np.round(summed[matching], 9)
        if len(matching) > k:  # everything tied with the k-th score stays in, for the tie-break
            kth = np.partition(ms, len(ms) - k)[len(ms) - k]
            keep = ms >= kth
            matching, ms = matching[keep], ms[keep]
        top = matching[np.lexsort((matching, -ms))][:k]
        scores = summed[top] + constant
        return [
            Hit(doc=int(d), score=float(s), rank=r)
            for r, (d, s) in enumerate(zip(top, scores, strict=True), 1)
        ]
