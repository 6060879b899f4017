"""The answer span: the clause of the cited item that best answers the question.

Clauses are cut at sentence ends (。!?;) and at commas and colons, so a span is short
but whole; the title is a clause of its own. A clause scores by how much of the question's
term weight it covers (BM25 idf) and by its embedding's similarity to the question (the
clause vectors are built with the index). A clause that only repeats the question is
extended to the next clause of its sentence, where the answer usually follows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .records import Item

_SENTENCE_END = re.compile(r"[。!?;!?;]+")
_CLAUSE_END = re.compile(r"[,,::]+")
_TRIM = " \t\n\u3000"


@dataclass(frozen=True)
class Clause:
    """A span of `Item.text`; `sentence` numbers the sentence it belongs to."""

    doc: int
    start: int
    end: int
    sentence: int


def split_clauses(item: Item, doc: int) -> list[Clause]:
    """Title, then the body's clauses, as offsets into `item.text`."""
    text = item.text
    out = [Clause(doc, 0, len(item.title), 0)]
    body_offset = len(item.title) + 1
    sentence = 0
    for s_start, s_end in _pieces(item.body, _SENTENCE_END):
        sentence += 1
        sentence_text = item.body[s_start:s_end]
        for c_start, c_end in _pieces(sentence_text, _CLAUSE_END):
            a, b = body_offset + s_start + c_start, body_offset + s_start + c_end
            if text[a:b].strip(_TRIM):
                out.append(Clause(doc, a, b, sentence))
    return out


def _pieces(text: str, sep: re.Pattern[str]) -> list[tuple[int, int]]:
    """Non-empty stretches of `text` between separators, trimmed of white space."""
    out, pos = [], 0
    for m in [*sep.finditer(text), None]:
        end = m.start() if m else len(text)
        a, b = pos, end
        while a < b and text[a] in _TRIM:
            a += 1
        while b > a and text[b - 1] in _TRIM:
            b -= 1
        if b > a:
            out.append((a, b))
        if m:
            pos = m.end()
    return out


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    reason: str


def choose_span(
    question_terms: list[str],
    question_vector: np.ndarray | None,
    clauses: list[Clause],
    clause_terms: list[list[str]],
    clause_vectors: np.ndarray | None,
    idf: Callable[[str], float],
    lexical_weight: float,
) -> Span:
    """The best clause of one item for the question (see the module docstring)."""
    q = {t for t in question_terms if idf(t) > 0}
    total = sum(idf(t) for t in q)
    lexical = np.array(
        [sum(idf(t) for t in q & set(terms)) / total if total else 0.0 for terms in clause_terms]
    )
    if question_vector is not None and clause_vectors is not None and len(clause_vectors):
        sims = clause_vectors @ question_vector
        spread = float(sims.max() - sims.min())
        dense = (sims - sims.min()) / spread if spread > 0 else np.ones_like(sims)
    else:
        dense = np.zeros(len(clauses))
    w = lexical_weight if total else 0.0
    score = w * lexical + (1 - w) * dense
    best = int(np.argmax(score))
    clause = clauses[best]
    how = (
        f"clause {best} of the item: covers {lexical[best]:.0%} of the question's terms, "
        f"similarity rank {int((dense > dense[best]).sum()) + 1} of {len(clauses)}"
    )
    novel = set(clause_terms[best]) - set(question_terms)
    nxt = best + 1
    if not novel and nxt < len(clauses) and clauses[nxt].sentence == clause.sentence and clause.sentence:
        return Span(clause.start, clauses[nxt].end, how + "; extended: the clause only repeats the question")
    return Span(clause.start, clause.end, how)
