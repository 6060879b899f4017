"""Which further items a list question takes: a logistic score over what is known of each.

A "哪些 / which …" question's best item is answered as a single answer is (with its refusal).
Every further item among the first `Config.list_depth` fused is a `Candidate`, scored from four
things: its fused rank, how far its similarity to the question's topic (the question less its
asking words, e.g. 举办了节庆活动) lies below the best item's, the reader's margin over "no
answer" for the question, and whether the topic's words cover it. An item scoring above 0 is
taken. The weights are fitted (`fit`) on the list questions of eval/kinds*.jsonl by
`python eval/fit_lists.py`, one set of weights per language and per kind of list: one asking
which districts (answered by each item's district, so the reader's span matters little and
the district is mostly not in the text) and one asking for anything else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MARGIN_CAP = 15.0  # a reader margin beyond this says nothing more
# an item that would not be taken even at this margin is not read (reading is what a list
# costs): over the list questions of eval/kinds*.jsonl, of the 1,021 further items considered
# and the 166 taken, 469 are read at 5 (614 at 8, 758 at 15) and 2 taken items are lost (the
# same 2 at 8: margins above 8; none at 15)
HOPEFUL_MARGIN = 5.0


@dataclass(frozen=True)
class Candidate:
    """One further item a list question may take, with what its score reads."""

    doc: int
    rank: int  # in the fused ranking, 1-based
    topic_gap: float  # the best item's topic similarity less this item's (>= 0)
    margin: float | None  # the reader's margin over "no answer" (None: not read)
    covered: bool  # the topic's words cover the item (the coverage rule alone)

    def features(self) -> list[float]:
        margin = -MARGIN_CAP if self.margin is None else max(-MARGIN_CAP, min(MARGIN_CAP, self.margin))
        return [1.0, -math.log(self.rank), -10.0 * self.topic_gap, margin / 5.0, float(self.covered)]


def group(lang: str, asks_district: bool) -> str:
    """The weights a list question uses: "zh-district", "zh", "en-district" or "en"."""
    return f"{lang}-district" if asks_district else lang


def score(candidate: Candidate, weights: tuple[float, ...]) -> float:
    """The candidate's log-odds of answering the list: taken above 0."""
    return float(np.dot(weights, candidate.features()))


def fit(
    candidates: list[Candidate], labels: list[int], l2: float = 0.1, steps: int = 3000
) -> tuple[float, ...]:
    """Logistic regression by gradient descent (no bias penalty): the weights of `score`."""
    x = np.array([c.features() for c in candidates], dtype=np.float64)
    y = np.array(labels, dtype=np.float64)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        grad = x.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]] / len(y)
        w -= 0.5 * grad
    return tuple(round(float(v), 3) for v in w)
