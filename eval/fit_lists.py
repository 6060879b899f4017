"""Fit the weights by which a list question takes its further items (`Config.list_weights`,
dialogue/lists.py) on the list questions of eval/kinds*.jsonl.

Each list question is asked through the pipeline; every further item it considers (the
first `list_depth` fused but its best) is read, and those a single answer's refusal standard
lets through are recorded with their features, labelled by
the question's `items` (1) or not (0); items in `also` (may answer) are left out. Then, per
weight group (language x whether the list asks which districts):
- leave one set out: weights fitted on the other files score the held-out file's further
  items; precision and recall of the items taken at each threshold are printed;
- the threshold on the score with the best F1 of those held-out decisions;
- the weights fitted on every file given, the threshold moved into their bias (so an item
  is taken above 0), printed as the `list_weights` to paste into config.py.

    python eval/fit_lists.py [--hold-out eval/kinds-fresh-16.jsonl] [FILE ...]
"""

from __future__ import annotations

import argparse
import glob
import json
from collections import defaultdict

from roundup_qa.dialogue import lists
from roundup_qa.pipeline import RoundupQA, detect_language

THRESHOLDS = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5)  # on the log-odds; the best F1 is built into the bias


def observe(qa: RoundupQA, question: str):
    """The further candidates `question` considers, every one read (weights ignored)."""
    seen = []
    original = qa._list_candidates

    def every(hits, text, lang, listing, reading, covering, judged, weights=None):
        found = original(hits, text, lang, listing, reading, covering, judged, None)
        seen.extend(c for c, _ in found)
        return found

    qa._list_candidates = every
    try:
        qa.ask(question)
    finally:
        del qa._list_candidates
    return seen


def _f1(scored: list[tuple[float, int]], cut: float) -> tuple[float, float, float]:
    """Precision, recall and F1 of the items scoring above `cut`."""
    taken = [y for s, y in scored if s > cut]
    gold = sum(y for _, y in scored)
    p, r = sum(taken) / max(len(taken), 1), sum(taken) / max(gold, 1)
    return p, r, 2 * p * r / max(p + r, 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="kinds sets (default: eval/kinds*.jsonl)")
    ap.add_argument("--hold-out", action="append", default=[], help="a kinds set left out of fitting")
    args = ap.parse_args()
    files = sorted(set(args.files or glob.glob("eval/kinds*.jsonl")) - set(args.hold_out))
    qa = RoundupQA.load(progress=False)
    rows = defaultdict(list)  # group -> (file, candidate, label)
    number = {d: it.number for d, it in enumerate(qa.index.items)}
    for path in files:
        for line in open(path, encoding="utf-8"):
            q = json.loads(line)
            if q.get("kind") != "list":
                continue
            lang = detect_language(q["question"])
            listing = qa.kind(q["question"], lang)
            if listing.kind != "list":
                print(f"  not read as a list: {q['question']}")
                continue
            group = lists.group(lang, listing.asks_district)
            for c in observe(qa, q["question"]):
                n = number[c.doc]
                if n in q.get("also", []):
                    continue
                rows[group].append((path, c, int(n in q["items"])))
    fitted = {}
    for group, data in sorted(rows.items()):
        held_out = []  # (score under weights fitted without its file, label)
        for held in files:
            train = [(c, y) for f, c, y in data if f != held]
            if train and any(f == held for f, _, _ in data):
                w = lists.fit([c for c, _ in train], [y for _, y in train])
                held_out += [(lists.score(c, w), y) for f, c, y in data if f == held]
        gold = sum(y for _, y in held_out)
        at = {t: _f1(held_out, t) for t in THRESHOLDS}
        cut = max(THRESHOLDS, key=lambda t: (round(at[t][2], 3), -abs(t)))
        w = lists.fit([c for _, c, _ in data], [y for _, _, y in data])
        fitted[group] = (round(w[0] - cut, 3), *w[1:])  # taken above 0 = above `cut` before
        print(f"{group:12} {len(data)} further items, {gold} answering; leave one set out:")
        for t in THRESHOLDS:
            p, r, f = at[t]
            print(
                f"   {'*' if t == cut else ' '} above {t:+.1f}: precision {p:.3f} recall {r:.3f} F1 {f:.3f}"
            )
    print("list_weights =", json.dumps({g: list(w) for g, w in fitted.items()}))


if __name__ == "__main__":
    main()
