"""The index on disk: plain files plus a manifest that is checked on load.

    index/
      manifest.json   format, versions, model, tokenizer settings, corpus hash, checksums
      items.jsonl     one item per line (UTF-8)
      lexical.jsonl   BM25 tokens per item (the BM25 model is refitted from them on load)
      dense.faiss     FAISS inner-product index of the item vectors
      clause_spans.npy  answer-span candidates: int32 rows (item, start, end, sentence)
      clauses.npy     their vectors (memory-mapped on load)
      bridge.json     English phrase -> weighted Chinese BM25 terms (bridge.py)
      lexicon.json    Chinese word -> English sense, for glosses (lexicon.py)

`Manifest` is manifest.json as a typed record; `build.build_index` makes an index. A save is
written to a temporary directory beside the target and renamed into place, so a crash
never leaves half an index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .config import Config
from .corpus.clauses import ClauseTable
from .corpus.domain import DEFAULT_TITLE
from .corpus.parse import Corpus
from .records import Item
from .retrieval.bridge import Bridge
from .retrieval.dense import DenseIndex
from .retrieval.lexicon import Lexicon
from .retrieval.tokenizer import Tokenizer

log = logging.getLogger(__name__)

FORMAT_VERSION = 5  # 5: lexicon.json; 4: clause spans as an int32 table, clause tokens made when read
MANIFEST = "manifest.json"
_FILES = (
    "items.jsonl",
    "lexical.jsonl",
    "dense.faiss",
    "clause_spans.npy",
    "clauses.npy",
    "bridge.json",
    "lexicon.json",
)


class IndexNotReady(RuntimeError):
    """The index is missing, damaged or stale; the message says which command fixes it."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    dim: int


@dataclass(frozen=True)
class Places:
    """What the reader needs from the gazetteer: place names an answer candidate may be
    (longest first), names that are never places, and the districts' English names."""

    names: list[str]
    blocked: list[str]
    districts_en: dict[str, str]
    venues: list[str] = field(default_factory=list)  # domain.json: names that end a place answer

    def district_names(self, districts: list[str]) -> dict[str, str]:
        """The names a district goes by (`ask(district=...)`, browsing, follow-ups, a district
        the question names that the item lacks), Chinese or English (in lower case), each to
        its Chinese name: the name itself, its English, and a short name of it alone that is
        part of no other name (东营港, 垦利; not 开发区, which two districts share, nor 河口,
        inside 黄河口)."""
        english = self.districts_en
        names = {d: d for d in districts} | {english[d].lower(): d for d in districts if d in english}
        for alias in self.names:
            owners = [d for d in districts if alias in d and alias != d]
            if len(alias) >= 2 and len(owners) == 1 and not any(alias in b for b in self.blocked):
                names.setdefault(alias, owners[0])
        return names


@dataclass(frozen=True)
class ChatInfo:
    """What the chat shows about this corpus (domain.json)."""

    title: str
    examples: list[str]


@dataclass(frozen=True)
class CorpusInfo:
    path: str
    sha256: str
    files: list[str]
    items: int
    intro: dict[str, str]  # roundup file -> its intro paragraph
    credit: dict[str, str]  # roundup file -> its reporter credit line


@dataclass(frozen=True)
class BridgeInfo:
    entries: int
    sources: list[str]


@dataclass(frozen=True)
class Embedded:
    passages: int
    new: int  # embedded by this build (the others were reused)


@dataclass(frozen=True)
class Manifest:
    """`manifest.json`: what the index was built from and with, and its files' checksums.
    Its JSON keeps the names of earlier versions (`places`, `places_not`, `districts_en`)."""

    format_version: int
    package_version: str
    model: ModelInfo
    tokenizer: dict  # `Tokenizer.settings()`: the tokenizer is rebuilt from it
    places: Places
    corpus: CorpusInfo
    bridge: BridgeInfo
    built_at: str
    embedded: Embedded
    dense_index: str  # "flat" (exact) or "hnsw"
    chat: ChatInfo = field(default_factory=lambda: ChatInfo(DEFAULT_TITLE, []))
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256

    def to_json(self) -> dict:
        out = asdict(self)
        places = out.pop("places")
        return {
            **{k: out[k] for k in ("format_version", "package_version", "model", "tokenizer")},
            "places": places["names"],
            "places_not": places["blocked"],
            "districts_en": places["districts_en"],
            "venues": places["venues"],
            **{
                k: out[k]
                for k in ("corpus", "bridge", "built_at", "embedded", "dense_index", "chat", "files")
            },
        }

    @classmethod
    def from_json(cls, raw: dict) -> Manifest:
        """The manifest in `raw`; KeyError or TypeError when a field is missing or wrong."""
        return cls(
            format_version=raw["format_version"],
            package_version=raw["package_version"],
            model=ModelInfo(**raw["model"]),
            tokenizer=dict(raw["tokenizer"]),
            places=Places(
                list(raw["places"]),
                list(raw["places_not"]),
                dict(raw["districts_en"]),
                list(raw.get("venues", [])),
            ),
            corpus=CorpusInfo(**raw["corpus"]),
            bridge=BridgeInfo(**raw["bridge"]),
            built_at=raw["built_at"],
            embedded=Embedded(**raw["embedded"]),
            dense_index=raw["dense_index"],
            chat=ChatInfo(**raw["chat"]) if "chat" in raw else ChatInfo(DEFAULT_TITLE, []),
            files=dict(raw.get("files", {})),
        )


@dataclass
class StoredIndex:
    manifest: Manifest
    items: list[Item]
    item_tokens: list[list[str]]
    dense: DenseIndex
    clauses: ClauseTable
    clause_vectors: np.ndarray
    bridge: Bridge
    lexicon: Lexicon

    @property
    def tokenizer(self) -> Tokenizer:
        return Tokenizer(**self.manifest.tokenizer)

    @property
    def districts(self) -> list[str]:
        """The items' districts, in the order the roundup first names them."""
        return list(dict.fromkeys(it.district for it in self.items if it.district))


def index_version(manifest: Manifest) -> str:
    """Which build of the index answers: its corpus checksum and build time."""
    return f"{manifest.corpus.sha256[:12]}@{manifest.built_at}"


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
        (tmp / "lexicon.json").write_text(
            json.dumps(index.lexicon.to_json(), ensure_ascii=False), encoding="utf-8"
        )
        manifest = replace(index.manifest, files={name: _sha256(tmp / name) for name in _FILES})
        (tmp / MANIFEST).write_text(
            json.dumps(manifest.to_json(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        old = None
        if target.exists():
            for entry in target.iterdir():  # what the index does not own stays (an embedded Milvus .db)
                if entry.name not in (*_FILES, MANIFEST) and not (tmp / entry.name).exists():
                    entry.rename(tmp / entry.name)
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


def _recover(target: Path) -> None:
    """Put back the previous index if a build died between moving it aside and moving the
    new one in (the only moment the target does not exist)."""
    if target.exists():
        return
    olds = sorted(target.parent.glob(f".{target.name}-old-*"))
    if olds and (olds[-1] / MANIFEST).exists():
        log.warning("restoring %s from %s (a build was interrupted)", target, olds[-1])
        olds[-1].rename(target)


def read_manifest(path: Path) -> Manifest:
    """The index's manifest, checked: IndexNotReady names the fixing command when it is
    missing, damaged, or of another index format."""
    _recover(Path(path))
    manifest_path = Path(path) / MANIFEST
    rebuild = f"run `roundup-qa build --index {path}`"
    if not manifest_path.exists():
        raise IndexNotReady(f"no index at {path} (missing {MANIFEST}): {rebuild}")
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise IndexNotReady(f"{manifest_path} is damaged ({err}): {rebuild}") from None
    found = raw.get("format_version") if isinstance(raw, dict) else None
    if found != FORMAT_VERSION:
        raise IndexNotReady(
            f"{path} has index format {found}, this version reads {FORMAT_VERSION}: {rebuild}"
        )
    try:
        return Manifest.from_json(raw)
    except (KeyError, TypeError, ValueError) as err:
        raise IndexNotReady(f"{manifest_path} is damaged (field {err}): {rebuild}") from None


def load_index(path: Path) -> StoredIndex:
    """Read an index, verifying every file against the manifest's checksums."""
    path = Path(path)
    manifest = read_manifest(path)
    rebuild = f"run `roundup-qa build --index {path}`"
    for name, digest in manifest.files.items():
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
        lexicon = Lexicon.from_json(json.loads((path / "lexicon.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise IndexNotReady(f"{path} cannot be read ({err}): {rebuild}") from None
    if not (len(items) == len(item_tokens) == len(dense)) or len(clauses) != len(clause_vectors):
        raise IndexNotReady(f"{path} has files of different lengths: {rebuild}")
    return StoredIndex(manifest, items, item_tokens, dense, clauses, clause_vectors, bridge, lexicon)


def _mapped(path: Path) -> np.ndarray:
    """A memory-mapped .npy: answering reads only the clauses of the items it looks at, and
    the pages it maps are the kernel's page cache, not the process's own memory."""
    return np.load(path, mmap_mode="r")


def _interned(tokens: list[str]) -> list[str]:
    return [sys.intern(t) for t in tokens]


def staleness(manifest: Manifest, corpus: Corpus, corpus_dir: Path, config: Config) -> list[str]:
    """Why an index built with `manifest` does not fit this corpus and config ([] if it does)."""
    reasons = []
    if manifest.format_version != FORMAT_VERSION:
        reasons.append(f"index format {manifest.format_version} != {FORMAT_VERSION}")
    if manifest.model.name != config.model:
        reasons.append(f"built with model {manifest.model.name!r}, config asks for {config.model!r}")
    if manifest.corpus.sha256 != corpus.sha256:
        reasons.append(f"the corpus in {corpus_dir} changed since the index was built")
    approximate = len(corpus.items) >= config.scale_from_items
    if manifest.dense_index != ("hnsw" if approximate else "flat"):
        reasons.append("the dense index type does not fit the corpus size (scale_from_items)")
    if manifest.tokenizer != corpus_tokenizer(corpus).settings():
        reasons.append("tokenizer settings changed")
    return reasons


def corpus_tokenizer(corpus: Corpus) -> Tokenizer:
    """The corpus's tokenizer: its towns and quoted names, its districts' names and the
    words its domain file keeps whole."""
    districts = corpus.gazetteer.names() if corpus.gazetteer else []
    return Tokenizer.for_items(corpus.items, extra=[*districts, *corpus.domain.words])


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
