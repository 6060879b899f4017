"""Record the trained reader's outputs on fixed inputs, for the assembly test.

    python -m roundup_qa.reader.record [tests/fixtures/reader-recorded.json]

Runs the trained weights (packaged model + delta) in torch, before any export, on three
roundup questions; `tests/test_reader.py` checks that the assembled ONNX reader reproduces them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from ..corpus.parse import load_corpus
from .assemble import DELTA, trained_weights
from .windows import PAD, ReaderTokenizer, WindowSpec

CASES = ((31, "华盛橡胶的品牌价值是多少?"), (10, "Which companies signed the wind power project?"),
         (36, "老旧小区改造项目获批多少中央预算内投资?"))  # fmt: skip
KEEP = 48  # logits recorded per case (the first window's first positions)


def record(out: Path, corpus: Path = Path("corpus")) -> None:
    import torch

    from .model import best_span
    from .net import SpanReader

    weights, meta, model_dir = trained_weights(DELTA)
    model = SpanReader(json.loads((model_dir / "config.json").read_text()))
    model.load_weights(weights)
    model.eval()
    tok = ReaderTokenizer(model_dir / "tokenizer.json")
    spec = WindowSpec(**meta["window"])
    items = [it for r in load_corpus(corpus).roundups for it in r.items]
    cases = []
    for number, question in CASES:
        passage = items[number - 1].text
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
