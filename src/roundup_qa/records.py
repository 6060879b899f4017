"""Typed records that flow between the stages: item -> hit -> passage -> answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    """One highlight of a roundup: a "●" title line and its paragraph.

    `start`/`end` are character offsets of the whole item (title line included) in the
    source file; `title_start` and `body_start` locate the title (after the "●") and the
    body, so `text[title_start:title_start + len(title)] == title`.
    """

    source: str  # file name inside the corpus directory
    number: int  # 1..N in order of appearance within the source file
    title: str
    body: str
    district: str  # inferred; "" when the corpus has no district gazetteer
    start: int
    end: int
    title_start: int
    body_start: int

    @property
    def key(self) -> str:
        """Stable id of the item across the corpus: "file.txt#12"."""
        return f"{self.source}#{self.number}"

    @property
    def text(self) -> str:
        """Title and body as one string; answer offsets refer to this string."""
        return f"{self.title}\n{self.body}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """An item as one retriever ranked it (rank is 1-based)."""

    doc: int  # position of the item in the index
    score: float
    rank: int


@dataclass(frozen=True)
class FusedHit:
    """An item after fusion, with the rank it had in each retriever (None: not retrieved)."""

    doc: int
    score: float
    ranks: dict[str, int | None]


@dataclass(frozen=True)
class Passage:
    """A retrieved item as shown to the user."""

    source: str
    item: int
    title: str
    district: str
    score: float  # fused score
    ranks: dict[str, int | None]  # per retriever: "bm25", "dense"
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from. `start`/`end` index `Item.text` (title, newline, body)."""

    source: str
    item: int
    title: str
    district: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Part:
    """One cited part of an answer: a span (`answer`) from one item, or, for a browsing
    question, the item alone (`answer` None, the citation spanning its title)."""

    answer: str | None
    citation: Citation
    answer_en: str | None = None
    district_en: str | None = None
    answer_gloss: str | None = None
    title_gloss: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "citation": self.citation.to_dict(),
            "answer_en": self.answer_en,
            "district_en": self.district_en,
            "answer_gloss": self.answer_gloss,
            "title_gloss": self.title_gloss,
        }


KINDS = ("span", "list", "items", "refusal")


@dataclass(frozen=True)
class Signals:
    """What the abstention decision saw (`reader.abstain.decide`), carried by the answer."""

    coverage: float | None  # idf-weighted share of the question's Chinese terms in the item
    uncovered: tuple[str, ...]  # Chinese terms the item does not contain
    type_found: bool | None  # a span of the expected type exists (None: no specific type)
    month_conflict: bool  # the question names months the item and roundup never mention
    missing_names: tuple[str, ...]  # places / organisations named in the question, not in the item
    bm25_rank: int | None
    dense_rank: int | None
    reader_margin: float | None = None  # the reader's best span over its no-answer score
    uncounted: str | None = None  # the noun a "how many" question counts, absent from the item
    echo: bool = False  # the answer span (a date or number asked for) only repeats the question
    numberless: bool = False  # a number asked for, a span with no numeral, a reader preferring no answer
    unnamed: bool = False  # who asked, a span naming no one, a reader preferring no answer
    # a year or counted ordinal the question names that the item does not speak of, with what it does
    stated_otherwise: str | None = None
    amount_of: str | None = None  # what a "how much" question asks an amount of (利税), absent from the item
    other_district: str | None = None  # a district the question names, not the item's and absent from it

    def to_dict(self) -> dict:
        return {
            "coverage": None if self.coverage is None else round(self.coverage, 3),
            "uncovered": list(self.uncovered),
            "type_found": self.type_found,
            "month_conflict": self.month_conflict,
            "missing_names": list(self.missing_names),
            "bm25_rank": self.bm25_rank,
            "dense_rank": self.dense_rank,
            "reader_margin": self.reader_margin,
            "uncounted": self.uncounted,
            "echo": self.echo,
            "numberless": self.numberless,
            "unnamed": self.unnamed,
            "stated_otherwise": self.stated_otherwise,
            "amount_of": self.amount_of,
            "other_district": self.other_district,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Signals:
        tuples = {"uncovered", "missing_names"}
        return cls(**{k: tuple(v) if k in tuples else v for k, v in d.items()})


@dataclass(frozen=True)
class Answer:
    """The answer record returned by `RoundupQA.ask`.

    `answer` is an exact substring of the cited item's text, or None when the system
    abstains (then `reason` says why). Display helpers never replace `answer`.
    """

    question: str
    answer: str | None
    citation: Citation | None
    passages: list[Passage] = field(default_factory=list)
    reason: str = ""  # why it abstained, or how the span was chosen
    lang: str = "zh"  # language of the question: "zh" or "en"
    searched_for: list[str] = field(default_factory=list)  # lexical query terms
    notes: list[str] = field(default_factory=list)  # e.g. "question truncated"
    expected_type: str = "other"  # what the question asks for: date, money, count, …
    answer_type: str | None = None  # the kind of span chosen ("clause" when untyped)
    why: str = ""  # how the expected type was read from the question
    answer_en: str | None = None  # English rendering of the span, for display only
    district_en: str | None = None  # the cited district in English
    # for English questions: a word-by-word gloss of the span where it has no rendering
    # (names, lists, clauses), and of the cited item's title; labelled "gloss" wherever shown
    answer_gloss: str | None = None
    title_gloss: str | None = None
    signals: Signals | None = None  # what the abstention decision saw
    # what kind of answer (KINDS): "span" (one span, `parts` holds it once), "list" (one
    # part per answering item; `answer` and `citation` are the first's), "items" (items to
    # browse, `answer` None), "refusal" (no part). A span record without an answer is a refusal.
    kind: str = "span"
    parts: list[Part] = field(default_factory=list)
    read_as: str | None = None  # a follow-up: the question as it was read against the last turn

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind in ("span", "refusal") and not self.parts:
            answered = self.answer is not None and self.citation is not None
            object.__setattr__(self, "kind", "span" if answered else "refusal")
            if answered:
                own = Part(self.answer, self.citation, self.answer_en, self.district_en,
                           self.answer_gloss, self.title_gloss)  # fmt: skip
                object.__setattr__(self, "parts", [own])

    @property
    def explanation(self) -> str:
        """The one explanation shown to a reader: how the question was read (`why`) and how the
        span was chosen or why none was (`reason`). Both fields stay in `to_dict()`: the
        JSON contract has them."""
        return "; ".join(part for part in (self.why, self.reason) if part)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "citation": self.citation.to_dict() if self.citation else None,
            "passages": [p.to_dict() for p in self.passages],
            "reason": self.reason,
            "lang": self.lang,
            "searched_for": list(self.searched_for),
            "notes": list(self.notes),
            "expected_type": self.expected_type,
            "answer_type": self.answer_type,
            "why": self.why,
            "answer_en": self.answer_en,
            "district_en": self.district_en,
            "answer_gloss": self.answer_gloss,
            "title_gloss": self.title_gloss,
            "signals": self.signals.to_dict() if self.signals else {},
            "kind": self.kind,
            "parts": [p.to_dict() for p in self.parts],
            "read_as": self.read_as,
        }
