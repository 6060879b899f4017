"""Choose the reader's refusal margin per language on held-out data only (issue 25).

    python eval/choose_margin.py [--delta PATH] [--per-kind 300] [--out eval/results/reader-margin]

The reader reads, with no retrieval, (a) every question of the MRC held-out slice against
its own paragraph (all answerable) and (b) the negatives made from that slice by
`reader/negatives.py` (a BM25 neighbour paragraph, the paragraph less the answer's sentence,
the question with a year/number/ordinal/name changed), none of which training saw. Chinese
questions are read as written; the English column reads the same questions code-switched
(`reader/codeswitch.py`), the form English questions reach the reader in.

For each margin threshold it prints the answerable questions refused, the negatives refused
(per kind) and the reader's F1 counting a refusal as 0, and picks per language the highest
threshold refusing at most --max-refused (default 3%) of the answerable questions: the most
"not in the text" it can say at that cost. eval/questions.jsonl and the blind set play no
part in the choice.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from roundup_qa.evaluation.evaluate import char_f1
from roundup_qa.reader.assemble import DELTA, ensure_reader
from roundup_qa.reader.codeswitch import CodeSwitcher
from roundup_qa.reader.model import Reader
from roundup_qa.reader.mrc import load_mrc, split
from roundup_qa.reader.negatives import KINDS, made_negatives
from roundup_qa.retrieval.tokenizer import Tokenizer

GRID = [round(x, 1) for x in np.arange(-6.0, 8.01, 0.5)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mrc", default="../shared/mrc")
    ap.add_argument(
        "--delta", default=str(DELTA), help="the reader delta to judge (default: the shipped one)"
    )
    ap.add_argument("--per-kind", type=int, default=300, help="negatives of each kind")
    ap.add_argument("--limit", type=int, help="first N held-out questions only")
    ap.add_argument("--max-refused", type=float, default=0.03, help="answerable questions refused, at most")
    ap.add_argument("--out", default="eval/results/reader-margin")
    args = ap.parse_args()

    reader = Reader(ensure_reader(Path(args.delta))).load()
    _, held = split(load_mrc(args.mrc))
    held = held[: args.limit] if args.limit else held
    negatives = made_negatives(held, Tokenizer(), seed=7, per_kind=args.per_kind)
    switch = CodeSwitcher(seed=7)
    t0 = time.perf_counter()
    rows = []
    for lang in ("zh", "en"):
        form = (lambda q: q) if lang == "zh" else switch
        for ex in tqdm(held, desc=f"answerable {lang}", unit="q"):
            r = reader.read(form(ex.question), ex.context)
            f1 = max(char_f1(ex.context[r.start : r.end], a) for a in ex.answers)
            rows.append({"lang": lang, "kind": "answerable", "margin": r.margin, "f1": f1})
        for neg in tqdm(negatives, desc=f"negatives {lang}", unit="q"):
            r = reader.read(form(neg.question), neg.context)
            rows.append({"lang": lang, "kind": neg.kind, "margin": r.margin, "f1": None})
    seconds = time.perf_counter() - t0

    report = {"delta": args.delta, "answerable": len(held), "negatives": {k: sum(n.kind == k for n in negatives) for k in KINDS},
              "max_refused": args.max_refused, "chosen": {}, "sweep": {}}  # fmt: skip
    lines = [
        "# The reader's refusal margin, chosen on held-out data",
        "",
        f"`python eval/choose_margin.py`: {len(held)} held-out MRC questions (answerable), "
        + ", ".join(f"{v} {k}" for k, v in report["negatives"].items())
        + f" negatives made from them; {seconds / len(rows) * 1000:.0f} ms a reading. A threshold t refuses "
        "when the reader's best span scores below t against its no-answer score.",
    ]
    for lang in ("zh", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        ans = [r for r in mine if r["kind"] == "answerable"]
        sweep = []
        for t in GRID:
            row = {"t": t, "answerable_refused": np.mean([r["margin"] < t for r in ans]),
                   "f1": np.mean([0.0 if r["margin"] < t else r["f1"] for r in ans])}  # fmt: skip
            negs = [r for r in mine if r["kind"] != "answerable"]
            row["negatives_refused"] = np.mean([r["margin"] < t for r in negs])
            for k in KINDS:
                row[k] = np.mean([r["margin"] < t for r in negs if r["kind"] == k])
            sweep.append({k: round(float(v), 4) for k, v in row.items()})
        ok = [s for s in sweep if s["answerable_refused"] <= args.max_refused]
        chosen = max(ok, key=lambda s: s["t"]) if ok else sweep[0]
        report["chosen"][lang], report["sweep"][lang] = chosen, sweep
        lines += ["", f"## {'Chinese' if lang == 'zh' else 'English (code-switched)'}: chosen t = {chosen['t']:+.1f}", "",
                  "| t | answerable refused | F1 | negatives refused | " + " | ".join(KINDS) + " |",
                  "|---|---|---|---|" + "---|" * len(KINDS)]  # fmt: skip
        for s in sweep:
            mark = " **chosen**" if s is chosen else ""
            lines.append(f"| {s['t']:+.1f}{mark} | {s['answerable_refused']:.3f} | {s['f1']:.3f} | {s['negatives_refused']:.3f} | "
                         + " | ".join(f"{s[k]:.3f}" for k in KINDS) + " |")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
