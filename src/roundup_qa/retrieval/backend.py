"""What answering needs from an index, whichever engine holds it: `SearchBackend`.

- term statistics: `knows`, `idf`, `max_idf` (the bridge's shown terms, coverage, span scoring);
- `lexical`: BM25+ over the items for weighted terms, optionally within one district;
- `dense`: items by similarity to the question plus `clause_weight` x their best clause;
- `clause_vectors`: the vectors of one item's clauses, in the order of its clause rows
  (the reader's rules score them);
- `version`: which index build answers.

Hits name items by their position in the index's item list (`records.Hit.doc`).
`FilesBackend` is the plain-files index (rank-bm25 or its sparse twin, FAISS, memory-mapped
clause vectors); `milvus.MilvusBackend` is a Milvus collection set. The pipeline sees only
this interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ..corpus.clauses import ClauseTable
from ..records import Hit
from .dense import DenseIndex
from .lexical import LexicalIndex, SparseLexicalIndex


class SearchBackend(Protocol):
    version: str

    def knows(self, term: str) -> bool: ...

    def idf(self, term: str) -> float: ...

    def max_idf(self) -> float: ...

    def lexical(
        self, terms: list[str], weights: dict[str, float], k: int, district: str | None
    ) -> list[Hit]: ...

    def dense(self, qvec: np.ndarray, k: int, clause_weight: float, district: str | None) -> list[Hit]: ...

    def clause_vectors(self, doc: int) -> np.ndarray: ...


class FilesBackend:
    """The plain-files index, in memory and memory-mapped."""

    def __init__(
        self,
        item_tokens: list[list[str]],
        districts: Sequence[str],
        dense: DenseIndex,
        clauses: ClauseTable,
        clause_vectors: np.ndarray,
        bm25: tuple[str, float, float, float] = ("plus", 1.5, 0.75, 1.0),
        sparse_from: int = 2000,
        version: str = "",
    ) -> None:
        variant, k1, b, delta = bm25
        if variant == "plus" and len(item_tokens) >= sparse_from:
            self.index = SparseLexicalIndex(item_tokens, k1, b, delta)
        else:
            self.index = LexicalIndex(item_tokens, variant, k1, b, delta)
        self.dense_index, self.vectors, self.version = dense, clause_vectors, version
        self._districts = list(districts)
        self._allowed: dict[str, set[int]] = {}
        # clauses are stored item by item: each item's clauses are one run of rows
        self._runs, self._run_doc = clauses.runs()
        self.clause_rows = clauses.by_doc()
        self._n = len(item_tokens)

    def knows(self, term: str) -> bool:
        return self.index.knows(term)

    def idf(self, term: str) -> float:
        return self.index.idf(term)

    def max_idf(self) -> float:
        return self.index.max_idf()

    def allowed(self, district: str | None) -> set[int] | None:
        """The items of `district` (None: all)."""
        if district is None:
            return None
        if district not in self._allowed:
            self._allowed[district] = {i for i, d in enumerate(self._districts) if d == district}
        return self._allowed[district]

    def lexical(self, terms: list[str], weights: dict[str, float], k: int, district: str | None) -> list[Hit]:
        return self.index.search(terms, k, self.allowed(district), weights)

    def dense(self, qvec: np.ndarray, k: int, clause_weight: float, district: str | None) -> list[Hit]:
        """Exact: every item and every clause in one product. HNSW (large corpora): a generous
        candidate list, re-scored with its own clauses."""
        n, allowed = self._n, self.allowed(district)
        if not self.dense_index.approximate:
            best = np.full(n, -1.0, dtype=np.float32)
            if len(self._runs):
                best[self._run_doc] = np.maximum.reduceat(self.vectors @ qvec, self._runs)
            total = self.dense_index.scores(qvec) + clause_weight * best
            docs = np.arange(n) if allowed is None else np.fromiter(sorted(allowed), dtype=np.int64)
            if len(docs) > k:  # the best few, ties at the edge kept for the tie-break
                kth = np.partition(total[docs], len(docs) - k)[len(docs) - k]
                docs = docs[total[docs] >= kth]
            scored = [(int(d), float(total[d])) for d in docs]
        else:
            scored = []
            for h in self.dense_index.search(qvec, min(n, 5 * k), allowed):
                rows = self.clause_rows.get(h.doc)
                best_clause = float((self.vectors[rows] @ qvec).max()) if rows else -1.0
                scored.append((h.doc, h.score + clause_weight * best_clause))
        return ranked(scored, k)

    def clause_vectors(self, doc: int) -> np.ndarray:
        rows = self.clause_rows.get(doc)
        return np.asarray(self.vectors[rows]) if rows else np.zeros((0, self.dense_index.dim), np.float32)


def ranked(scored: list[tuple[int, float]], k: int) -> list[Hit]:
    """The top `k` (doc, score) pairs as hits: best first, ties by earlier item."""
    scored.sort(key=lambda x: (-x[1], x[0]))
    return [Hit(doc=d, score=sc, rank=r) for r, (d, sc) in enumerate(scored[:k], 1)]
