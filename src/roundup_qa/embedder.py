"""Text -> normalised vectors with a sentence-transformers model, loaded on first use."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np

from .convert import PACKAGED_MODEL, ensure_packaged_model

log = logging.getLogger(__name__)


class Embedder:
    """Encodes questions and passages. Cheap to construct; `load()` is the heavy step.

    E5 models need their "query: " / "passage: " prompts; they come from the model's own
    sentence-transformers config (the packaged model's converted folder carries them).
    """

    def __init__(self, model: str = PACKAGED_MODEL, batch_size: int = 16, device: str = "cpu") -> None:
        self.name = model
        self.batch_size = batch_size
        self.device = device
        self._model = None

    def load(self) -> Embedder:
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

    @property
    def model(self):
        return self.load()._model

    def _prompt(self, name: str) -> str | None:
        return name if name in (self.model.prompts or {}) else None

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
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
