"""The pipeline: question -> BM25 + dense retrieval -> fusion -> answer span -> citation."""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .build import build_index, remove_scratch, scratch_prefix
from .chinese import CJK, CJK_CHARS, LATIN, to_simplified
from .config import Config
from .corpus.parse import Corpus, load_corpus
from .dialogue import lists
from .dialogue.follow import FollowUp, Turn, leaning_on, read_follow_up
from .dialogue.kind import SPAN, Kind, headed_run, read_kind, small_talk
from .milvus import MilvusIndex
from .reader.answerer import IN_FLIGHT, Answerer
from .reader.gloss import gloss
from .reader.model import shared_reader
from .reader.question import analyze, asks_district
from .reader.render import render
from .reader.span import SNAP_TYPES
from .records import Answer, Citation, FusedHit, Hit, Item, Part, Passage
from .retrieval.backend import FilesBackend, SearchBackend
from .retrieval.embedder import Embedder
from .retrieval.hybrid import HybridRetriever, LexicalQuery, RetrievalSettings
from .retrieval.tokenizer import STOPWORDS_EN
from .store import (
    IndexNotReady,
    Places,
    StoredIndex,
    index_version,
    load_index,
    read_manifest,
    save_index,
    staleness,
)
from .timing import Stopwatch

log = logging.getLogger(__name__)

_CONTENT = re.compile(rf"[\w{CJK_CHARS}]")
TOP_K_MAX = 50  # passages one answer may return


class InputError(ValueError):
    """A request `RoundupQA.ask` does not take, whichever door it came through: `field` names
    what to fix, the message says how; `status` is what the HTTP API answers with."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.status = field, status


class RoundupQA:
    """Answers questions about a roundup from a built index.

    `RoundupQA.load("index")` checks the index against its corpus and config (rebuilding a
    missing or stale one when allowed); `ask()` returns an `Answer` record.
    """

    def __init__(
        self,
        index: StoredIndex,
        config: Config | None = None,
        embedder: Embedder | None = None,
        backend: SearchBackend | None = None,
    ) -> None:
        self.config = config or Config()
        self.embedder = embedder or _embedder(self.config)
        self.reader = (
            shared_reader(self.config.reader_precision).prefetch() if self.config.reader == "model" else None
        )
        self._following = threading.Lock()
        self._pinned = threading.local()
        self._engine = self._engine_for(index, backend or files_backend(index, self.config))

    def _engine_for(self, index: StoredIndex, backend: SearchBackend) -> _Engine:
        """What answers from `index` (the catalogue: items, clauses, bridge …) searched by `backend`."""
        c = self.config
        settings = RetrievalSettings(
            candidates=c.candidates, dense_clause_weight=c.dense_clause_weight, bridge=c.bridge,
            fusion=c.fusion, rrf_k=c.rrf_k, weight_bm25=c.weight_bm25, weight_dense=c.weight_dense,
        )  # fmt: skip
        retriever = HybridRetriever(index.tokenizer, index.bridge, backend, settings)
        districts = index.districts
        names = index.manifest.places.district_names(districts)
        by_citation = {(it.source, it.number): it for it in index.items}
        return _Engine(
            index,
            backend,
            retriever,
            Answerer(index, retriever, c, self.reader),
            districts,
            names,
            by_citation,
        )

    # a question reads one engine throughout, even if a new index version arrives meanwhile
    def _now(self) -> _Engine:
        return getattr(self._pinned, "engine", None) or self._engine

    index = property(lambda self: self._now().index)
    backend = property(lambda self: self._now().backend)
    retriever = property(lambda self: self._now().retriever)
    answerer = property(lambda self: self._now().answerer)
    tokenizer = property(lambda self: self._now().retriever.tokenizer)
    _district_names = property(lambda self: self._now().district_names)

    def _follow(self) -> None:
        """A Milvus reader picks up a new index version (a rebuild's alias switch) without a restart."""
        engine = self._engine
        changed = getattr(engine.backend, "changed", None)
        if changed is None or not changed():
            return
        with self._following:
            if self._engine is not engine:  # another thread moved on already
                return
            self._engine = self._engine_for(*engine.backend.store.open(self.config.model))
            log.info(
                "now answering from index version %s (was %s)",
                self._engine.backend.version,
                engine.backend.version,
            )

    # ------------------------------------------------------------------ loading
    @classmethod
    def build(
        cls,
        corpus: str | Path = "corpus",
        index: str | Path = "index",
        config: Config | None = None,
        embedder: Embedder | None = None,
        progress: bool = True,
    ) -> RoundupQA:
        """Parse `corpus`, embed it and write the index to `index`.

        Passages the index at `index` already embedded with the same model are reused.
        """
        corpus_dir = Path(corpus)
        return cls._build(load_corpus(corpus_dir), corpus_dir, Path(index), config, embedder, progress)

    @classmethod
    def _build(
        cls, corpus: Corpus, corpus_dir: Path, index: Path, config: Config | None, embedder, progress: bool
    ) -> RoundupQA:
        config = config or Config()
        embedder = embedder or _embedder(config)
        try:
            previous = load_index(index)
        except IndexNotReady:
            previous = None
        index.parent.mkdir(parents=True, exist_ok=True)
        try:
            stored = build_index(
                corpus, corpus_dir, config, embedder, progress, previous, scratch=scratch_prefix(index)
            )
            save_index(stored, index)
        finally:
            remove_scratch(index)
        if config.backend == "milvus":  # the files were the staging; Milvus is what answers
            store = MilvusIndex(config.milvus_uri, config.milvus_collection)
            log.info("%s", store.sync(stored, config.bm25_k1, config.bm25_b, config.bm25_delta))
            stored, backend = store.open(config.model)
            return cls(stored, config, embedder, backend)
        return cls(stored, config, embedder)

    @classmethod
    def load(
        cls,
        index: str | Path = "index",
        corpus: str | Path | None = None,
        config: Config | None = None,
        embedder: Embedder | None = None,
        rebuild: bool = True,
        progress: bool = True,
    ) -> RoundupQA:
        """Load the index at `index`, checked against `corpus` (default: the one it was built from).

        A missing, damaged or stale index is rebuilt when `rebuild` is true; otherwise
        `IndexNotReady` explains what is wrong and which command fixes it.
        """
        config = config or Config()
        if config.backend == "milvus":  # a replica: it reads the Milvus index, never builds it
            store = MilvusIndex(config.milvus_uri, config.milvus_collection)
            stored, backend = store.open(config.model)
            return cls(stored, config, embedder, backend)
        index_dir = Path(index)
        corpus_dir = Path(corpus) if corpus is not None else None
        try:
            manifest = read_manifest(index_dir)
        except IndexNotReady:
            if not rebuild:
                raise
            corpus_dir = corpus_dir or Path("corpus")
            log.warning("no usable index at %s: building it from %s", index_dir, corpus_dir)
            return cls.build(corpus_dir, index_dir, config, embedder, progress)
        if corpus_dir is None:
            corpus_dir = Path(manifest.corpus.path)
        if corpus_dir.is_dir():
            corpus_now = load_corpus(corpus_dir)
            reasons = staleness(manifest, corpus_now, corpus_dir, config)
            if reasons:
                if not rebuild:
                    raise IndexNotReady(
                        f"the index at {index_dir} is stale ({'; '.join(reasons)}): run "
                        f"`roundup-qa build --corpus {corpus_dir} --index {index_dir}`"
                    )
                log.warning("index at %s is stale (%s): rebuilding", index_dir, "; ".join(reasons))
                return cls._build(corpus_now, corpus_dir, index_dir, config, embedder, progress)
        else:
            log.warning("corpus %s not found: answering from the index as built", corpus_dir)
        try:
            stored = load_index(index_dir)
        except IndexNotReady:
            if not (rebuild and corpus_dir.is_dir()):
                raise
            log.warning("index at %s is damaged: rebuilding", index_dir)
            return cls.build(corpus_dir, index_dir, config, embedder, progress)
        return cls(stored, config, embedder)

    def close(self) -> None:
        """Let go of what the index holds open: a Milvus connection and, for a milvus-lite
        .db, its in-process server (left to the interpreter's exit, it aborted the process
        after a successful build in 2 of 6 runs). Nothing to do for the files backend."""
        store = getattr(self.backend, "store", None)
        if store is not None and hasattr(store, "close"):
            store.close()

    def warm_up(self) -> RoundupQA:
        """Load the query encoder and jieba now rather than on the first question."""
        self.embedder.load_query_encoder()
        self.tokenizer.tokenize("预热")
        if self.config.coverage_everyday_reference > 0:
            self.tokenizer.general_idf("预热")
        if self.reader is not None:
            self.reader.load()
        return self

    @property
    def districts(self) -> list[str]:
        """Districts in corpus order (for a filter)."""
        return list(self._now().districts)

    # ---------------------------------------------------------------- answering
    def ask(
        self,
        question: str,
        top_k: int = 5,
        district: str | None = None,
        profile: dict[str, float] | None = None,
        history: list | None = None,
    ) -> Answer:
        """Answer `question` from the roundup, citing the item the span was copied from.

        `district` (Chinese or English name) limits the search to that district's items.
        `history`: the conversation's earlier turns, oldest first, each `{"question": ...,
        "item": n or None}` (or `Turn`); a follow-up is read against the last one (`read_as`
        says how), a question standing on its own is answered as without it.
        Raises `InputError` (a ValueError) for input outside the limits (`check`).
        `profile`, when given, receives the seconds spent in each stage (for `roundup-qa bench`).
        """
        watch = Stopwatch(profile)
        self._follow()
        self._pinned.engine = self._engine
        try:
            text, notes, district = self.check(question, top_k, district)
            turns = self.check_history(history)
            with _one_blas_thread(), IN_FLIGHT:
                return self._converse(text, notes, top_k, district, turns, watch)
        finally:
            self._pinned.engine = None

    def _converse(
        self,
        text: str,
        notes: list[str],
        top_k: int,
        district: str | None,
        turns: list[Turn],
        watch: Stopwatch,
    ) -> Answer:
        """The question read against the conversation (dialogue/follow.py) and for its kind
        (dialogue/kind.py), then answered: items to browse, a list, or one span. A question
        in Traditional Chinese is read in Simplified, as the roundup is written, and English
        words in a Chinese question in Chinese where the bridge knows them (`read_as`)."""
        typed, text = text, to_simplified(text)
        lang = detect_language(text)
        readings = ["read in Simplified Chinese"] if text != typed else []
        if lang == "zh" and LATIN.search(text) and self.config.bridge:  # 华盛橡胶的brand value是多少?
            mixed, text = text, self.index.bridge.switch_runs(text)
            readings += ["its English words in Chinese"] if text != mixed else []
        talk = small_talk(text)
        if talk is not None:
            return Answer(question=typed, answer=None, citation=None, lang=lang, notes=notes,
                          reason=talk)  # fmt: skip
        follow = self._follow_up(text, lang, turns)
        asked = follow.question if follow else text
        pinned = follow.item if follow else None
        if follow is not None and follow.district and district is None:
            district = follow.district  # the same question of another district: asked there
        kind = SPAN if pinned is not None else self.kind(asked, lang)
        leaning = leaning_on(text, lang) if follow is None and kind.kind == "span" else None
        if leaning is not None:  # "那垦利区呢?", "What about Wanda Group?" with no turn to lean on
            kind = self.kind(leaning, lang)
            if kind.kind != "items":  # "And the investment?": of what, nothing says
                return Answer(
                    question=typed, answer=None, citation=None, lang=lang, notes=notes,
                    reason=f"the question leans on an earlier turn ({leaning}: of what?), and none says: ask it whole",
                )  # fmt: skip
            asked = leaning  # a name alone: its items, as if it were asked bare
        if kind.kind == "items":
            answer = self._browse(asked, kind, lang, notes, district, top_k)
        elif kind.date:
            answer = self._on_date(asked, kind, lang, notes, district, top_k)
        else:
            answer = self._ask(
                asked, notes, top_k, district, watch, pinned, kind if kind.kind == "list" else None
            )
            if answer.answer is None and district and answer.signals is not None:
                # only one district was searched: say whether the rest of the roundup answers
                elsewhere = _unnamed(asked, district, self.index.manifest.places)
                rest = self._ask(elsewhere, [], top_k, None, Stopwatch(None), pinned)
                answer.notes.append(_outside(district, rest, self.index.manifest.places.districts_en))
        if follow is None:
            if text == typed:
                return answer
            return replace(answer, question=typed, read_as=text, why="; ".join(
                part for part in (*readings, answer.why) if part))  # fmt: skip
        return replace(answer, question=typed, read_as=follow.question, why="; ".join(
            part for part in (f"read as a follow-up ({follow.why})", answer.why) if part))  # fmt: skip

    def _follow_up(self, text: str, lang: str, turns: list[Turn]) -> FollowUp | None:
        """`text` read against the conversation (dialogue/follow.py), its last turn as that
        turn was read in its own time: a follow-up of a follow-up (那万达集团呢? after 品牌强度呢?
        after 华盛橡胶的品牌价值是多少?) leans on what the last turn stood for (华盛橡胶的品牌强度?),
        not on its words alone. Stateless: each earlier turn is read against the ones before it."""
        if not turns or len(_CONTENT.findall(text)) < 1:
            return None
        if len(turns) > 1:
            earlier = turns[:-1]
            last = self._follow_up(turns[-1].question, detect_language(turns[-1].question), earlier)
            if last is not None:
                turns = [*earlier, Turn(last.question, turns[-1].item)]
        follow = read_follow_up(
            text, lang, turns, self.index.items, self._district_names, self._holds, self._common
        )
        if follow is None:
            return None
        return replace(follow, question=follow.question[: self.config.max_question_chars])

    def _holds(self, words: str, item) -> bool:
        """Whether `item` holds every word of `words` (nothing at all, "When?" less its question
        word, is held)."""
        if not _CONTENT.search(words):
            return True
        groups = [g for g in self.retriever.lexical_query(words).groups if g]
        return bool(groups) and all(any(t in item.text for t in g) for g in groups)

    def _common(self, words: str) -> bool:
        """Whether every word of `words` is one `follow_common_share` of the items or more use
        (and there is one): words that name nothing of their own."""
        groups = [g for g in self.retriever.lexical_query(words).groups if g]
        least = self.config.follow_common_share * len(self.index.items)
        return bool(groups) and all(
            sum(any(t in it.text for t in g) for it in self.index.items) >= least for g in groups
        )

    def kind(self, text: str, lang: str | None = None) -> Kind:
        """What kind of answer `text` asks for (dialogue/kind.py); a topic to browse whose words
        ask for a date or a number is a question ("Show me the brand value of …": money)."""
        lang = lang or detect_language(text)
        kind = read_kind(text, lang, self._district_names, self._names_something)
        if kind.kind == "items" and kind.topic and analyze(text, lang).type in SNAP_TYPES:
            return SPAN
        return kind

    def _names_something(self, words: str, cued: bool = False) -> bool:
        """Whether `words` name something the roundup mentions: Chinese words an item holds
        as written; English ones the bridge translates whole, held by an item when the bridge
        reads them as one name, else by two or more (a topic, not keywords of one fact). When
        the question asks to browse them (`cued`: "tell me about the dragon boat race", 风电项目
        的新闻), one item holding each of their words is enough."""
        items = self.index.items
        if CJK.search(words) and not LATIN.search(words):
            if len(words) >= 2 and any(words in it.text for it in items):
                return True
            return cued and bool(self._holding(self.retriever.lexical_query(words)))
        groups, unknown = self.index.bridge.translate(words)
        if not groups or unknown:
            return False
        return len(self._holding(self.retriever.lexical_query(words))) >= (
            1 if cued or len(groups) == 1 else 2
        )

    def _holding(self, query) -> list[int]:
        """The items holding some alternative of every Chinese word group of `query`."""
        groups = [g for g in query.groups if g]
        if not groups:
            return []
        return [
            d for d, it in enumerate(self.index.items) if all(any(t in it.text for t in g) for g in groups)
        ]

    def _browse(
        self, text: str, kind: Kind, lang: str, notes: list[str], district: str | None, top_k: int
    ) -> Answer:
        """Items to browse: every item (by district, corpus order), a district's, or those
        that mention a topic; each cited by its title, no span."""
        items = self.index.items
        docs = list(range(len(items)))
        within = kind.district or district
        if within:
            docs = [d for d in docs if items[d].district == within]
        if kind.topic:
            topic = kind.topic
            held = (
                [d for d in docs if topic in items[d].text]
                if CJK.search(topic) and not LATIN.search(topic)
                else []
            )
            docs = held or [d for d in self._holding(self.retriever.lexical_query(topic)) if d in set(docs)]
        if kind.everything:  # grouped by district, in the order the roundup has them
            order = {d: k for k, d in enumerate(self.districts)}
            docs.sort(key=lambda d: (order.get(items[d].district, len(order)), d))
        parts = [self._titled(items[d], lang) for d in docs]
        if not parts:
            return Answer(question=text, answer=None, citation=None, lang=lang, notes=notes, why=kind.why,
                          reason=f"no item of the roundup mentions {kind.topic or within}")  # fmt: skip
        passages = [self._passage(FusedHit(d, 0.0, {"bm25": None, "dense": None})) for d in docs[:top_k]]
        return Answer(question=text, answer=None, citation=None, passages=passages, lang=lang, notes=notes,
                      why=kind.why, reason=f"{len(parts)} items", kind="items", parts=parts)  # fmt: skip

    def _on_date(
        self, text: str, kind: Kind, lang: str, notes: list[str], district: str | None, top_k: int
    ) -> Answer:
        """Which districts had news on a day (`kind.date`): every item whose text gives that
        date, each answered by its own mention of its district, else by its title."""
        items = self.index.items
        docs = [d for d, it in enumerate(items) if kind.date in it.text and district in (None, it.district)]
        if not docs:
            return Answer(question=text, answer=None, citation=None, lang=lang, notes=notes, why=kind.why,
                          reason=f"no item of the roundup is dated {kind.date}")  # fmt: skip
        parts = [self._district_part(self._titled(items[d], lang, answer=items[d].title)) for d in docs]
        first = parts[0]
        passages = [self._passage(FusedHit(d, 0.0, {"bm25": None, "dense": None})) for d in docs[:top_k]]
        return Answer(
            question=text, answer=first.answer, citation=first.citation, answer_en=first.answer_en,
            district_en=first.district_en, title_gloss=first.title_gloss, passages=passages, lang=lang,
            notes=notes, why=kind.why, reason=f"{len(parts)} items dated {kind.date}",
            kind="list" if len(parts) > 1 else "span", parts=parts,
        )  # fmt: skip

    def _titled(self, item: Item, lang: str, answer: str | None = None) -> Part:
        """A part citing `item` by its title: browsed (`answer` None), or answered by it."""
        return Part(
            answer, Citation(item.source, item.number, item.title, item.district, 0, len(item.title)),
            district_en=self.index.manifest.places.districts_en.get(item.district),
            title_gloss=self.gloss(item.title) if lang == "en" else None,
        )  # fmt: skip

    def check_history(self, history: object) -> list[Turn]:
        """The conversation's earlier turns, checked like every other input: a list of
        `{"question": text, "item": number or null}` (or `Turn`), at most `history_turns`
        (the last ones are kept). Raises InputError naming the field."""
        if history is None:
            return []
        if not isinstance(history, (list, tuple)):
            raise InputError("history", f"history must be a list of turns, not {type(history).__name__}")
        turns = []
        for k, turn in enumerate(list(history)[-self.config.history_turns :]):
            if isinstance(turn, Turn):
                turn = {"question": turn.question, "item": turn.item}
            where = f"history[{k}]"
            if not isinstance(turn, dict) or not isinstance(turn.get("question"), str):
                raise InputError("history", f'{where} must be {{"question": text, "item": number or null}}')
            extra = set(turn) - {"question", "item"}
            if extra:
                raise InputError("history", f"{where} has unknown fields {sorted(extra)}")
            item = turn.get("item")
            if item is not None and (isinstance(item, bool) or not isinstance(item, int)):
                raise InputError("history", f"{where}.item must be an item number or null, not {item!r}")
            question, _ = clean_question(turn["question"])
            turns.append(Turn(to_simplified(question[: self.config.max_question_chars]), item))
        return turns

    def check(
        self, question: object, top_k: int = 5, district: str | None = None
    ) -> tuple[str, list[str], str | None]:
        """The input limits, one place for every door (Python, CLI, chat, HTTP API): the
        cleaned question (at most `max_question_chars`), top_k from 1 to TOP_K_MAX, and a
        district the index knows (Chinese or English name; returned in Chinese). Raises
        InputError naming the field."""
        limit = self.config.max_question_chars

        def too_long(n: int) -> InputError:
            return InputError("question", f"the question is {n} characters; the limit is {limit}", 413)

        if question is not None and not isinstance(question, str):
            raise InputError("question", f"the question must be text, not {type(question).__name__}")
        if isinstance(question, str) and len(question) > 16 * limit:  # too long to be worth cleaning
            raise too_long(len(question))
        text, notes = clean_question(question)
        if len(text) > limit:
            raise too_long(len(text))
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= TOP_K_MAX:
            raise InputError("top_k", f"top_k must be a whole number from 1 to {TOP_K_MAX}, not {top_k!r}")
        if district is not None and not isinstance(district, str):
            raise InputError("district", f"district must be a name, not {district!r}")
        if district and district.strip():
            name = to_simplified(district.strip())
            found = self._district_names.get(name) or self._district_names.get(name.lower())
            if found is None:
                english = self.index.manifest.places.districts_en
                known = ", ".join(_named(d, english) for d in self.districts) or "none"
                raise InputError("district", f"unknown district {district!r}; known: {known}")
            return text, notes, found
        return text, notes, None

    def _query_vector(self, text: str, lang: str) -> np.ndarray:
        """The question's dense vector: an English one as typed, code-switched by the bridge,
        or the normalised mean of both (`dense_query_en`)."""
        mode = self.config.dense_query_en
        if lang != "en" or mode == "question" or not self.config.bridge:
            return self.embedder.encode_queries([text])[0]
        switched = self.index.bridge.code_switch(text)
        if mode == "switched" or switched == text:  # nothing switched: one encoding, not two alike
            return self.embedder.encode_queries([switched])[0]
        both = self.embedder.encode_queries([text, switched]).sum(axis=0)
        return both / np.linalg.norm(both)

    def _ask(
        self, text: str, notes: list[str], top_k: int, district: str | None, watch: Stopwatch,
        pinned: int | None = None, listing: Kind | None = None,
    ) -> Answer:  # fmt: skip
        """One question answered: retrieval, fusion, reading, refusal. `pinned`: the item
        number a follow-up is read in (only it is read); `listing`: a "which ones" question,
        answered by every answering item of the first `list_depth` when two or more answer."""
        c = self.config
        lang = detect_language(text)
        content = _CONTENT.findall(text)
        if not content:
            return Answer(
                question=text, answer=None, citation=None, reason="empty question", lang=lang, notes=notes
            )
        if len(content) < 2:  # "我", "1", "x": nothing a question can be read from
            return Answer(
                question=text, answer=None, citation=None, lang=lang, notes=notes,
                reason="the question is one character: too short to read",
            )  # fmt: skip

        if lang == "en" and pinned is None and not _asks_of_something(text):  # "When?", "What time is it?"
            return Answer(
                question=text, answer=None, citation=None, lang=lang, notes=notes,
                reason="the question names nothing to look up",
            )  # fmt: skip
        watch.lap("clean")
        question, text = text, text[: c.read_question_chars]  # what the models read is capped
        query = self.retriever.lexical_query(text)
        searched = self.retriever.shown_terms(query)
        analysis = analyze(text, lang)
        rankings: dict[str, list[Hit]] = {}
        watch.lap("query")  # tokenise, English bridge, question type
        if c.retrieval in ("hybrid", "bm25"):
            rankings["bm25"] = self.retriever.bm25(query, district)
        early = self.answerer.read_early(rankings.get("bm25"), text, lang, searched)
        watch.lap("bm25")
        qvec = self._query_vector(text, lang)  # the span scorer uses it in every mode
        watch.lap("embed")
        if c.retrieval in ("hybrid", "dense"):
            rankings["dense"] = self.retriever.dense_search(qvec, district)
        watch.lap("dense")
        fused = self.retriever.fuse(rankings)
        if pinned is not None:
            fused = _pinned(fused, self.index.items, pinned)
        watch.lap("fusion")
        passages = [self._passage(h) for h in fused[:top_k]]
        if not fused:
            return Answer(
                question=question, answer=None, citation=None, passages=passages, lang=lang, searched_for=searched,
                reason="no item of the roundup shares a word with the question", notes=notes,
            )  # fmt: skip
        read = self.answerer.read(fused, text, lang, query, searched, analysis, qvec, early)
        watch.lap("span")
        common = dict(
            question=question, passages=passages, lang=lang, searched_for=searched, notes=notes,
            expected_type=analysis.type, why=analysis.why,
        )  # fmt: skip
        if listing is None:
            answer = self._answered(read, text, lang, query, analysis, common)
            if answer.parts and c.district_answer and asks_district(text, lang):
                answer = self._district_answer(answer)
            if pinned is not None and answer.answer is None:
                answer = replace(
                    answer, reason=f"read in item #{pinned}, the one the last turn cited: {answer.reason}"
                )
            watch.lap("abstain")
            return answer
        variants = listing.alternatives(self.retriever.tokenizer.words(text))
        # what the refusal rules read: the topic, or the one of its alternatives the item covers
        abouts = [self.retriever.lexical_query(listing.topic_of(q)) for q in (text, *variants)]

        covered: dict[int, object] = {}  # item -> the first of `abouts` it covers (None: none)
        rarest = self._rarest_word(abouts[0]) if c.list_rarest_word else None

        def covering(doc: int):
            if doc not in covered:
                covered[doc] = next((a for a in abouts if self.answerer.covers(doc, a, lang)), None)
                if (
                    covered[doc] is None
                    and rarest
                    and any(t in self.index.items[doc].text for t in rarest.terms)
                ):
                    covered[doc] = rarest
            return covered[doc]

        def about(doc: int):
            return covering(doc) or abouts[0]

        answer = self._answered(read, text, lang, about(read.hit.doc), analysis, common)
        parts = list(answer.parts)
        further = [(rank, h) for rank, h in enumerate(fused[: c.list_depth], 1) if h.doc != read.hit.doc]
        weights = c.list_weights[lists.group(lang, listing.asks_district)]

        # a further item's parts: its span, or (the best item refused) what a single answer's rules pass
        def judged(r) -> list[Part]:
            if answer.parts:
                return self._spanned(r, lang, analysis, common).parts
            return self._answered(r, text, lang, about(r.hit.doc), analysis, common).parts

        reading = (query, searched, analysis, qvec, variants, district)
        for candidate, found in self._list_candidates(
            further, text, lang, listing, reading, covering, judged, weights
        ):
            if lists.score(candidate, weights) > 0:
                parts += found
        if listing.day:  # a day named: only an item giving that date answers
            dated = [p for p in parts if listing.day in self._item_of(p.citation).text]
            if parts and not dated:
                return replace(
                    answer, answer=None, citation=None, answer_en=None, district_en=None, answer_gloss=None,
                    title_gloss=None, kind="refusal", parts=[],
                    reason=f"no item that answers is dated {listing.day}: {answer.reason or 'read as any list'}",
                )  # fmt: skip
            parts = dated
        if listing.asks_district:
            parts = [self._district_part(p) for p in parts]
        elif listing.heads:
            parts = [self._headed_part(p, listing.heads, lang) for p in parts]
        watch.lap("list")
        if not parts or parts == answer.parts:  # a single answer as read, or its refusal
            return answer
        first, several = parts[0], len(parts) > 1  # one answering item: a single answer
        reason = answer.reason or ""
        if not answer.parts:  # the best item refused, a further one answers
            reason = f"item #{first.citation.item} answers; the best item does not ({reason})"
        return replace(
            answer, answer=first.answer, citation=first.citation, answer_en=first.answer_en,
            district_en=first.district_en, answer_gloss=first.answer_gloss, title_gloss=first.title_gloss,
            kind="list" if several else "span", parts=parts,
            reason=(f"{len(parts)} items answer; " if several else "") + reason,
        )  # fmt: skip

    def _list_candidates(
        self, hits: list[tuple[int, FusedHit]], text: str, lang: str, listing: Kind, reading: tuple, covering,
        judged, weights: tuple[float, ...] | None = None,
    ) -> list[tuple[lists.Candidate, list[Part]]]:  # fmt: skip
        """The further items of a list question (with their fused ranks) that `judged` lets
        through (a reading's parts; none when refused), as scored candidates (dialogue/lists.py)
        with their parts. With `weights`, an item that would not score above 0 at
        `lists.HOPEFUL_MARGIN` is not read."""
        if not hits:
            return []
        query, searched, analysis, qvec, variants, district = reading
        topic = listing.topic_of(text)
        tvec = qvec if topic == text else self._query_vector(topic, lang)
        near = {h.doc: h.score for h in self.retriever.dense_search(tvec, district)}
        best, worst = max(near.values()), min(near.values())
        unread = [
            lists.Candidate(h.doc, rank, best - near.get(h.doc, worst), None, covering(h.doc) is not None)
            for rank, h in hits
        ]
        if weights is not None:
            unread = [u for u in unread if lists.score(replace(u, margin=lists.HOPEFUL_MARGIN), weights) > 0]
        by_doc = {h.doc: h for _, h in hits}
        reads = self.answerer.read_each(
            [by_doc[u.doc] for u in unread], text, lang, query, searched, analysis, qvec, variants
        )
        scored = ((replace(u, margin=r.margin), judged(r)) for u, r in zip(unread, reads, strict=True))
        return [(candidate, found) for candidate, found in scored if found]

    def _rarest_word(self, about: LexicalQuery) -> LexicalQuery | None:
        """A list topic's rarest word (by idf, with its alternatives) as a query of its own: an
        item holding it is about the topic although it words the rest otherwise (第一议题 in
        县委常委会将…列为“第一议题”, asked 哪些县区落实了“第一议题”制度?). A word no item holds
        is the rarest of all: then none (哪些县区举办了马拉松比赛? was covered by its 举办)."""
        backend = self.retriever.backend
        if not about.groups or any(not any(backend.knows(t) for t in g) for g in about.groups):
            return None
        idf = backend.idf
        group = max(about.groups, key=lambda g: max((idf(t) for t in g), default=0.0))
        return LexicalQuery(list(group), {t: about.weights.get(t, 1.0) for t in group}, [group])

    def _answered(self, read, text: str, lang: str, query, analysis, common: dict) -> Answer:
        """The answer from one reading: refused (the signals and rules of abstain.py), or
        its span with the citation."""
        signals = self.answerer.signals(read, text, query, analysis)
        refusal = self.answerer.refusal(signals, lang)
        if refusal:
            return Answer(answer=None, citation=None, reason=refusal, signals=signals, **common)
        return self._spanned(read, lang, analysis, common, signals)

    def _spanned(self, read, lang: str, analysis, common: dict, signals=None) -> Answer:
        """The reader's span of one reading as an answer with its citation (no refusal read)."""
        item = self.index.items[read.hit.doc]
        span = read.span
        citation = Citation(item.source, item.number, item.title, item.district, span.start, span.end)
        answer = item.text[span.start : span.end]
        districts_en = self.index.manifest.places.districts_en
        english = render(answer, analysis.type if span.type == "span" else span.type, districts_en)
        return Answer(
            answer=answer,
            citation=citation,
            reason=span.reason,
            answer_type=span.type,
            answer_en=english,
            district_en=districts_en.get(item.district),
            answer_gloss=self.gloss(answer) if lang == "en" and english is None else None,
            title_gloss=self.gloss(item.title) if lang == "en" else None,
            signals=signals,
            **common,
        )

    def _district_answer(self, answer: Answer) -> Answer:
        """A single answer to "which district / county": the item's own mention of its
        district (`_district_part`) where the reader's span is none."""
        part = answer.parts[0]
        district = part.citation.district
        said = part.answer or ""
        if district and said in district and (said == district or said in self.index.manifest.places.names):
            return answer  # the reader's span already names the district
        named = self._district_part(part)
        if named is part:
            return answer
        return replace(
            answer, answer=named.answer, citation=named.citation, answer_en=named.answer_en,
            answer_gloss=None, parts=[named],
            reason=f"{answer.reason}; the question asks which district: the item's own mention of it",
        )  # fmt: skip

    def _item_of(self, citation: Citation) -> Item | None:
        return self._now().by_citation.get((citation.source, citation.item))

    def _headed_part(self, part: Part, heads: tuple[str, ...], lang: str) -> Part:
        """A part naming partners of several kinds narrowed to those the list asks for
        (dialogue/kind.py `headed_run`); else the part as read."""
        c = part.citation
        item = self._item_of(c)
        run = headed_run(item.text, c.start, c.end, heads) if item and part.answer else None
        if run is None:
            return part
        answer = item.text[run[0] : run[1]]
        return replace(
            part, answer=answer, citation=replace(c, start=run[0], end=run[1]), answer_en=None,
            answer_gloss=self.gloss(answer) if lang == "en" else None,
        )  # fmt: skip

    def _district_part(self, part: Part) -> Part:
        """A part answering "which districts": where the item's text names its district (in
        full, or by a shorter name of it: 开发区 for 东营经济技术开发区, 河口 for 河口区), the
        span is the first such mention; else the part as read."""
        c = part.citation
        item = self._item_of(c)
        mention = (
            _mention(item.text, item.district, self.index.manifest.places) if item and item.district else None
        )
        if mention is None:
            return part
        at, end = mention
        citation = replace(part.citation, start=at, end=end)
        return replace(
            part, answer=item.text[at:end], citation=citation, answer_en=part.district_en, answer_gloss=None
        )

    def gloss(self, text: str) -> str | None:
        """A word-by-word English gloss of Chinese `text` (reader/gloss.py): display only."""
        return gloss(text, self.index.lexicon)

    def _passage(self, hit: FusedHit) -> Passage:
        it = self.index.items[hit.doc]
        ranks = {"bm25": hit.ranks.get("bm25"), "dense": hit.ranks.get("dense")}
        return Passage(it.source, it.number, it.title, it.district, round(hit.score, 6), ranks, it.text)


@dataclass(frozen=True)
class _Engine:
    index: StoredIndex
    backend: SearchBackend
    retriever: HybridRetriever
    answerer: Answerer
    districts: list[str]  # in corpus order
    district_names: dict[str, str]
    by_citation: dict[tuple[str, int], Item]  # (source file, item number) -> the item


# words that say what kind of answer is asked, naming nothing it is asked of
_ASKED_ONLY_EN = frozenset("time date day year month old long far".split())


def _asks_of_something(text: str) -> bool:
    """Whether an English question names anything besides its question words: a word, a
    number or Chinese characters."""
    if CJK.search(text) or re.search(r"\d", text):
        return True
    words = (w.lower() for w in re.findall(r"[A-Za-z]+", text))
    return any(w not in STOPWORDS_EN and w not in _ASKED_ONLY_EN for w in words)


def _mention(text: str, district: str, places: Places) -> tuple[int, int] | None:
    """Where `text` first names `district`: its full name, else the longest of the
    gazetteer's names that is part of it (开发区, 河口), not inside a name that is no place
    (黄河口)."""
    names = [district] + sorted(
        (n for n in places.names if n in district and n != district), key=len, reverse=True
    )
    for name in names:
        for m in re.finditer(re.escape(name), text):
            inside = ((b, b.find(name)) for b in places.blocked)
            if not any(k >= 0 and m.start() >= k and text.startswith(b, m.start() - k) for b, k in inside):
                return m.start(), m.end()
    return None


def _unnamed(question: str, district: str, places: Places) -> str:
    """The question without the district it names (垦利区受训党员有多少名? -> 受训党员有多少名?;
    Kenli District, Kenli in English), to ask the rest of the roundup: a name left in would
    refuse every item of another district."""
    span = _mention(question, district, places)
    if span is not None:
        return question[: span[0]] + question[span[1] :]
    english = places.districts_en.get(district)
    if not english:
        return question
    short = english.split()[0]
    pattern = rf"\s*\b(?:(?:in|of|for) )?(?:the )?(?:{re.escape(english)}|{re.escape(short)})(?:'s)?\b"
    return re.sub(pattern, "", question, count=1, flags=re.I).strip() or question


def _pinned(fused: list[FusedHit], items, number: int) -> list[FusedHit]:
    """Only the item a follow-up is read in (numbered `number`), as fusion ranked it (or
    unranked when retrieval did not reach it)."""
    docs = [d for d, it in enumerate(items) if it.number == number]
    kept = [h for h in fused if h.doc in docs]
    return kept[:1] or [FusedHit(docs[0], 0.0, {"bm25": None, "dense": None})] if docs else fused


def files_backend(index: StoredIndex, config: Config) -> FilesBackend:
    """The plain-files index as the search backend."""
    c = config
    return FilesBackend(
        index.item_tokens, [it.district for it in index.items], index.dense, index.clauses, index.clause_vectors,
        (c.bm25_variant, c.bm25_k1, c.bm25_b, c.bm25_delta), min(c.sparse_bm25_from_items, c.scale_from_items),
        index_version(index.manifest),
    )  # fmt: skip


def _named(district: str, english: dict[str, str]) -> str:
    """A district with its English name: "河口区 (Hekou District)"."""
    return f"{district} ({english[district]})" if district in english else district


def _outside(district: str, rest: Answer, english: dict[str, str]) -> str:
    """The note on a refusal within one district: what the whole roundup says."""
    name = _named(district, english)
    if rest.answer is None or rest.citation is None:
        return f"only {name} was searched; the rest of the roundup does not say either"
    c = rest.citation
    where = _named(c.district, english) if c.district else "another district"
    return f"only {name} was searched; outside it, item #{c.item} in {where} answers: {rest.answer}"


_blas = None


def _one_blas_thread():
    """numpy's BLAS on one thread while answering. Its idle threads spin for a while after a
    large product and starve the next question's encoder: at 10,000 items the encoder's p50
    went 9.4 -> 21.9 ms (p95 108 ms) after a 125,000-clause product, 9.7 ms on one thread."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


def _embedder(config: Config) -> Embedder:
    threads = config.engine_threads
    if threads == 0 and config.reader == "model" and config.reader_early:
        threads = max(1, (os.cpu_count() or 1) - 1)  # a core for the early reading (Config.engine_threads)
    return Embedder(
        config.model,
        batch_size=config.embed_batch_size,
        query_encoder=config.query_encoder,
        engine_threads=threads,
    )


def clean_question(question: object) -> tuple[str, list[str]]:
    """Printable, trimmed text; notes say what was changed."""
    notes: list[str] = []
    text = question if isinstance(question, str) else ("" if question is None else str(question))
    # lone surrogates cannot be encoded and would crash any later UTF-8 step
    cleaned = text.encode("utf-8", "replace").decode("utf-8")
    cleaned = "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") else " " for ch in cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned, notes


def detect_language(text: str) -> str:
    """ "zh" when the question has Chinese characters and few Latin letters, else "en"."""
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    return "zh" if cjk and cjk * 3 >= latin else ("en" if latin else "zh")
