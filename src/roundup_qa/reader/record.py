"""Record the trained reader's outputs on fixed inputs, for the assembly test.

    python -m roundup_qa.reader.record [tests/fixtures/reader-recorded.json]

Runs the trained weights (packaged model + delta) in torch, before any export, on the cases
(question, passage) the file already holds, and rewrites it; `tests/test_reader.py` checks that
the assembled ONNX reader reproduces them. To record a new case, add its question and passage
to the file's `cases` first.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from .assemble import DELTA, trained_weights
from .windows import PAD, ReaderTokenizer, WindowSpec

KEEP = 48  # logits recorded per case (the first window's first positions)


def record(out: Path) -> None:
    import torch

    from .model import best_span
    from .net import SpanReader

    weights, meta, model_dir = trained_weights(DELTA)
    model = SpanReader(json.loads((model_dir / "config.json").read_text()))
    model.load_weights(weights)
    model.eval()
    tok = ReaderTokenizer(model_dir / "tokenizer.json")
    spec = WindowSpec(**meta["window"])
    cases = []
    for case in json.loads(out.read_text(encoding="utf-8"))["cases"]:
        question, passage = case["question"], case["passage"]
        windows = tok.windows(question, passage, spec)
        width = max(len(w.ids) for w in windows)
        ids = torch.tensor([w.ids + [PAD] * (width - len(w.ids)) for w in windows])
        with torch.no_grad():
            start, end = model(ids, (ids != PAD).long())
        reading = best_span(windows, start.numpy(), end.numpy())
        cases.append({
            "question": question, "passage": passage, "span": passage[reading.start : reading.end],
            "start": [round(float(x), 4) for x in start[0, :KEEP]],
            "end": [round(float(x), 4) for x in end[0, :KEEP]],
        })  # fmt: skip
    out.write_text(json.dumps({"delta_sha256": hashlib.sha256(DELTA.read_bytes()).hexdigest(), "cases": cases},
                              ensure_ascii=False, indent=1), encoding="utf-8")  # fmt: skip
    print(f"wrote {out}")


if __name__ == "__main__":
    record(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/reader-recorded.json"))
