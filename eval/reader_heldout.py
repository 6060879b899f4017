"""The reader alone on the MRC held-out slice, given each question's own paragraph.

    python eval/reader_heldout.py [--mrc ../shared/mrc] [--precision int8] [--out eval/results/reader-heldout.md]

No retrieval: this isolates the reader (the end-to-end figure is `roundup-qa eval --mrc`).
EM and character F1 (CMRC 2018 style) over all questions and by question word, with the
share the reader would refuse at the configured Chinese margin (every question here is
answerable, so each refusal is a false one).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tqdm import tqdm

from roundup_qa import Config
from roundup_qa.evaluation.evaluate import char_f1, normalize_answer
from roundup_qa.reader.model import Reader
from roundup_qa.reader.mrc import load_mrc, question_word, split


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mrc", default="../shared/mrc")
    ap.add_argument("--precision", default="fp32", choices=("int8", "fp32"))
    ap.add_argument("--limit", type=int, help="first N held-out questions only")
    ap.add_argument("--out", default="eval/results/reader-heldout.md")
    args = ap.parse_args()
    margin = Config().reader_min_margin
    reader = Reader(precision=args.precision).load()
    _, held = split(load_mrc(args.mrc))
    held = held[: args.limit] if args.limit else held
    rows, t0 = [], time.perf_counter()
    for ex in tqdm(held, desc="reader", unit="q"):
        r = reader.read(ex.question, ex.context)
        pred = ex.context[r.start : r.end]
        rows.append({
            "qword": question_word(ex.question),
            "em": float(any(normalize_answer(pred) == normalize_answer(a) for a in ex.answers)),
            "f1": max(char_f1(pred, a) for a in ex.answers),
            "refused": float(r.margin < margin),
        })  # fmt: skip
    seconds = time.perf_counter() - t0

    def figures(sel: list[dict]) -> str:
        n = len(sel)
        return (f"| {n} | {sum(r['em'] for r in sel) / n:.3f} | {sum(r['f1'] for r in sel) / n:.3f} | "
                f"{sum(r['refused'] for r in sel) / n:.3f} |")  # fmt: skip

    lines = [
        "# Reader on the MRC held-out slice, given the right paragraph",
        "",
        f"`python eval/reader_heldout.py --precision {args.precision}"
        + (f" --limit {args.limit}" if args.limit else "")
        + f"`: {len(rows)} questions, "
        f"{seconds / len(rows) * 1000:.0f} ms a question; refused = margin below {margin:+.2f} "
        "(all these questions are answerable).",
        "",
        "| question word | questions | EM | F1 | refused |",
        "|---|---|---|---|---|",
        "| all " + figures(rows),
    ]
    for qword in sorted({r["qword"] for r in rows}, key=lambda q: -sum(r["qword"] == q for r in rows)):
        lines.append(f"| {qword} " + figures([r for r in rows if r["qword"] == qword]))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
