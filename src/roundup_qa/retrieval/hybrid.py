"""Hybrid retrieval: the question's BM25 terms (its own words plus the English bridge's
translations), BM25 over items, dense search over items and their best clause, and fusion.

It sees only retrieval objects and plain settings, never the config or the index on disk:
the pipeline builds it from both and times each step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..chinese import CJK, LATIN
from ..corpus.clauses import ClauseTable
from ..records import FusedHit, Hit
from .bridge import Bridge
from .dense import DenseIndex
from .fusion import reciprocal_rank_fusion, weighted_score_fusion
from .lexical import LexicalIndex, SparseLexicalIndex
from .tokenizer import Tokenizer


@dataclass(frozen=True)
class RetrievalSettings:
    """The retrieval part of `Config` (see there for each value's source)."""

    candidates: int = 20
    dense_clause_weight: float = 0.5
    bridge: bool = True
    fusion: str = "weighted"
    rrf_k: int = 60
    weight_bm25: float = 1.0
    weight_dense: float = 1.0
    bm25_variant: str = "plus"
    bm25_k1: float = 1.5
    bm25_b: float = 0.75
    bm25_delta: float = 1.0
    sparse_bm25_from: int = 2000  # items from which BM25+ runs on a sparse matrix


@dataclass(frozen=True)
class LexicalQuery:
    terms: list[str]  # what BM25 searches for (shown as "searched for")
    weights: dict[str, float]
    groups: list[list[str]]  # alternatives per question word or phrase, for coverage


class HybridRetriever:
    def __init__(
        self,
        tokenizer: Tokenizer,
        item_tokens: list[list[str]],
        dense: DenseIndex,
        clauses: ClauseTable,
        clause_vectors: np.ndarray,
        bridge: Bridge,
        settings: RetrievalSettings,
    ) -> None:
        s = self.settings = settings
        self.tokenizer, self.dense, self.bridge = tokenizer, dense, bridge
        self.clause_vectors = clause_vectors
        if s.bm25_variant == "plus" and len(item_tokens) >= s.sparse_bm25_from:
            self.lexical = SparseLexicalIndex(item_tokens, s.bm25_k1, s.bm25_b, s.bm25_delta)
        else:
            self.lexical = LexicalIndex(item_tokens, s.bm25_variant, s.bm25_k1, s.bm25_b, s.bm25_delta)
        # clauses are stored item by item: each item's clauses are one run of rows
        self._runs, self._run_doc = clauses.runs()
        self.clause_rows = clauses.by_doc()
        self._n = len(item_tokens)

    def lexical_query(self, text: str) -> LexicalQuery:
        """BM25 terms for a question: its own tokens (Chinese, numbers, acronyms such as GW)
        plus, when it has English words and the bridge is on, their Chinese translations,
        each weighted by its confidence."""
        own = self.tokenizer.tokenize(text)
        weights = dict.fromkeys(own, 1.0)
        groups = [[t] for t in own if CJK.search(t)]
        if self.settings.bridge and LATIN.search(text):
            translated, _ = self.bridge.translate(text)
            for _, alternatives in translated:
                groups.append([t for t, _ in alternatives])
                for term, w in alternatives:
                    weights[term] = max(weights.get(term, 0.0), w)
        return LexicalQuery(list(weights), weights, groups)

    def shown_terms(self, query: LexicalQuery) -> list[str]:
        """The terms shown to the user: Chinese ones, and Latin ones only where the corpus
        has them (GW)."""
        return [t for t in query.terms if CJK.search(t) or self.lexical.knows(t)]

    def bm25(self, query: LexicalQuery, allowed: set[int] | None) -> list[Hit]:
        return self.lexical.search(query.terms, self.settings.candidates, allowed, query.weights)

    def dense_search(self, qvec: np.ndarray, allowed: set[int] | None) -> list[Hit]:
        """Items by similarity to the question plus `dense_clause_weight` x their best clause.

        A long item's single vector blurs the one sentence a question is about; its best
        clause keeps it. The clause vectors are the ones the span scorer uses.
        """
        s, n = self.settings, self._n
        if not self.dense.approximate:  # exact: every item, every clause in one product
            best = np.full(n, -1.0, dtype=np.float32)
            if len(self._runs):
                best[self._run_doc] = np.maximum.reduceat(self.clause_vectors @ qvec, self._runs)
            total = self.dense.scores(qvec) + s.dense_clause_weight * best
            docs = np.arange(n) if allowed is None else np.fromiter(sorted(allowed), dtype=np.int64)
            if len(docs) > s.candidates:  # the best few, ties at the edge kept for the tie-break
                kth = np.partition(total[docs], len(docs) - s.candidates)[len(docs) - s.candidates]
                docs = docs[total[docs] >= kth]
            scored = [(int(d), float(total[d])) for d in docs]
        else:  # HNSW: a generous candidate list, re-scored with its own clauses
            scored = []
            for h in self.dense.search(qvec, min(n, 5 * s.candidates), allowed):
                rows = self.clause_rows.get(h.doc)
                best_clause = float((self.clause_vectors[rows] @ qvec).max()) if rows else -1.0
                scored.append((h.doc, h.score + s.dense_clause_weight * best_clause))
        scored.sort(key=lambda x: (-x[1], x[0]))
        return [Hit(doc=d, score=sc, rank=r) for r, (d, sc) in enumerate(scored[: s.candidates], 1)]

    def fuse(self, rankings: dict[str, list[Hit]]) -> list[FusedHit]:
        s = self.settings
        weights = {"bm25": s.weight_bm25, "dense": s.weight_dense}
        if s.fusion == "weighted":
            return weighted_score_fusion(rankings, weights)
        return reciprocal_rank_fusion(rankings, s.rrf_k, weights)
