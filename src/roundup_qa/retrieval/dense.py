"""Exact inner-product search over normalised vectors (FAISS). It never sees a model."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..records import Hit

if TYPE_CHECKING:
    import faiss

# HNSW graph: 32 links per node, FAISS's usual build and search breadths
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64


@cache
def _faiss():
    """FAISS is imported on first use, so the CLI answers `--help` and reports a missing
    index without loading it."""
    import faiss

    return faiss


class DenseIndex:
    """FAISS `IndexFlatIP` over L2-normalised rows: inner product = cosine."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @classmethod
    def from_vectors(cls, vectors: np.ndarray, approximate: bool = False) -> DenseIndex:
        """Exact search (`IndexFlatIP`), or HNSW graph search for large corpora."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) == 0:
            raise ValueError(f"need a non-empty (n, dim) matrix, got shape {vectors.shape}")
        faiss = _faiss()
        if approximate:
            index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)

    @property
    def approximate(self) -> bool:
        return isinstance(self._index, _faiss().IndexHNSWFlat)

    @property
    def dim(self) -> int:
        return self._index.d

    def __len__(self) -> int:
        return self._index.ntotal

    def search(self, query: np.ndarray, k: int, allowed: set[int] | None = None) -> list[Hit]:
        """Top-`k` rows for one query vector, best first; `allowed` restricts the rows."""
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if q.shape[1] != self.dim:
            raise ValueError(f"query has dimension {q.shape[1]}, the index {self.dim}")
        depth = len(self) if allowed is not None else min(k, len(self))
        if self.approximate:
            self._index.hnsw.efSearch = max(HNSW_EF_SEARCH, depth)
        scores, ids = self._index.search(q, depth)
        hits = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if allowed is not None:
            hits = [h for h in hits if h[0] in allowed]
        return [Hit(doc=i, score=s, rank=r) for r, (i, s) in enumerate(hits[:k], 1)]

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Every row's inner product with `query` (exact index only): one matrix-vector
        product over FAISS's own storage, no ranking and no copy."""
        if self.approximate:
            raise ValueError("scores of every row need the exact (flat) index")
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        stored = _faiss().rev_swig_ptr(self._index.get_xb(), len(self) * self.dim)
        return np.asarray(stored).reshape(len(self), self.dim) @ q

    def vectors(self) -> np.ndarray:
        return self._index.reconstruct_n(0, len(self))

    def save(self, path: Path) -> None:
        _faiss().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(_faiss().read_index(str(path)))
