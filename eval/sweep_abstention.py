"""Choose the abstention threshold: the trade-off between refusing unanswerable questions and
wrongly refusing answerable ones.

    python eval/sweep_abstention.py [--set eval/questions.jsonl] [--out eval/results/abstention-sweep.md]

Runs the eval set once with abstention off (the records still carry the signals), then
replays the decision for each minimum coverage. Tuned on one half of the set (even lines),
reported on both halves: the rule is the largest abstention F1 with at most 5% of the
tuning half's answerable questions refused.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from roundup_qa import Config, RoundupQA, evaluate
from roundup_qa.abstain import Signals, decide

MAX_WRONGLY_REFUSED = 0.05
GRID = [round(0.05 * k, 2) for k in range(0, 19)]


def figures(rows: list[dict], threshold: float) -> dict:
    answerable = [r for r in rows if r["item"] is not None]
    unanswerable = [r for r in rows if r["item"] is None]
    refused = [r for r in rows if decide(Signals(**r["signals"]), threshold)]
    true_refusals = sum(r["item"] is None for r in refused)
    p = true_refusals / len(refused) if refused else 1.0
    rec = true_refusals / len(unanswerable) if unanswerable else 0.0
    wrong = sum(r["item"] is not None for r in refused) / len(answerable)
    f1_answers = sum(
        0.0 if decide(Signals(**r["signals"]), threshold) else r["f1"] for r in answerable
    ) / len(answerable)
    return {
        "min_coverage": threshold,
        "abstain_precision": round(p, 3),
        "abstain_recall": round(rec, 3),
        "abstain_f1": round(2 * p * rec / (p + rec), 3) if p + rec else 0.0,
        "wrongly_refused": round(wrong, 3),
        "answer_f1": round(f1_answers, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="eval/questions.jsonl")
    ap.add_argument("--index", default="index")
    ap.add_argument("--out", default="eval/results/abstention-sweep.md")
    args = ap.parse_args()

    qa = RoundupQA.load(args.index, config=Config(abstain=False))
    questions = evaluate.load_eval_set(args.set, qa.index.items)
    outcomes = evaluate.run(lambda q: qa.ask(q, top_k=evaluate.MRR_DEPTH), questions)
    rows = []
    for k, o in enumerate(outcomes):
        s = dict(o.answer.signals)
        s["uncovered"] = tuple(s["uncovered"])
        rows.append({"id": o.question.id, "half": "tune" if k % 2 == 0 else "test", "item": o.question.item,
                     "lang": o.question.lang, "signals": s, "f1": o.f1})  # fmt: skip

    tune = [r for r in rows if r["half"] == "tune"]
    curve = [figures(tune, t) for t in GRID]
    allowed = [c for c in curve if c["wrongly_refused"] <= MAX_WRONGLY_REFUSED]
    chosen = max(allowed, key=lambda c: (c["abstain_f1"], c["answer_f1"]))["min_coverage"]

    lines = [
        "# Abstention sweep",
        "",
        f"`python eval/sweep_abstention.py --set {args.set}`: {len(rows)} questions, "
        f"{sum(r['item'] is None for r in rows)} unanswerable. Tuned on the even lines ({len(tune)}), "
        f"rule: best abstention F1 with at most {MAX_WRONGLY_REFUSED:.0%} of answerable questions refused.",
        "",
        f"**Chosen min_coverage = {chosen}**",
        "",
        "## Trade-off on the tuning half",
        "",
        "| min coverage | abst. P | abst. R | abst. F1 | wrongly refused | answer F1 |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {c['min_coverage']} | {c['abstain_precision']} | {c['abstain_recall']} | {c['abstain_f1']} | "
        f"{c['wrongly_refused']} | {c['answer_f1']} |"
        for c in curve
    ]
    lines += [
        "",
        "## At the chosen threshold",
        "",
        "| split | abst. P | abst. R | wrongly refused | answer F1 |",
        "|---|---|---|---|---|",
    ]
    for name, subset in [
        ("tuning half", tune),
        ("held-out half", [r for r in rows if r["half"] == "test"]),
        ("all", rows),
        ("zh", [r for r in rows if r["lang"] == "zh"]),
        ("en", [r for r in rows if r["lang"] == "en"]),
    ]:
        f = figures(subset, chosen)
        lines.append(
            f"| {name} | {f['abstain_precision']} | {f['abstain_recall']} | {f['wrongly_refused']} | {f['answer_f1']} |"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(args.out).with_suffix(".json").write_text(
        json.dumps({"chosen": chosen, "curve": curve, "rows": rows}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
