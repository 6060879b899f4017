"""The index in Milvus: one writer (`MilvusIndex.sync`, run by `roundup-qa build --backend
milvus`), any number of readers (`MilvusIndex.open` -> a catalogue and a `MilvusBackend`).

The same client talks to an embedded milvus-lite file (a URI ending in `.db`) and to a
Milvus server or cluster (`http://host:19530`). Four collections per index version, each
behind an alias `<name>_<kind>`:

    items    id (from the item's key), key, source, number, content hash, district (the
             partition key: a cluster shards by it), the item and its clause spans as JSON,
             `sparse` (the BM25+ term-frequency part, see below) and `dense` (the item vector)
    clauses  id, item id, district, start, end, sentence, vector
    terms    term, sparse dimension, document frequency: global statistics, one row per
             term, so they scale to millions of terms
    meta     the manifest, tokenizer, bridge and lexicon as JSON chunks, the BM25 statistics
             and the version (`corpus hash@build time`)

Scoring is the project's own, so answers match the file backend exactly: BM25+ as sparse
inner products (each item stores tf(k1+1)/(tf+k1(1-b+b·dl/avgdl)), the query carries
idf × the bridge's weight, and δ·Σidf·w is added per query, as `SparseLexicalIndex` does),
dense search over items re-scored with 0.5 × their best clause, and `fusion.py` over both.
Milvus's own BM25 function and WeightedRanker do not reproduce it (the bridge's per-term
weights are lost, arctan normalisation): they disagreed on English questions.

Staleness: another model or dimension, or other tokenizer settings, is a new version
written beside the current one; the meta alias switches last, and a reader follows the
physical collections its meta names, so it never sees half an index. A corpus change is an
incremental sync in place: changed items upserted (one row each), vanished ones deleted
from items and clauses, term frequencies updated. BM25's average document length drifts
with such syncs: the stored sparse vectors keep the length they were written with, and
when the average has moved more than `AVGDL_DRIFT` since, every sparse vector is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .corpus.clauses import ClauseTable
from .records import Hit, Item
from .retrieval.backend import ranked
from .retrieval.bridge import Bridge
from .retrieval.lexicon import Lexicon
from .store import IndexNotReady, Manifest, StoredIndex, index_version

log = logging.getLogger(__name__)

KINDS = ("items", "clauses", "terms", "meta")
AVGDL_DRIFT = 0.05  # past this relative change of the average length, sparse vectors are rewritten
_CHUNK = 16_000  # characters of JSON per meta row (VARCHAR limits bytes; Chinese is 3 bytes)
_PAGE = 4_000  # rows per query page
_QUERY_CAP = 16_384  # Milvus's limit on a query's offset + limit
_BATCH = 1_000  # rows per insert


def row_id(key: str) -> int:
    """A stable 63-bit id for an item key ("file.txt#12") or clause key ("file.txt#12:3")."""
    return int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "big") >> 1


def content_hash(item: Item) -> str:
    return hashlib.sha1(json.dumps(item.to_dict(), ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass
class SyncReport:
    """What a sync changed."""

    version: str
    rebuilt: str = ""  # why everything was written anew ("" for an incremental sync)
    upserted: int = 0  # item rows written
    deleted: int = 0  # item rows removed
    clauses_upserted: int = 0
    clauses_deleted: int = 0
    sparse_rewritten: bool = False
    seconds: float = 0.0

    def __str__(self) -> str:
        how = f"rebuilt ({self.rebuilt})" if self.rebuilt else "synced"
        return (
            f"Milvus index {how}: {self.upserted} items written, {self.deleted} removed, "
            f"{self.clauses_upserted} clauses written, {self.clauses_deleted} removed"
            + ("; every sparse vector rewritten (average length drifted)" if self.sparse_rewritten else "")
            + f"; version {self.version}, {self.seconds:.1f} s"
        )


class MilvusIndex:
    """An index named `name` at `uri` (a `.db` path: embedded milvus-lite; else a server)."""

    def __init__(self, uri: str, name: str = "roundup", timeout: float = 10.0) -> None:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        self.uri, self.name = uri, name
        self._loaded: set[str] = set()
        # the client logs a warning per paged query against milvus-lite (no server timestamp)
        # and an error before raising what we turn into IndexNotReady: ours say it once
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)  # milvus-lite's in-process server
        try:
            self.client = MilvusClient(uri, timeout=timeout)
            self.client.list_collections()
        except (MilvusException, OSError, ValueError) as err:
            hint = (
                " (a milvus-lite .db file is open in one process at a time: for several processes, "
                "serve it with `milvus-lite server` or use a Milvus server)"
                if uri.endswith(".db")
                else ""
            )
            raise IndexNotReady(f"cannot reach Milvus at {uri}: {err}{hint}") from None

    def close(self) -> None:
        """Let go of the connection, and of an embedded .db file (stopping this process's
        milvus-lite server for it, which every client of that file in this process shares)."""
        self.client.close()
        if self.uri.endswith(".db"):
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(self.uri)

    # ------------------------------------------------------------------ names
    def alias(self, kind: str) -> str:
        return f"{self.name}_{kind}"

    def _physical(self, kind: str, version: int) -> str:
        return f"{self.name}_{kind}_v{version}"

    def load(self, collection: str) -> bool:
        """Make `collection` searchable in this process (Milvus keeps collections released
        until loaded); False if there is no such collection or alias."""
        physical = collection
        if not self.client.has_collection(collection):
            return False
        if collection in {self.alias(kind) for kind in KINDS}:
            physical = self.client.describe_alias(collection)["collection_name"]
        if physical not in self._loaded:
            self.client.load_collection(physical)
            self._loaded.add(physical)
        return True

    def meta(self) -> dict | None:
        """The current meta record (None: no index of this name yet)."""
        if not self.load(self.alias("meta")):
            return None
        rows = _query_all(self.client, self.alias("meta"), "", ["key", "part", "value"])
        return _unchunk(rows) if rows else None

    def version(self) -> str | None:
        """The version the meta alias points at, read cheaply (one row)."""
        if not self.load(self.alias("meta")):
            return None
        rows = self.client.query(self.alias("meta"), filter='key == "version"', output_fields=["value"])
        return json.loads(rows[0]["value"]) if rows else None

    # ------------------------------------------------------------------ writing
    def sync(self, index: StoredIndex, k1: float = 1.5, b: float = 0.75, delta: float = 1.0) -> SyncReport:
        """Make the Milvus index hold `index` (built by `build.build_index`, vectors included)."""
        started = time.monotonic()
        current = self.meta()
        m = index.manifest
        reason = ""
        if current is None:
            reason = "no index yet"
        elif current["model"] != {"name": m.model.name, "dim": m.model.dim}:
            reason = f"model {current['model']['name']} -> {m.model.name}"
        elif current["tokenizer"] != m.tokenizer:
            reason = "tokenizer settings changed: sparse vectors rewritten, embeddings reused"
        elif current["bm25"]["k1"] != k1 or current["bm25"]["b"] != b:
            reason = "BM25 parameters changed"
        if reason:
            report = self._rebuild(index, current, (k1, b, delta), reason)
        else:
            report = self._incremental(index, current, (k1, b, delta))
        report.seconds = time.monotonic() - started
        return report

    def _rebuild(self, index: StoredIndex, current: dict | None, bm25, reason: str) -> SyncReport:
        version = (current["generation"] + 1) if current else 1
        dim = index.manifest.model.dim
        names = {kind: self._physical(kind, version) for kind in KINDS}
        for kind, physical in names.items():
            if self.client.has_collection(physical):  # left by a rebuild that died half way
                self.client.drop_collection(physical)
            _create(self.client, kind, physical, dim)
        docs = list(range(len(index.items)))
        terms, lengths = _term_table({}, index.item_tokens)
        stats = _bm25_stats(lengths, *bm25)
        upserted = self._write_items(names["items"], index, docs, terms, stats)
        clauses = self._write_clauses(names["clauses"], index, docs)
        self._write_terms(names["terms"], terms)
        meta = self._meta_record(index, names, version, terms, stats)
        _write_meta(self.client, names["meta"], meta)
        for kind in KINDS:  # the readers follow the meta alias, switched last
            self._point(kind, names[kind])
        if current:  # the previous version stays for readers mid-question; older ones go
            for kind in KINDS:
                old = self._physical(kind, current["generation"] - 1)
                if self.client.has_collection(old):
                    self.client.drop_collection(old)
        return SyncReport(meta["version"], reason, upserted, 0, clauses, 0)

    def _incremental(self, index: StoredIndex, current: dict, bm25) -> SyncReport:
        names = current["collections"]
        for physical in names.values():
            self.load(physical)
        stored = {r["key"]: r["hash"] for r in _query_all(self.client, names["items"], "", ["key", "hash"])}
        now = {it.key: content_hash(it) for it in index.items}
        changed = [d for d, it in enumerate(index.items) if stored.get(it.key) != now[it.key]]
        vanished = [key for key in stored if key not in now]
        terms, lengths = _term_table(_terms(self.client, names["terms"]), index.item_tokens)
        old_stats = current["bm25"]
        stats = _bm25_stats(lengths, *bm25)
        drift = abs(stats["avgdl"] / old_stats["avgdl"] - 1) if old_stats["avgdl"] else 1.0
        rewrite = drift > AVGDL_DRIFT
        if not rewrite:  # the sparse vectors keep the average length they were written with
            stats["avgdl"] = old_stats["avgdl"]
        docs = list(range(len(index.items))) if rewrite else changed
        deleted_clauses = 0
        if vanished:
            ids = [row_id(k) for k in vanished]
            self.client.delete(names["items"], ids=ids)
            deleted_clauses = _delete_where(self.client, names["clauses"], "item", ids)
        if changed:  # an edited item may have other clauses now: its old ones go first
            deleted_clauses += _delete_where(
                self.client, names["clauses"], "item", [row_id(index.items[d].key) for d in changed]
            )
        upserted = self._write_items(names["items"], index, docs, terms, stats)
        clauses = self._write_clauses(names["clauses"], index, changed)
        self._write_terms(names["terms"], terms)
        meta = self._meta_record(index, names, current["generation"], terms, stats)
        _write_meta(self.client, names["meta"], meta)
        return SyncReport(meta["version"], "", upserted, len(vanished), clauses, deleted_clauses, rewrite)

    def _point(self, kind: str, physical: str) -> None:
        alias = self.alias(kind)
        if self.client.has_collection(alias):  # an alias answers has_collection too
            self.client.alter_alias(physical, alias)
        else:
            self.client.create_alias(physical, alias)

    def _write_items(self, collection: str, index: StoredIndex, docs: list[int], terms, stats) -> int:
        vectors = index.dense.vectors()
        by_doc = index.clauses.by_doc()
        rows = []
        for d in docs:
            it = index.items[d]
            spans = [[c.start, c.end, c.sentence] for c in index.clauses[by_doc[d]]] if d in by_doc else []
            rows.append({
                "id": row_id(it.key), "key": it.key, "source": it.source, "number": it.number,
                "hash": content_hash(it), "district": it.district, "item": json.dumps(it.to_dict(), ensure_ascii=False),
                "spans": json.dumps(spans), "sparse": _sparse(index.item_tokens[d], terms, stats),
                "dense": vectors[d].tolist(),
            })  # fmt: skip
        _upsert(self.client, collection, rows)
        return len(rows)

    def _write_clauses(self, collection: str, index: StoredIndex, docs: list[int]) -> int:
        by_doc = index.clauses.by_doc()
        rows = []
        for d in docs:
            it, where = index.items[d], by_doc.get(d)
            if where is None:
                continue
            vectors = np.asarray(index.clause_vectors[where])
            for k, (cl, vec) in enumerate(zip(index.clauses[where], vectors, strict=True)):
                rows.append({
                    "id": row_id(f"{it.key}:{k}"), "item": row_id(it.key), "district": it.district,
                    "start": cl.start, "end": cl.end, "sentence": cl.sentence, "vector": vec.tolist(),
                })  # fmt: skip
        _upsert(self.client, collection, rows)
        return len(rows)

    def _write_terms(self, collection: str, terms: dict[str, tuple[int, int]]) -> None:
        rows = [{"term": t, "dim": dim, "df": df, "v": [0.0, 0.0]} for t, (dim, df) in terms.items()]
        _upsert(self.client, collection, rows)
        gone = [t for t, (_, df) in terms.items() if df == 0]
        if gone:
            self.client.delete(collection, ids=gone)

    def _meta_record(self, index: StoredIndex, names: dict, generation: int, terms, stats) -> dict:
        m = index.manifest
        return {
            "version": f"{index_version(m)}/v{generation}", "generation": generation, "collections": names,
            "model": {"name": m.model.name, "dim": m.model.dim}, "tokenizer": m.tokenizer,
            "manifest": m.to_json(), "bridge": index.bridge.to_json(), "lexicon": index.lexicon.to_json(),
            "bm25": stats,
        }  # fmt: skip

    # ------------------------------------------------------------------ reading
    def open(self, model: str | None = None) -> tuple[StoredIndex, MilvusBackend]:
        """The catalogue a reader needs (manifest, items, clause spans, bridge, lexicon) and
        the search backend, from the version the meta alias points at now."""
        meta = self.meta()
        if meta is None:
            raise IndexNotReady(
                f"no Milvus index {self.name!r} at {self.uri}: run "
                f"`roundup-qa build --backend milvus --milvus-uri {self.uri}`"
            )
        if model is not None and meta["model"]["name"] != model:
            raise IndexNotReady(
                f"the Milvus index {self.name!r} at {self.uri} was built with model {meta['model']['name']!r} "
                f"(dim {meta['model']['dim']}), this config uses {model!r}: run "
                f"`roundup-qa build --backend milvus --milvus-uri {self.uri}` to rebuild it"
            )
        names = meta["collections"]
        for physical in names.values():
            self.load(physical)
        # the items with their clause spans: one row each (the clause rows hold the vectors)
        rows = [(Item(**json.loads(r["item"])), json.loads(r["spans"]))
                for r in _query_all(self.client, names["items"], "", ["item", "spans"])]  # fmt: skip
        rows.sort(key=lambda r: (r[0].source, r[0].number))  # the files' order: ties break alike
        items = [it for it, _ in rows]
        table = [(d, *span) for d, (_, spans) in enumerate(rows) for span in spans]
        manifest = Manifest.from_json(meta["manifest"])
        index = StoredIndex(
            manifest, items, [], None, ClauseTable(np.asarray(table, dtype=np.int32).reshape(-1, 4)), None,
            Bridge.from_json(meta["bridge"]), Lexicon.from_json(meta["lexicon"]),
        )  # fmt: skip
        return index, MilvusBackend(self, meta, items)


@dataclass
class MilvusBackend:
    """Search over one version of a Milvus index (see the module's docstring for the scoring)."""

    store: MilvusIndex
    meta: dict
    items: list[Item]
    check_every: float = 2.0  # seconds between looks at the meta alias for a new version
    _checked: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.version = self.meta["version"]
        self.client = self.store.client
        self.names = self.meta["collections"]
        self._position = {row_id(it.key): d for d, it in enumerate(self.items)}
        self._terms = _terms(self.client, self.names["terms"])  # global statistics, read once per version
        s = self.meta["bm25"]
        self._n, self._delta = s["n"], s["delta"]
        self._max_idf = max((self.idf(t) for t in self._terms), default=1.0)

    def changed(self) -> bool:
        """Whether the meta alias now points at another version (looked at every `check_every` s)."""
        now = time.monotonic()
        with self._lock:
            if now - self._checked < self.check_every:
                return False
            self._checked = now
        return self.store.version() != self.version

    def knows(self, term: str) -> bool:
        return term in self._terms

    def idf(self, term: str) -> float:
        found = self._terms.get(term)
        return 0.0 if found is None else float(np.log((self._n + 1) / max(found[1], 1)))

    def max_idf(self) -> float:
        return self._max_idf

    def lexical(self, terms: list[str], weights: dict[str, float], k: int, district: str | None) -> list[Hit]:
        known = [t for t in dict.fromkeys(terms) if t in self._terms]
        if not known:
            return []
        query = {self._terms[t][0]: self.idf(t) * weights.get(t, 1.0) for t in known}
        constant = self._delta * sum(query.values())
        found = self.client.search(
            self.names["items"], data=[query], anns_field="sparse", limit=min(len(self.items), 3 * k + 10),
            filter=_district(district), output_fields=[], search_params={"metric_type": "IP"},
        )[0]  # fmt: skip
        scored = [
            (self._position[h["id"]], round(float(h["distance"]), 5))
            for h in found
            if h["id"] in self._position
        ]
        hits = ranked(scored, k)
        return [Hit(h.doc, h.score + constant, h.rank) for h in hits]

    def dense(self, qvec: np.ndarray, k: int, clause_weight: float, district: str | None) -> list[Hit]:
        found = self.client.search(
            self.names["items"], data=[qvec.tolist()], anns_field="dense", limit=min(len(self.items), 5 * k),
            filter=_district(district), output_fields=[],
        )[0]  # fmt: skip
        ids = [h["id"] for h in found if h["id"] in self._position]
        best = dict.fromkeys(ids, -1.0)
        if ids:  # each candidate's best clause: one search over their clauses, grouped by item
            clauses = self.client.search(
                self.names["clauses"], data=[qvec.tolist()], anns_field="vector", limit=len(ids),
                filter=_within("item", ids), group_by_field="item", output_fields=["item"],
            )[0]  # fmt: skip
            for h in clauses:
                best[h["entity"]["item"]] = float(h["distance"])
        scored = [(self._position[h["id"]], float(h["distance"]) + clause_weight * best[h["id"]]) for h in found
                  if h["id"] in self._position]  # fmt: skip
        return ranked(scored, k)

    def clause_vectors(self, doc: int) -> np.ndarray:
        rows = _query_all(self.client, self.names["clauses"], f"item == {row_id(self.items[doc].key)}",
                          ["start", "vector"])  # fmt: skip
        rows.sort(key=lambda r: r["start"])
        dim = self.meta["model"]["dim"]
        return np.asarray([r["vector"] for r in rows], dtype=np.float32).reshape(-1, dim)


# ---------------------------------------------------------------------- helpers
def _create(client, kind: str, name: str, dim: int) -> None:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    index = client.prepare_index_params()
    if kind == "items":
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("key", DataType.VARCHAR, max_length=512)
        schema.add_field("source", DataType.VARCHAR, max_length=512)
        schema.add_field("number", DataType.INT64)
        schema.add_field("hash", DataType.VARCHAR, max_length=64)
        schema.add_field("district", DataType.VARCHAR, max_length=128, is_partition_key=True)
        schema.add_field("item", DataType.VARCHAR, max_length=65_535)
        schema.add_field("spans", DataType.VARCHAR, max_length=65_535)  # its clauses: [start, end, sentence]
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        index.add_index("dense", index_type="FLAT", metric_type="IP")
    elif kind == "clauses":
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("item", DataType.INT64)
        schema.add_field("district", DataType.VARCHAR, max_length=128, is_partition_key=True)
        for name_ in ("start", "end", "sentence"):
            schema.add_field(name_, DataType.INT64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        index.add_index("vector", index_type="FLAT", metric_type="IP")
    else:  # terms, meta: rows of values; Milvus wants a vector field in every collection
        key = "term" if kind == "terms" else "key"
        schema.add_field(key, DataType.VARCHAR, max_length=512, is_primary=True)
        if kind == "terms":
            schema.add_field("dim", DataType.INT64)
            schema.add_field("df", DataType.INT64)
        else:
            schema.add_field("part", DataType.INT64)
            schema.add_field("value", DataType.VARCHAR, max_length=65_535)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
        index.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index)


def _term_table(known: dict[str, tuple[int, int]], docs: list[list[str]]) -> tuple[dict, list[int]]:
    """term -> (sparse dimension, document frequency); dimensions of known terms kept."""
    terms = {t: [dim, 0] for t, (dim, _) in known.items()}
    next_dim = max((dim for dim, _ in terms.values()), default=-1) + 1
    for doc in docs:
        for t in set(doc):
            if t not in terms:
                terms[t] = [next_dim, 0]
                next_dim += 1
            terms[t][1] += 1
    return {t: (dim, df) for t, (dim, df) in terms.items()}, [len(d) for d in docs]


def _bm25_stats(lengths: list[int], k1: float, b: float, delta: float) -> dict:
    avgdl = float(np.mean(lengths)) if lengths and np.mean(lengths) > 0 else 1.0
    return {"n": len(lengths), "avgdl": avgdl, "k1": k1, "b": b, "delta": delta}


def _sparse(tokens: list[str], terms: dict, stats: dict) -> dict[int, float]:
    """The item's side of BM25+: tf(k1+1)/(tf + k1(1-b+b·dl/avgdl)) per term."""
    k1, b = stats["k1"], stats["b"]
    norm = k1 * (1 - b + b * len(tokens) / stats["avgdl"])
    counts: dict[str, int] = {}
    for t in tokens:
        counts[t] = counts.get(t, 0) + 1
    vec = {terms[t][0]: tf * (k1 + 1) / (norm + tf) for t, tf in counts.items()}
    return vec or {0: 0.0}  # Milvus refuses an empty sparse row; dimension 0 at weight 0 matches nothing


def _terms(client, collection: str) -> dict[str, tuple[int, int]]:
    rows = _query_all(client, collection, "", ["term", "dim", "df"])
    return {r["term"]: (int(r["dim"]), int(r["df"])) for r in rows}


def _district(district: str | None) -> str:
    return "" if district is None else f"district == {json.dumps(district, ensure_ascii=False)}"


def _within(field_: str, ids: Iterable[int]) -> str:
    return f"{field_} in {list(ids)}"


def _upsert(client, collection: str, rows: list[dict]) -> None:
    for i in range(0, len(rows), _BATCH):
        client.upsert(collection, rows[i : i + _BATCH])


def _delete_where(client, collection: str, field_: str, ids: list[int]) -> int:
    gone = [r["id"] for r in _query_all(client, collection, _within(field_, ids), ["id"])]
    if gone:
        client.delete(collection, ids=gone)
    return len(gone)


def _query_all(client, collection: str, filter_: str, fields: list[str]) -> list[dict]:
    """Every row matching `filter_`: pages by offset up to Milvus's cap on offset + limit
    (16,384), then an iterator (which milvus-lite serves with a logged fallback)."""
    out: list[dict] = []
    while len(out) + _PAGE <= _QUERY_CAP:
        page = client.query(collection, filter=filter_, output_fields=fields, limit=_PAGE, offset=len(out))
        out += [dict(r) for r in page]
        if len(page) < _PAGE:
            return out
    it = client.query_iterator(collection, batch_size=_PAGE, filter=filter_, output_fields=fields)
    out = []
    try:
        while True:
            page = it.next()
            if not page:
                return out
            out += [dict(r) for r in page]
    finally:
        it.close()


def _write_meta(client, collection: str, meta: dict) -> None:
    """`meta` as rows of JSON chunks; rows of an earlier, longer value are removed."""
    rows = []
    for key, value in meta.items():
        text = json.dumps(value, ensure_ascii=False)
        parts = [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
        rows += [{"key": f"{key}#{p}" if p else key, "part": p, "value": chunk, "v": [0.0, 0.0]}
                 for p, chunk in enumerate(parts)]  # fmt: skip
    _upsert(client, collection, rows)
    keep = {r["key"] for r in rows}
    stale = [r["key"] for r in _query_all(client, collection, "", ["key"]) if r["key"] not in keep]
    if stale:
        client.delete(collection, ids=stale)


def _unchunk(rows: list[dict]) -> dict:
    parts: dict[str, list[tuple[int, str]]] = {}
    for r in rows:
        parts.setdefault(r["key"].split("#")[0], []).append((r["part"], r["value"]))
    return {k: json.loads("".join(v for _, v in sorted(ps))) for k, ps in parts.items()}
