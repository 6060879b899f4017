"""Span choice (rule-based baseline): the clause of the cited item that best answers the question.

A clause scores by how much of the question's term weight it covers (BM25 idf) and by its
embedding's similarity to the question (the clause vectors are built with the index). A
clause that only repeats the question is extended to the next clause of its sentence,
where the answer usually follows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..corpus.clauses import Clause
from ..retrieval.tokenizer import compact, normalize
from .candidates import Candidate
from .types import ACCEPTS

# how far (characters) a candidate may sit from the question's words before it loses weight
_NEAR = 40.0
_DISTANCE_PENALTY = 0.15
# news puts the main fact first: a candidate at the end of the item loses this much
_POSITION_PENALTY = 0.1
# a candidate naming the question's head noun (哪几家医院 -> …医院) gains this much
_HEAD_BONUS = 0.15


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    reason: str
    type: str  # the candidate type chosen, or "clause"


def clause_scores(
    question_terms: list[str],
    question_vector: np.ndarray | None,
    clause_texts: list[str],
    clause_vectors: np.ndarray | None,
    idf: Callable[[str], float],
    lexical_weight: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per clause: the combined score and the lexical coverage (both 0..1).

    A question term counts where the clause's text contains it, not where jieba cut the
    clause the same way: segmentation depends on context (品牌价值 vs 品牌/价值). Terms weigh
    their corpus idf times their rarity among the item's clauses.
    """
    texts = [normalize(c) for c in clause_texts]
    # a term found in every clause names the item's topic (a brand the item is about); one found in a single
    # clause points at the answer (品牌价值): weigh terms by their rarity within the item too
    n = len(texts)
    weight = {}
    for t in {t for t in question_terms if idf(t) > 0}:
        local = sum(t in c for c in texts)
        weight[t] = idf(t) * math.log((n + 1) / (local + 0.5))
    total = sum(w for w in weight.values() if w > 0)
    lexical = np.array(
        [sum(w for t, w in weight.items() if w > 0 and t in c) / total if total else 0.0 for c in texts]
    )
    if question_vector is not None and clause_vectors is not None and len(clause_vectors):
        sims = clause_vectors @ question_vector
        spread = float(sims.max() - sims.min())
        dense = (sims - sims.min()) / spread if spread > 0 else np.ones_like(sims)
    else:
        dense = np.zeros(len(clause_texts))
    w = lexical_weight if total else 0.0
    return w * lexical + (1 - w) * dense, lexical


def choose_span(
    text: str,
    question: str,
    question_terms: list[str],
    expected: str,
    candidates: list,
    clauses: list[Clause],
    clause_terms: list[list[str]],
    scores: np.ndarray,
    lexical: np.ndarray,
) -> Span:
    """The answer span in one item's `text`.

    With an expected type, the candidate of that type in the best-matching sentence,
    closest to the question's words; else (or when none fits) the best clause.
    """
    accepts = ACCEPTS.get(expected, {})
    sentence_best: dict[int, float] = {}
    for clause, score in zip(clauses, scores, strict=True):
        sentence_best[clause.sentence] = max(sentence_best.get(clause.sentence, 0.0), float(score))
    asked = compact(question)
    best: tuple[float, object, int] | None = None
    for cand in candidates:
        if cand.type in ("list", "enumeration"):
            cand = _without_stated(cand, asked)
        weight = accepts.get(cand.type)
        if weight is None or compact(cand.text) in asked:
            continue  # a span the question already states is not its answer
        k = _clause_at(clauses, cand.start)
        if k is None:
            continue
        sent = clauses[k].sentence
        near = _distance_to_terms(text, clauses, sent, cand, question_terms)
        score = (
            weight * (0.6 * sentence_best[sent] + 0.4 * float(scores[k]))
            - _DISTANCE_PENALTY * min(1.0, near / _NEAR)
            - _POSITION_PENALTY * cand.start / max(1, len(text))
            + _HEAD_BONUS * any(len(t) >= 2 and t in cand.text for t in question_terms)
        )
        key = (score, cand.end - cand.start)
        if best is None or key > best[0]:
            best = (key, cand, k)
    if best is not None:
        _, cand, k = best
        where = "the title" if clauses[k].sentence == 0 else f"sentence {clauses[k].sentence}"
        return Span(
            cand.start,
            cand.end,
            f"expected {expected}; the {cand.type} in {where} nearest the question's words",
            cand.type,
        )
    return _best_clause(clauses, clause_terms, question_terms, scores, lexical, expected)


def _best_clause(clauses, clause_terms, question_terms, scores, lexical, expected) -> Span:
    best = int(np.argmax(scores))
    clause = clauses[best]
    why = "no interrogative with a known answer type" if expected == "other" else f"no {expected} in the item"
    how = f"{why}; the best-matching clause (covers {lexical[best]:.0%} of the question's terms)"
    novel = set(clause_terms[best]) - set(question_terms)
    nxt = best + 1
    if not novel and nxt < len(clauses) and clauses[nxt].sentence == clause.sentence and clause.sentence:
        return Span(
            clause.start, clauses[nxt].end, how + ", extended: it only repeats the question", "clause"
        )
    return Span(clause.start, clause.end, how, "clause")


def _without_stated(cand: Candidate, asked: str) -> Candidate:
    """A list without its leading or trailing elements that the question itself names."""
    parts = [(m.start(), m.end()) for m in re.finditer(r"[^、与和及]+", cand.text)]
    while len(parts) > 1 and compact(cand.text[slice(*parts[0])]) in asked:
        parts.pop(0)
    while len(parts) > 1 and compact(cand.text[slice(*parts[-1])]) in asked:
        parts.pop()
    a, b = parts[0][0], parts[-1][1]
    if (a, b) == (0, len(cand.text)):
        return cand
    answer_type = cand.type if len(parts) > 1 else "organisation" if cand.type == "list" else "clause"
    return Candidate(answer_type, cand.start + a, cand.start + b, cand.text[a:b])


def _clause_at(clauses: list[Clause], pos: int) -> int | None:
    for k, c in enumerate(clauses):
        if c.start <= pos < c.end:
            return k
    return None


def _distance_to_terms(text: str, clauses: list[Clause], sentence: int, cand, terms: list[str]) -> float:
    """Characters between the candidate and the nearest question term in its sentence."""
    lo = min(c.start for c in clauses if c.sentence == sentence)
    hi = max(c.end for c in clauses if c.sentence == sentence)
    span = text[lo:hi].lower()
    best = _NEAR
    for t in set(terms):
        for m in re.finditer(re.escape(t), span):
            a, b = lo + m.start(), lo + m.end()
            if b <= cand.start:
                best = min(best, cand.start - b)
            elif a >= cand.end:
                best = min(best, a - cand.end)
            else:
                best = 0
    return best
