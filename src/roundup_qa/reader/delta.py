"""The reader's trained delta: what fine-tuning changed, small enough for git.

Only the trained layers and the span head are stored. A trained weight matrix is stored as
its difference from the packaged model, quantised to int8 per output row (the differences
are small, so the rounding error is far below the weights' own 4-bit quantisation); vectors
(biases, layer norms) and the head are stored whole in fp32. The base weights come from the
packaged model, so base + delta rebuilds the trained reader exactly as recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FORMAT = 1


def _trained(name: str, frozen: int) -> bool:
    if name.startswith("head."):
        return True
    return name.startswith("layers.") and int(name.split(".")[1]) >= frozen


def make_delta(
    trained: dict[str, np.ndarray], base: dict[str, np.ndarray], frozen: int
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, value in trained.items():
        if not _trained(name, frozen):
            continue
        value = np.asarray(value, dtype=np.float32)
        if value.ndim == 2 and name in base:
            out.update(quantised(name, value - base[name]))
        else:
            out[name] = value
    return out


def quantised(name: str, diff: np.ndarray) -> dict[str, np.ndarray]:
    """A weight matrix's difference from the base as int8 per output row with an fp32 scale."""
    scale = np.abs(diff).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    return {
        name + ".q8": np.round(diff / scale[:, None]).astype(np.int8),
        name + ".scale": scale.astype(np.float32),
    }


def apply_delta(base: dict[str, np.ndarray], delta: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Base weights (reader names) with the delta applied; returns a new dict."""
    out = dict(base)
    for name, value in delta.items():
        if name.endswith(".scale"):
            continue
        if name.endswith(".q8"):
            key = name[: -len(".q8")]
            out[key] = base[key] + value.astype(np.float32) * delta[key + ".scale"][:, None]
        else:
            out[name] = value.astype(np.float32)
    return out


def save_delta(path: Path, delta: dict[str, np.ndarray], meta: dict) -> None:
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file({k: np.ascontiguousarray(v) for k, v in delta.items()}, str(tmp),
              metadata={"roundup_qa_reader": json.dumps({"format": FORMAT, **meta}, ensure_ascii=False)})  # fmt: skip
    tmp.replace(path)


def load_delta(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    from safetensors import safe_open
    from safetensors.numpy import load_file

    with safe_open(str(path), "np") as f:
        meta = json.loads((f.metadata() or {}).get("roundup_qa_reader", "{}"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a reader delta of format {FORMAT} (found {meta.get('format')})")
    return load_file(str(path)), meta


def base_weights(folder: Path) -> dict[str, np.ndarray]:
    """The packaged model's encoder weights under the reader's names (see net.SpanReader)."""
    from safetensors.numpy import load_file

    from ..retrieval.packaged import LAYER_NAMES

    st = load_file(str(folder / "model.safetensors"))
    out = {
        "word.weight": st["embeddings.word_embeddings.weight"],
        "pos.weight": st["embeddings.position_embeddings.weight"],
        "ttype.weight": st["embeddings.token_type_embeddings.weight"],
        "eln.weight": st["embeddings.LayerNorm.weight"],
        "eln.bias": st["embeddings.LayerNorm.bias"],
    }
    for i in range(json.loads((folder / "config.json").read_text())["num_hidden_layers"]):
        for short, long in LAYER_NAMES.items():
            for p in ("weight", "bias"):
                out[f"layers.{i}.{short}.{p}"] = st[f"encoder.layer.{i}.{long}.{p}"]
    return out
