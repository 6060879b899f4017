"""Combine several rankings of the same items into one."""

from __future__ import annotations

from collections.abc import Mapping

from ..records import FusedHit, Hit


def reciprocal_rank_fusion(
    rankings: Mapping[str, list[Hit]], k: int = 60, weights: Mapping[str, float] | None = None
) -> list[FusedHit]:
    """RRF: score(d) = sum over retrievers of weight / (k + rank). Ties: earlier item first."""
    scores: dict[int, float] = {}
    for name, hits in rankings.items():
        w = 1.0 if weights is None else weights.get(name, 1.0)
        for hit in hits:
            scores[hit.doc] = scores.get(hit.doc, 0.0) + w / (k + hit.rank)
    return _ordered(scores, rankings)


def weighted_score_fusion(
    rankings: Mapping[str, list[Hit]], weights: Mapping[str, float] | None = None
) -> list[FusedHit]:
    """Weighted sum of each retriever's scores, min-max normalised over its own hits.

    An item a retriever did not return gets 0 from it. A retriever whose hits all score the
    same contributes 1 to each of them.
    """
    scores: dict[int, float] = {}
    for name, hits in rankings.items():
        if not hits:
            continue
        w = 1.0 if weights is None else weights.get(name, 1.0)
        lo, hi = min(h.score for h in hits), max(h.score for h in hits)
        for hit in hits:
            norm = 1.0 if hi == lo else (hit.score - lo) / (hi - lo)
            scores[hit.doc] = scores.get(hit.doc, 0.0) + w * norm
    return _ordered(scores, rankings)


def _ordered(scores: dict[int, float], rankings: Mapping[str, list[Hit]]) -> list[FusedHit]:
    ranks = {name: {h.doc: h.rank for h in hits} for name, hits in rankings.items()}
    order = sorted(scores, key=lambda d: (-scores[d], d))
    return [
        FusedHit(doc=d, score=scores[d], ranks={name: r.get(d) for name, r in ranks.items()}) for d in order
    ]
