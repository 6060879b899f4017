"""The reader stage as the pipeline sees it: from fused hits to a span, the signals the
refusal decision reads, and that decision.

Two readers, chosen by `config.reader`:
- "model" (default): the trained span reader (model.py) on the best item, and on the next
  ones (up to `reader_depth`) while it is not confident; its span is trimmed and, for dates
  and numbers, snapped to the typed candidate it overlaps (span.py);
- "rules": the earlier clause-and-candidate picker (choice.py), kept as the baseline the
  eval report compares against.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from ..chinese import CJK
from ..config import Config
from ..records import FusedHit, Hit, Signals
from ..retrieval.hybrid import HybridRetriever, LexicalQuery
from ..store import StoredIndex
from .abstain import (
    amount_missing,
    coverage,
    decide,
    echoes,
    everyday_share,
    missing_names,
    month_conflict,
    no_change,
    numberless,
    only_started,
    other_period,
    stated_otherwise,
    thresholds,
    uncounted,
    unnamed,
)
from .candidates import Candidate, extract
from .choice import Span, choose_span, clause_scores
from .model import Reader, Reading
from .question import Analysis, in_full
from .span import (
    SNAP_TYPES,
    beside_alternative,
    beside_number,
    named_alternative,
    named_place,
    one_line,
    past_count_tail,
    past_named_lead,
    past_named_tail,
    quoted_core,
    shape,
    typed_alternative,
    unechoed,
)
from .types import ACCEPTS, NUMBERS
from .units import in_units

_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


@dataclass(frozen=True)
class Read:
    """What reading found: the item (its fused hit), the span in its text, and the trained
    reader's margin of that span over "no answer" (None with the rules)."""

    hit: FusedHit
    span: Span
    margin: float | None


class EarlyRead:
    """A reading of item `doc` begun before fusion (Answerer.read_early)."""

    def __init__(self, doc: int, future: Future) -> None:
        self.doc, self._future = doc, future

    def reading(self) -> Reading | None:
        """The reading, waited for; None when it had not started (every worker busy): it is
        cancelled, and the caller reads rather than queue behind other questions."""
        return None if self._future.cancel() else self._future.result()

    def drop(self) -> None:
        """Not needed (fusion put another item first): cancelled unless already running."""
        self._future.cancel()


class _InFlight:
    """Questions being answered in this process (RoundupQA.ask enters it). An early reading
    takes a core of its own: worth it while a core is free, not under load, where every core
    already answers a question and it would only add the readings fusion drops (2 cores, 50
    clients: 28.6 answers/s with it, 30.1 without; issue 12 notes)."""

    def __init__(self) -> None:
        self._n = 0
        self._lock = threading.Lock()

    def __enter__(self) -> _InFlight:
        with self._lock:
            self._n += 1
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._n -= 1

    def spare_core(self) -> bool:
        return self._n < (os.cpu_count() or 1)


IN_FLIGHT = _InFlight()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _early_pool() -> ThreadPoolExecutor:
    """The threads early readings run on, one per core, shared by every answerer."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="reader-early")
        return _pool


class Answerer:
    """Reads the retrieved items of one index and judges whether they answer."""

    def __init__(
        self, index: StoredIndex, retriever: HybridRetriever, config: Config, model: Reader | None
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.config = config
        self.model = model
        self._candidate_cache: dict[int, list[Candidate]] = {}
        self._clause_rows = index.clauses.by_doc()  # item -> its rows of the clause table
        self._unknown_idf = retriever.backend.max_idf()  # a word the corpus never uses weighs most
        self._roundup_text = " ".join(index.manifest.corpus.intro.values())
        self._districts = index.manifest.places.district_names(index.districts)  # name -> district
        self._places = frozenset(index.manifest.places.names)
        self._known_cache: dict[int, str] = {}  # item -> its text and its district's names

    # ------------------------------------------------------------------ reading
    def read_early(
        self, bm25: list[Hit] | None, text: str, lang: str, searched: list[str]
    ) -> EarlyRead | None:
        """Start reading BM25's best item on another thread while the question is embedded
        (`reader_early`): fusion puts the same item first for 97% of Chinese and 87% of
        English questions (eval/questions.jsonl, fresh and held-out en), and its reading is
        then ready, or nearly, when fusion ends. None with the rules, when nothing matched, or
        when no core is free (IN_FLIGHT)."""
        if self.model is None or not self.config.reader_early or not bm25 or not IN_FLIGHT.spare_core():
            return None
        doc = bm25[0].doc
        question = self._reader_question(text, lang, searched)
        return EarlyRead(doc, _early_pool().submit(self.model.read, question, self.index.items[doc].text))

    def read(
        self, fused: list[FusedHit], text: str, lang: str, query: LexicalQuery, searched: list[str],
        analysis: Analysis, qvec: np.ndarray, early: EarlyRead | None = None,
    ) -> Read:  # fmt: skip
        if self.model is not None:
            return self._read_model(fused, text, lang, searched, analysis, early)
        return self._read_rules(fused, text, query.terms, qvec, analysis.type)

    def read_each(
        self, hits: list[FusedHit], text: str, lang: str, query: LexicalQuery, searched: list[str],
        analysis: Analysis, qvec: np.ndarray, variants: list[str] = (),
    ) -> list[Read]:  # fmt: skip
        """Each of `hits` read alone (the items of a list), the model's readings on the
        reading threads at once; with `variants` (the question once per alternative it
        offers), each item's reading is its best over the question and them."""
        if self.model is None:
            return [self._read_rules([h], text, query.terms, qvec, analysis.type) for h in hits]
        questions = [self._reader_question(q, lang, searched) for q in (text, *variants)]
        pool = _early_pool()
        futures = [
            [pool.submit(self.model.read, q, self.index.items[h.doc].text) for q in questions] for h in hits
        ]
        out = []
        for h, fs in zip(hits, futures, strict=True):
            best = max((f.result() for f in fs), key=lambda reading: reading.margin)
            span = self._span(h.doc, best, 1, lang, analysis, searched, questions[0] + text)
            out.append(Read(h, span, round(float(best.margin), 4)))
        return out

    def _read_rules(self, fused: list[FusedHit], text: str, terms: list[str], qvec, expected: str) -> Read:
        """The rule-based picker: the best item; when it holds no span of the expected type,
        the next ones (up to reader_depth) may, so a retrieval near-miss is still answered."""
        readings = []
        for hit in fused[: max(1, self.config.reader_depth)]:
            readings.append((hit, self._clause_span(hit.doc, text, terms, qvec, expected)))
            if expected not in ACCEPTS or readings[-1][1].type != "clause":
                break
        hit, span = next(((h, sp) for h, sp in readings if sp.type != "clause"), readings[0])
        return Read(hit, span, None)

    def _reader_question(self, text: str, lang: str, searched: list[str]) -> str:
        """The question as the reader gets it: an English one code-switched (or with the
        bridge's Chinese terms appended), per `reader_question_en`; a Chinese keyword query
        completed as a question (`question.in_full`)."""
        c = self.config
        text = in_full(text, lang)
        if lang == "en" and c.bridge and c.reader_question_en == "switched":
            return self.index.bridge.code_switch(text)
        if lang == "en" and c.reader_question_en == "appended":
            chinese = [t for t in searched if CJK.search(t)]
            if chinese:
                return f"{text} ({' '.join(chinese)})"
        return text

    def _read_model(
        self, fused: list[FusedHit], text: str, lang: str, searched: list[str], analysis: Analysis,
        early: EarlyRead | None,
    ) -> Read:  # fmt: skip
        """The trained reader on the best item, and on the next ones (up to reader_depth) while
        it is not confident; the span with the largest margin over "no answer" wins."""
        question = self._reader_question(text, lang, searched)
        floor = thresholds(self.config, lang)[1]
        best = None
        for k, hit in enumerate(fused[: max(1, self.config.reader_depth)], 1):
            reading = None
            if early is not None and early.doc == hit.doc:
                reading, early = early.reading(), None
            if reading is None:
                reading = self.model.read(question, self.index.items[hit.doc].text)
            if best is None or reading.margin > best[1].margin:
                best = (hit, reading, k)
            if reading.margin >= floor:
                break
        if early is not None:
            early.drop()
        hit, reading, k = best
        return Read(
            hit,
            self._span(hit.doc, reading, k, lang, analysis, searched, question + text),
            round(float(reading.margin), 4),
        )

    def _span(
        self, doc: int, reading: Reading, k: int, lang: str, analysis: Analysis, searched: list[str],
        asked: str = "",
    ) -> Span:  # fmt: skip
        """The answer span from the reader's best span and its next ones (reader/span.py):
        within one line, of the asked type and unit, not a number for a name, not the
        question's own words (`asked`: the question as asked and as the reader got it),
        snapped to a candidate, and a list without the partner the question names; `reason`
        says which steps moved it."""
        c = self.config
        expected = analysis.type
        item_text = self.index.items[doc].text
        start, end, score = reading.start, reading.end, reading.score
        lined = c.reader_one_line and one_line(item_text, (start, end, score), reading.alternatives)
        if lined:
            start, end, score = lined
        window = c.reader_type_window_en if lang == "en" else c.reader_type_window
        units = analysis.units if c.reader_unit_window > 0 else frozenset()
        if units:
            window = max(window, c.reader_unit_window)
        typed = c.reader_snap and typed_alternative(
            (start, end, score), reading.alternatives, expected, self.candidates(doc), window, units
        )
        if typed:
            start, end, score = typed
        beside = c.reader_snap and beside_alternative(
            item_text,
            (start, end, score),
            reading.alternatives,
            expected,
            self.candidates(doc),
            self._beside_terms(doc, searched, titled=expected == "rank"),
            c.reader_beside_window,
            units,
        )
        if beside:
            start, end, score = beside
        nearest = c.reader_snap and c.reader_beside_number and beside_number(
            item_text, start, end, expected, self.candidates(doc),
            self._beside_terms(doc, searched, titled=True), units,
        )  # fmt: skip
        if nearest:
            start, end = nearest
        named = c.reader_snap and named_alternative(
            item_text,
            (start, end, score),
            reading.alternatives,
            expected,
            self.candidates(doc),
            c.reader_named_window,
        )
        if named:
            start, end, score = named
        # a date or number asked for that only repeats the question is refused instead (echoes)
        unechoed_span = expected not in SNAP_TYPES and unechoed(
            item_text, (start, end, score), reading.alternatives, asked, c.reader_echo_window
        )
        if unechoed_span:
            start, end, score = unechoed_span
        counted = end
        if expected in ("list", "organisation") and c.reader_list_lead:
            end = past_count_tail(item_text, start, end)
        shaped = shape(item_text, start, end, expected, self.candidates(doc), c.reader_snap, units)
        quoted = None  # one quoted name and a few characters around it: the name alone
        if c.reader_quote_slack > 0 and shaped.type == "span" and expected not in SNAP_TYPES:
            quoted = quoted_core(item_text, shaped.start, shaped.end, c.reader_quote_slack)
        if quoted:
            shaped = replace(shaped, start=quoted[0], end=quoted[1])
        placed = (
            c.reader_snap
            and c.reader_place_kind
            and named_place(item_text, shaped.start, shaped.end, analysis.place_kind, self.candidates(doc))
        )
        if placed:
            shaped = replace(shaped, start=placed[0], end=placed[1], type="place")
        lead, tail = shaped.start, shaped.end
        if shaped.type == "list" and c.reader_list_lead:
            lead = past_named_lead(item_text, shaped.start, tail, searched)
        if shaped.type in ("list", "organisation") and c.reader_list_lead:
            tail = past_named_tail(item_text, lead, tail, searched)
        steps = [f"reader: {'a span' if shaped.type == 'span' else 'the ' + shaped.type} scoring "
                 f"{reading.margin:+.2f} over no answer (p={reading.confidence:.2f}) in the {_ORDINAL[k]} item read"]  # fmt: skip
        if typed:
            kind = expected + (f" in {'/'.join(sorted(units))}" if units else "")
            steps.append(
                f"its best span held no {kind}, so its best one that does ({reading.score - score:.2f} below)"
            )
        if beside:
            steps.append(
                f"its best span counted nothing the question names, so the edition of its best one that does ({reading.score - score:.2f} below)"
                if expected == "rank"
                else f"no word of the question stood beside its best span, so its best one that one does ({reading.score - score:.2f} below)"
            )
        if nearest:
            steps.append(
                "it held several numbers of that type, so the one a word of the question stands nearest"
            )
        if named:
            steps.append(
                f"its best span was a number, not a name, so its best one that is not ({reading.score - score:.2f} below)"
            )
        if unechoed_span:
            steps.append(
                f"its best span only repeated the question, so its best one that does not ({reading.score - score:.2f} below)"
            )
        if lined:
            steps.append("its best span ran from the title into the text, so its best one within a line")
        if quoted:
            steps.append("its span narrowed to the quoted name it holds")
        if placed:
            steps.append(
                f"its span narrowed to the place of the kind asked for (…{analysis.place_kind}) it holds"
            )
        if shaped.snapped:
            steps.append(f"the reader's span snapped to the {shaped.type} it overlaps")
        if lead > shaped.start:
            steps.append(f"{item_text[shaped.start : lead]} left out: the question names it")
        if end < counted:
            steps.append(f"{item_text[end:counted]} left out: it counts the list")
        if tail < shaped.end:
            steps.append(f"{item_text[tail : shaped.end]} left out: the question names it")
        return Span(lead, tail, "; ".join(steps), shaped.type)

    def _beside_terms(self, doc: int, searched: list[str], titled: bool = False) -> list[str]:
        """The words searched for that may tell an item's numbers apart: in its text, of two
        or more characters, not a place (the item's district stands beside any of them) and,
        unless `titled`, not in its title (what every number of the item is about: whether
        any number stands beside the question at all)."""
        item = self.index.items[doc]
        return [
            t
            for t in searched
            if len(t) >= 2 and t in item.text and (titled or t not in item.title) and t not in self._places
        ]

    def _clause_span(
        self, doc: int, question: str, terms: list[str], qvec: np.ndarray, expected: str
    ) -> Span:
        """The rules' answer span in item `doc` (see choice.choose_span)."""
        clauses = self.index.clauses[self._clause_rows[doc]]
        text = self.index.items[doc].text
        clause_texts = [text[cl.start : cl.end] for cl in clauses]
        clause_terms = [self.retriever.tokenizer.tokenize(t) for t in clause_texts]
        scores, lexical = clause_scores(
            terms,
            qvec,
            clause_texts,
            self.retriever.backend.clause_vectors(doc),
            self.retriever.backend.idf,
            self.config.span_lexical,
        )
        return choose_span(
            text, question, terms, expected, self.candidates(doc), clauses, clause_terms, scores, lexical
        )

    def candidates(self, doc: int) -> list[Candidate]:
        """Typed candidates (dates, amounts, names …) of item `doc`, extracted once."""
        if doc not in self._candidate_cache:
            p = self.index.manifest.places
            text = self.index.items[doc].text
            self._candidate_cache[doc] = extract(text, tuple(p.names), tuple(p.blocked), tuple(p.venues))
        return self._candidate_cache[doc]

    # ---------------------------------------------------------------- refusing
    def _everyday(self, word: str) -> float:
        """How much a question word the corpus never uses counts in coverage (abstain.everyday_share)."""
        reference = self.config.coverage_everyday_reference
        if reference <= 0:
            return 1.0
        return everyday_share(self.retriever.tokenizer.general_idf(word), reference)

    def signals(self, read: Read, text: str, query: LexicalQuery, analysis: Analysis) -> Signals:
        """What the refusal decision sees of the question and the item read."""
        item = self.index.items[read.hit.doc]
        known = self._known(read.hit.doc)
        cov, uncovered = coverage(
            query.groups, known, self.retriever.backend.idf, self._unknown_idf, self._everyday
        )
        c = self.config
        names: tuple[str, ...] = ()
        if c.abstain_names:
            names = missing_names(self._names(text), known, self._roundup_text)
            if c.bridge:
                names += tuple(self.index.bridge.unknown_names(text))
                names += self._missing_english_names(text, known)
        judged = self.model is not None and analysis.type in SNAP_TYPES
        span_text = item.text[read.span.start : read.span.end]
        # jieba's POS tagging only where the rule reads it
        counted = judged and c.reader_counted_refusal and analysis.counted
        return Signals(
            coverage=cov,
            uncovered=uncovered,
            type_found=None
            if analysis.type not in ACCEPTS or not c.abstain_type
            else self._holds_type(read.hit.doc, analysis, read.span),
            month_conflict=month_conflict(analysis.months, item.text, self._roundup_text),
            stated_otherwise=(
                stated_otherwise(analysis.markers, item.text, self._roundup_text)
                or (
                    judged
                    and analysis.type == "date"
                    and c.abstain_only_started
                    and only_started(analysis.ending, item.text, read.span.start, read.span.end)
                )
                or (
                    judged
                    and analysis.type in NUMBERS
                    and c.abstain_other_period
                    and other_period(analysis.period, item.text, read.span.start, read.span.end)
                )
                or (
                    judged
                    and analysis.type in NUMBERS
                    and c.abstain_no_change
                    and no_change(analysis.change, item.text, read.span.start, read.span.end)
                )
                or None
            )
            if c.abstain_stated_otherwise
            else None,
            missing_names=names,
            other_district=next(
                (
                    n
                    for n in names
                    if self._districts.get(n, self._districts.get(n.lower())) not in (None, item.district)
                ),
                None,
            ),
            bm25_rank=read.hit.ranks.get("bm25"),
            dense_rank=read.hit.ranks.get("dense"),
            reader_margin=read.margin,
            uncounted=uncounted(self.retriever.tokenizer.tagged(counted), item.text) if counted else None,
            amount_of=amount_missing(analysis.amount_of, item.text)
            if judged and analysis.type in NUMBERS and c.reader_amount_refusal
            else None,
            echo=judged and c.reader_echo_refusal and echoes(span_text, text, query.groups),
            numberless=judged
            and (analysis.type in NUMBERS or (analysis.type == "date" and c.reader_dateless_refusal))
            and c.reader_numeral_refusal
            and numberless(span_text, read.margin),
            # the rules' readings have no margin, and `unnamed` judges none
            unnamed=c.reader_unnamed_refusal and unnamed(analysis.type, read.span.type, read.margin, text),
        )

    def _known(self, doc: int) -> str:
        """Item `doc`'s text and every name of its district: an item is news of its district
        whether or not its text repeats the name (华盛橡胶's item never says 广饶县, 港区 names
        东营港经济开发区). Built once per item (it is read for every item a question reads)."""
        if doc not in self._known_cache:
            item = self.index.items[doc]
            names = [n for n, d in self._districts.items() if d == item.district and CJK.search(n)]
            self._known_cache[doc] = " ".join([item.text, item.district, *names])
        return self._known_cache[doc]

    def _names(self, text: str) -> list[str]:
        """The places and organisations `text` names: jieba's tags, and the roundup's district
        names wherever they stand (jieba tags 垦利区 at the head of 垦利区有多少名党员… as no place)."""
        districts = [d for d in self._districts if CJK.search(d) and d in text]
        return list(dict.fromkeys([*self.retriever.tokenizer.names(text), *districts]))

    def _missing_english_names(self, text: str, item_text: str) -> tuple[str, ...]:
        """The English names of the question (Peking University) whose every Chinese term
        is a place or organisation (jieba's tags, as for a Chinese question) that neither the
        item nor the roundup's intro mentions."""
        missing = []
        for phrase, terms in self.index.bridge.named(text):
            named = all(self._names(t) for t in terms)
            if named and len(missing_names(terms, item_text, self._roundup_text)) == len(terms):
                missing.append(phrase)
        return tuple(missing)

    def covers(self, doc: int, query: LexicalQuery, lang: str) -> bool:
        """Whether item `doc` covers enough of the question not to be refused for it (the
        coverage rule alone, before reading: a list skips reading what it would refuse)."""
        if not self.config.abstain:
            return True
        cov, _ = coverage(
            query.groups,
            self._known(doc),
            self.retriever.backend.idf,
            self._unknown_idf,
            self._everyday,
        )
        return cov is None or cov >= thresholds(self.config, lang)[0]

    def refusal(self, signals: Signals, lang: str) -> str | None:
        """Why the roundup does not answer, or None to answer (abstain.decide)."""
        if not self.config.abstain:
            return None
        min_coverage, min_margin, overrule = thresholds(self.config, lang)
        return decide(signals, min_coverage, min_margin, overrule)

    def _holds_type(self, doc: int, analysis: Analysis, span: Span) -> bool | None:
        """Whether the answer can be of the expected type: the rules' span is a candidate of
        it; for the reader, the item holds a candidate the expected type accepts, judged only
        for dates and numbers. Names have no reliable pattern: on the MRC held-out slice the
        rule refused 39 of 293 answerable questions, most of them 谁/哪/什么; on
        eval/questions.jsonl keeping it for numbers only lost one refusal (issue 12 notes).
        With `reader_type_refusal` it is judged on the reader's span itself (after
        typed_alternative): a reader that finds no amount in the item does not answer
        "how much" with a place. Amounts of money always are (`reader_money_refusal`):
        their candidates carry a currency, so 160多个国家和地区 is no 年销售收入.
        A "how many" question that names what it counts by its unit (多少户, how many
        households) needs a count in that unit (or one that begins with it: 人次 for 人): the
        item's 23个 compounds do not say how many households."""
        expected = analysis.type
        if self.model is None:
            return span.type != "clause"
        if expected not in SNAP_TYPES:
            return None
        if self.config.reader_type_refusal or (expected == "money" and self.config.reader_money_refusal):
            return ACCEPTS[expected].get(span.type, 0) > 0
        cands = [c for c in self.candidates(doc) if ACCEPTS[expected].get(c.type, 0) > 0]
        if analysis.units and self.config.reader_unit_refusal:
            return any(in_units(c.text, analysis.units) for c in cands)
        return bool(cands)
