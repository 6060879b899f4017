"""The trained reader at answer time: ONNX Runtime on one thread, no torch.

`Reader.read(question, passage)` returns the best span (character offsets into `passage`)
and how strongly the reader prefers it over "no answer".
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .windows import PAD, ReaderTokenizer, WindowSpec

MAX_ANSWER_TOKENS = 40


@dataclass(frozen=True)
class Reading:
    start: int  # character offsets of the span in the passage
    end: int
    score: float  # best span's start + end logit
    null_score: float  # the no-answer logit pair (position 0), lowest over windows
    confidence: float  # softmax probability of the span among all spans and "no answer"
    # the next best spans after this one, (start, end, score), best first: what a typed prior
    # may choose from (reader/span.py)
    alternatives: tuple[tuple[int, int, float], ...] = ()

    @property
    def margin(self) -> float:
        """Span over no answer: > 0 means the reader itself would answer."""
        return self.score - self.null_score


class Reader:
    """Loads lazily; `precision` "fp32" (default) or "int8"."""

    def __init__(self, folder: str | Path | None = None, precision: str = "fp32", threads: int = 1) -> None:
        if precision not in ("int8", "fp32"):
            raise ValueError(f"precision must be 'int8' or 'fp32', not {precision!r}")
        self._folder = Path(folder) if folder else None
        self.precision = precision
        self.threads = threads
        self._session = None
        self._loading = None
        self._lock = threading.Lock()

    def prefetch(self) -> Reader:
        """Start loading in a background thread (the tokenizer alone takes most of a second);
        `load` waits for it. A process that will answer calls this as early as it can."""
        with self._lock:
            if self._session is None and self._loading is None:
                self._loading = threading.Thread(target=self._load_quietly, name="reader-load", daemon=True)
                self._loading.start()
        return self

    def _load_quietly(self) -> None:
        try:
            self._load()
        except Exception:  # noqa: BLE001 - load() raises it again in the asking thread
            pass

    def load(self) -> Reader:
        loading = self._loading
        if loading is not None:
            loading.join()
        return self._load()

    def _load(self) -> Reader:
        with self._lock:
            if self._session is None:
                self._open()
        return self

    def _open(self) -> None:
        import onnxruntime as ort

        if self._folder is None:
            from .assemble import ensure_reader

            self._folder = ensure_reader()
        meta = json.loads((self._folder / "reader.json").read_text())
        self.spec = WindowSpec(**meta["delta"]["window"])
        self.tokenizer = ReaderTokenizer(self._folder / "tokenizer.json")
        self._words = np.load(self._folder / "word_embeddings.npy", mmap_mode="r")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        name = "encoder.int8.onnx" if self.precision == "int8" else "encoder.onnx"
        self._session = ort.InferenceSession(
            str(self._folder / name), opts, providers=["CPUExecutionProvider"]
        )

    @property
    def folder(self) -> Path:
        return self.load()._folder

    def logits(self, windows) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits, one row per window (padded to the longest)."""
        self.load()
        width = max(len(w.ids) for w in windows)
        ids = np.full((len(windows), width), PAD, dtype=np.int64)
        for i, w in enumerate(windows):
            ids[i, : len(w.ids)] = w.ids
        mask = (ids != PAD).astype(np.int64)
        words = np.asarray(self._words[ids.ravel()], dtype=np.float32).reshape(*ids.shape, -1)
        start, end = self._session.run(None, {"words": words, "mask": mask})
        return start, end

    def read(self, question: str, passage: str) -> Reading:
        self.load()
        windows = self.tokenizer.windows(question, passage, self.spec)
        return best_span(windows, *self.logits(windows))


_shared: dict[str, Reader] = {}


def shared_reader(precision: str = "fp32") -> Reader:
    """One reader per precision for the whole process (pipelines built for ablations share it)."""
    if precision not in _shared:
        _shared[precision] = Reader(precision=precision)
    return _shared[precision]


ALTERNATIVES = 20  # spans kept after the best one


def best_span(
    windows, start: np.ndarray, end: np.ndarray, max_tokens: int = MAX_ANSWER_TOKENS, top: int = ALTERNATIVES
) -> Reading:
    """The highest start+end pair over passage tokens (end >= start, at most `max_tokens`),
    and the `top` next best distinct spans (character offsets) of all windows."""
    best = (-np.inf, 0, 0)
    null = np.inf
    log_norm = []
    ranked: dict[tuple[int, int], float] = {}
    for w, s, e in zip(windows, start, end, strict=True):
        n = len(w.ids)
        s, e = s[:n], e[:n]
        valid = np.array([a >= 0 and b > a for a, b in w.offsets])
        null = min(null, float(s[0] + e[0]))
        s_v = np.where(valid, s, -np.inf)
        e_v = np.where(valid, e, -np.inf)
        pair = s_v[:, None] + e_v[None, :]
        band = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(np.ones((n, n), dtype=bool), max_tokens)
        pair = np.where(band, pair, -np.inf)
        i, j = np.unravel_index(int(np.argmax(pair)), pair.shape)
        if pair[i, j] > best[0]:
            best = (float(pair[i, j]), w.offsets[i][0], w.offsets[j][1])
        flat = pair.ravel()
        order = np.argpartition(-flat, min(top, flat.size - 1))[: top + 1]
        for f in order:
            if np.isfinite(flat[f]):
                a, b = divmod(int(f), n)
                key = (w.offsets[a][0], w.offsets[b][1])
                ranked[key] = max(ranked.get(key, -np.inf), float(flat[f]))
        finite = pair[np.isfinite(pair)]
        log_norm.append(np.logaddexp.reduce(np.append(finite, s[0] + e[0])))
    score, a, b = best
    if not np.isfinite(score):
        return Reading(0, 0, -np.inf, null, 0.0)
    confidence = float(np.exp(score - max(log_norm)))
    ranked.pop((a, b), None)
    others = sorted(((int(x), int(y), sc) for (x, y), sc in ranked.items()), key=lambda r: -r[2])[:top]
    return Reading(int(a), int(b), score, null, confidence, tuple(others))
