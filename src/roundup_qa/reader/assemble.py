"""Packaged model + trained delta -> the reader in the cache, exported for ONNX Runtime.

Run once (first use, or `roundup-qa build`); imports torch, like the index build. The cache
folder holds:
- `encoder.onnx`: position/type embeddings, the 12 layers and the span head; input is the
  question+passage windows' word embeddings and attention mask;
- `encoder.int8.onnx`: the same, weights quantised to int8 per output channel (ONNX Runtime
  dynamic quantisation);
- `word_embeddings.npy`: the vocabulary's vectors, memory-mapped and gathered in numpy, so the
  250,002-row matrix is neither in the graph nor read at start;
- `tokenizer.json`, `reader.json` (the delta's metadata and the source file sizes).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np

from ..retrieval.packaged import cache_dir, ensure_packaged_model, written_atomically
from .delta import apply_delta, base_weights, load_delta

log = logging.getLogger(__name__)

ASSEMBLER_VERSION = 2  # 2: int8 weights quantised per output channel
DELTA = Path(__file__).parent / "weights" / "reader-delta.safetensors"


def reader_folder(delta: Path = DELTA) -> Path:
    import hashlib

    digest = hashlib.sha256(delta.read_bytes()).hexdigest()[:12]
    return cache_dir() / f"reader-{digest}"


def ensure_reader(delta: Path = DELTA, folder: Path | None = None) -> Path:
    """The assembled reader's folder, assembled on first use (about half a minute)."""
    if not delta.exists():
        raise RuntimeError(f"the reader's trained weights {delta} are missing: reinstall roundup-qa")
    folder = folder or reader_folder(delta)
    stamp = folder / "reader.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("assembler") == ASSEMBLER_VERSION:
        return folder
    log.info("assembling the reader into %s (once, about 15 s)", folder)
    # in a child process: torch (for the export) never enters an answering process
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "roundup_qa.reader.assemble", str(delta), str(folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0 or not stamp.exists():
        raise RuntimeError(f"assembling the reader failed:\n{done.stderr[-3000:]}")
    return folder


def trained_weights(delta: Path) -> tuple[dict[str, np.ndarray], dict, Path]:
    model_dir = ensure_packaged_model()
    d, meta = load_delta(delta)
    return apply_delta(base_weights(model_dir), d), meta, model_dir


def assemble(delta: Path, folder: Path) -> None:

    from .net import SpanReader

    weights, meta, model_dir = trained_weights(delta)
    config = json.loads((model_dir / "config.json").read_text())
    model = SpanReader(config)
    model.load_weights(weights)
    model.eval()
    with written_atomically(folder, ".reader-") as tmp:
        np.save(tmp / "word_embeddings.npy", weights["word.weight"].astype(np.float32))
        shutil.copy(model_dir / "tokenizer.json", tmp / "tokenizer.json")
        _export(model, tmp / "encoder.onnx")
        from onnxruntime.quantization import QuantType, quantize_dynamic

        logging.getLogger().setLevel(logging.WARNING)  # the quantiser logs every tensor at INFO
        # per output channel: one scale per tensor took the recorded English case's start logits
        # to a correlation of 0.85 with fp32, per channel 0.94 (tests/test_reader.py's cases)
        quantize_dynamic(
            str(tmp / "encoder.onnx"), str(tmp / "encoder.int8.onnx"),
            weight_type=QuantType.QInt8, per_channel=True,
        )  # fmt: skip
        (tmp / "reader.json").write_text(
            json.dumps(
                {"assembler": ASSEMBLER_VERSION, "delta": meta, "hidden": config["hidden_size"]}, indent=1
            )
        )


def _export(model, path: Path) -> None:
    import torch

    class FromEmbeddings(torch.nn.Module):
        def __init__(self, reader):
            super().__init__()
            self.r = reader

        def forward(self, words, mask):
            positions = torch.arange(words.shape[1]).unsqueeze(0)
            x = self.r.eln(words + self.r.pos(positions) + self.r.ttype(torch.zeros_like(positions)))
            bias = (1.0 - mask[:, None, None, :].float()) * -1e4
            for layer in self.r.layers:
                x = layer(x, bias)
            logits = self.r.head(x)
            return logits[..., 0], logits[..., 1]

    words = torch.zeros(2, 32, model.head.in_features)
    mask = torch.ones(2, 32, dtype=torch.int64)
    torch.onnx.export(
        FromEmbeddings(model), (words, mask), str(path), input_names=["words", "mask"],
        output_names=["start", "end"], opset_version=17, dynamo=False,
        dynamic_axes={"words": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"},
                      "start": {0: "batch", 1: "tokens"}, "end": {0: "batch", 1: "tokens"}},
    )  # fmt: skip


if __name__ == "__main__":
    import sys

    assemble(Path(sys.argv[1]), Path(sys.argv[2]))
