"""Hybrid retrieval: the question's BM25 terms (its own words plus the English bridge's
translations), BM25 over items, dense search over items and their best clause, and fusion.

It sees only retrieval objects and plain settings, never the config or the index on disk:
the searches go to a `SearchBackend` (plain files or Milvus); the pipeline builds both and
times each step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..chinese import CJK, LATIN
from ..records import FusedHit, Hit
from .backend import SearchBackend
from .bridge import QUESTION_PHRASES, Bridge
from .fusion import reciprocal_rank_fusion, weighted_score_fusion
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


_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9]+(?![A-Za-z])")


@dataclass(frozen=True)
class LexicalQuery:
    terms: list[str]  # what BM25 searches for (shown as "searched for")
    weights: dict[str, float]
    groups: list[list[str]]  # alternatives per question word or phrase, for coverage


class HybridRetriever:
    def __init__(
        self, tokenizer: Tokenizer, bridge: Bridge, backend: SearchBackend, settings: RetrievalSettings
    ) -> None:
        self.settings = settings
        self.tokenizer, self.bridge, self.backend = tokenizer, bridge, backend

    def lexical_query(self, text: str) -> LexicalQuery:
        """BM25 terms for a question: its own tokens (Chinese, numbers, acronyms such as GW)
        plus, when it has English words and the bridge is on, their Chinese translations,
        each weighted by its confidence."""
        own = self.tokenizer.tokenize(text)
        weights = dict.fromkeys(own, 1.0)
        groups = [[t] for t in own if CJK.search(t)]
        if CJK.search(text):  # a Chinese question's acronym (GDP, GW) is a word it must find too
            groups += [[t] for t in dict.fromkeys(a.lower() for a in _ACRONYM.findall(text)) if t in weights]
        if self.settings.bridge and LATIN.search(text):
            translated, _ = self.bridge.translate(text)
            for phrase, alternatives in translated:
                if phrase in QUESTION_PHRASES:
                    continue
                parts = self.bridge.parts_of(phrase)  # a glossary phrase of several words needs each
                groups.extend([[t] for t in parts] if parts else [[t for t, _ in alternatives]])
                for term, w in alternatives:
                    weights[term] = max(weights.get(term, 0.0), w)
        return LexicalQuery(list(weights), weights, groups)

    def shown_terms(self, query: LexicalQuery) -> list[str]:
        """The terms shown to the user: Chinese ones, and Latin ones only where the corpus
        has them (GW)."""
        return [t for t in query.terms if CJK.search(t) or self.backend.knows(t)]

    def bm25(self, query: LexicalQuery, district: str | None = None) -> list[Hit]:
        return self.backend.lexical(query.terms, query.weights, self.settings.candidates, district)

    def dense_search(self, qvec: np.ndarray, district: str | None = None) -> list[Hit]:
        """Items by similarity to the question plus `dense_clause_weight` x their best clause.

        A long item's single vector blurs the one sentence a question is about; its best
        clause keeps it. The clause vectors are the ones the span scorer uses.
        """
        return self.backend.dense(qvec, self.settings.candidates, self.settings.dense_clause_weight, district)

    def fuse(self, rankings: dict[str, list[Hit]]) -> list[FusedHit]:
        s = self.settings
        weights = {"bm25": s.weight_bm25, "dense": s.weight_dense}
        if s.fusion == "weighted":
            return weighted_score_fusion(rankings, weights)
        return reciprocal_rank_fusion(rankings, s.rrf_k, weights)
