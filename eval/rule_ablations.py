"""Does each lexical refusal rule and span step pay? Each one switched off in turn (issue 25), measured on
the blind set (`../shared/blind/score`, aggregates only), the team's own set, the close calls
(eval/questions-close.jsonl, written before the year / ordinal rule) and, with --mrc,
the MRC held-out slice end to end.

    python eval/rule_ablations.py [--mrc] [-o KEY=VALUE ...] [--out eval/results/rule-ablations]

A rule stays only where switching it off costs on the blind set: fewer unanswerable questions
refused, or lower F1. `-o` options apply to every variant (e.g. another reader margin).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "roundup-qa")
BLIND = ROOT.parent / "shared" / "blind" / "score"

VARIANTS = {
    "as configured": [],
    "coverage off": ["abstain_min_coverage=0", "abstain_min_coverage_en=0"],
    "coverage: everyday words in full": ["coverage_everyday_reference=0"],
    "names off": ["abstain_names=false"],
    "type off (with money, unit)": ["abstain_type=false"],
    "money off": ["reader_money_refusal=false"],
    "unit off": ["reader_unit_refusal=false"],
    "counted noun off": ["reader_counted_refusal=false"],
    "echo off": ["reader_echo_refusal=false"],
    "numberless off": ["reader_numeral_refusal=false"],
    "numberless for dates off": ["reader_dateless_refusal=false"],
    "a who-span naming no one off": ["reader_unnamed_refusal=false"],
    "year / ordinal off": ["abstain_stated_otherwise=false"],
    "amount of off": ["reader_amount_refusal=false"],
    "end of a started thing off": ["abstain_only_started=false"],
    "rate per day / month of a yearly figure off": ["abstain_other_period=false"],
    "change of a figure that names none off": ["abstain_no_change=false"],
}
VARIANTS["every lexical rule off"] = [
    o
    for v in list(VARIANTS.values())[1:]
    for o in v
    if "money" not in o and "unit" not in o and "everyday" not in o
]
# the span steps (reader/span.py): how the reader's span is chosen among its n-best and shaped
VARIANTS |= {
    "span: typed n-best (en) off": ["reader_type_window_en=0"],
    "span: unit n-best off": ["reader_unit_window=0"],
    "span: one line off": ["reader_one_line=false"],
    "span: quoted name off": ["reader_quote_slack=0"],
    "span: list lead and tail off": ["reader_list_lead=false"],
    "span: name, not a number, off": ["reader_named_window=0"],
    "span: not the question's words off": ["reader_echo_window=0"],
    "span: a number beside the question's words off": ["reader_beside_window=0"],
    "span: the number nearest the question's words off": ["reader_beside_number=false"],
    "span: the town a which-town question asks for off": ["reader_place_kind=false"],
    "span: snap to candidates off": ["reader_snap=false"],
}


def _options(overrides: list[str]) -> list[str]:
    return [x for o in overrides for x in ("-o", o)]


def blind(overrides: list[str]) -> dict:
    out = subprocess.run([sys.executable, str(BLIND), "--cli", CLI, "--json", *_options(overrides)],
                         capture_output=True, text=True, cwd=ROOT, check=True)  # fmt: skip
    report = json.loads(out.stdout)
    return {lang: {k: report[lang].get(k) for k in ("f1", "em", "answerable_refused", "unanswerable_refused")}
            for lang in ("zh", "en")}  # fmt: skip


def own(overrides: list[str], args: list[str]) -> dict:
    out = subprocess.run([CLI, "eval", *args, "--json", *_options(overrides)],
                         capture_output=True, text=True, cwd=ROOT, check=True)  # fmt: skip
    report = json.loads(out.stdout)
    figures = {}
    for lang, s in report["by_lang"].items():
        figures[lang] = {"f1": s.get("f1"), "answerable_refused": s.get("wrongly_refused"),
                         "unanswerable_refused": s.get("abstain_recall")}  # fmt: skip
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--mrc", action="store_true", help="also the MRC held-out slice (about 3 minutes a variant)"
    )
    ap.add_argument("-o", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--only", action="append", help="only these variants (names as in the table)")
    ap.add_argument("--out", default="eval/results/rule-ablations")
    args = ap.parse_args()
    results = {}
    for name, overrides in VARIANTS.items():
        if args.only and name not in args.only and name != "as configured":
            continue
        o = args.o + overrides
        row = {
            "blind": blind(o),
            "own": own(o, ["--set", "eval/questions.jsonl"]),
            "close": own(o, ["--set", "eval/questions-close.jsonl"]),
            "reworded": own(o, ["--set", "eval/questions-reworded-en.jsonl"]),
            "reworded-2": own(o, ["--set", "eval/questions-reworded-en-2.jsonl"]),
            "reworded-3": own(o, ["--set", "eval/questions-reworded-en-3.jsonl"]),
        }
        if args.mrc:
            row["mrc"] = own(o, ["--mrc", "../shared/mrc"])
        results[name] = row
        print(name, json.dumps(row), flush=True)

    def cell(d: dict | None, lang: str) -> str:
        if not d or lang not in d:
            return "–"
        s = d[lang]
        un = s.get("unanswerable_refused")
        return f"{s['f1']:.3f} / {s['answerable_refused']:.1%}" + (f" / {un:.0%}" if un is not None else "")

    lines = [
        "# Lexical refusal rules, each switched off (blind set, own set, MRC slice)",
        "",
        "`python eval/rule_ablations.py"
        + (" --mrc" if args.mrc else "")
        + "".join(f" -o {o}" for o in args.o)
        + "`. "
        "Each cell: F1 / answerable refused / unanswerable refused. Blind: `../shared/blind/score` "
        "(120 questions nobody on the team has read; 50 answerable and 10 unanswerable per language). "
        "Own: eval/questions.jsonl. Close: eval/questions-close.jsonl (12 questions the item answers and 12 "
        "next to them it does not, per language). Reworded: eval/questions-reworded-en.jsonl, -2 and -3 (English "
        "close calls in words the roundup does not use). MRC: the 1,170-question held-out slice, every question answerable.",
        "",
        "| variant | blind zh | blind en | own zh | own en | close zh | close en | reworded en | reworded-2 en | reworded-3 en | MRC |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results.items():
        lines.append(f"| {name} | {cell(row['blind'], 'zh')} | {cell(row['blind'], 'en')} | {cell(row['own'], 'zh')} | "
                     f"{cell(row['own'], 'en')} | {cell(row.get('close'), 'zh')} | {cell(row.get('close'), 'en')} | "
                     f"{cell(row.get('reworded'), 'en')} | {cell(row.get('reworded-2'), 'en')} | "
                     f"{cell(row.get('reworded-3'), 'en')} | "
                     f"{cell(row.get('mrc'), 'zh')} |")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"options": args.o, "results": results}, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
