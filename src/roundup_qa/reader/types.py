"""Answer types: which candidate types can answer each expected type, with a preference weight.

The expected type comes from `question.analyze`, the candidate types from
`candidates.extract`; the rule-based span choice and the reader's typed prior both read
this table.
"""

from __future__ import annotations

# what a question can ask for (question.analyze), the one list of these names
EXPECTED_TYPES = frozenset({
    "date", "count", "quantity", "money", "percentage", "rank", "organisation", "list", "place", "name",
    "reason", "yesno", "other", "duration",
})  # fmt: skip
# what an answer span can be: a candidate (candidates.extract), a clause (the rules' fallback,
# choice.py) or an untyped reader span ("span")
SPAN_TYPES = frozenset({
    "date", "count", "quantity", "money", "percentage", "rank", "organisation", "list", "enumeration",
    "place", "venue", "name", "person", "edition", "clause", "span", "duration",
})  # fmt: skip

# expected types written with numerals: a count, amount, quantity or share
NUMBERS = frozenset({"count", "money", "quantity", "percentage"})

ACCEPTS: dict[str, dict[str, float]] = {
    "date": {"date": 1.0},
    # how long: a span of time (为期一个月), or the dates it ran between (5月至10月)
    "duration": {"duration": 1.0, "date": 0.5},
    "count": {"count": 1.0, "quantity": 0.7},
    "quantity": {"quantity": 1.0, "count": 0.8},
    "money": {"money": 1.0},
    "percentage": {"percentage": 1.0},
    # 第几届 asks for an edition: an item giving only its edition (第十届) is no refusal
    "rank": {"rank": 1.0, "edition": 0.5},
    "organisation": {"organisation": 1.0, "list": 1.0},
    "list": {"list": 1.0, "enumeration": 0.85, "organisation": 0.6, "place": 0.4},
    "place": {"venue": 1.0, "place": 0.85, "organisation": 0.5},
    "name": {"name": 1.0},
}
