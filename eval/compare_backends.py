"""The files index and its Milvus copy, question by question: same passages, answer, citation?

    python eval/compare_backends.py --milvus-uri /tmp/roundup.db            # syncs index/ first
    python eval/compare_backends.py --milvus-uri http://host:19530 --no-sync

Asks every question of the eval sets through both backends and prints how many differ, and
the mean time of one `ask()` through each.
"""

from __future__ import annotations

import argparse
import json
import time

from roundup_qa import Config, RoundupQA
from roundup_qa.milvus import MilvusIndex

SETS = ("eval/questions.jsonl", "eval/questions-fresh.jsonl", "eval/questions-heldout-en.jsonl")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--milvus-uri", required=True)
    ap.add_argument("--collection", default="roundup")
    ap.add_argument("--no-sync", action="store_true", help="compare with what the Milvus index holds now")
    args = ap.parse_args()
    files = RoundupQA.load("index")
    if not args.no_sync:
        print(MilvusIndex(args.milvus_uri, args.collection).sync(files.index))
    config = Config().with_overrides(
        backend="milvus", milvus_uri=args.milvus_uri, milvus_collection=args.collection
    )
    milvus = RoundupQA.load(config=config, embedder=files.embedder)
    questions = [json.loads(line)["question"] for path in SETS for line in open(path, encoding="utf-8")]
    seconds = {"files": 0.0, "milvus": 0.0}
    differ = 0
    for q in questions:
        answers = {}
        for name, qa in (("files", files), ("milvus", milvus)):
            t0 = time.perf_counter()
            answers[name] = qa.ask(q)
            seconds[name] += time.perf_counter() - t0
        a, b = answers["files"], answers["milvus"]
        if (
            [(p.source, p.item) for p in a.passages] != [(p.source, p.item) for p in b.passages]
            or a.answer != b.answer
            or (a.citation and a.citation.to_dict()) != (b.citation and b.citation.to_dict())
        ):
            differ += 1
            print(f"differs: {q}")
    n = len(questions)
    print(
        f"{n} questions, {differ} differ; ask() mean: files {1000 * seconds['files'] / n:.1f} ms, "
        f"milvus {1000 * seconds['milvus'] / n:.1f} ms (index version {milvus.backend.version})"
    )


if __name__ == "__main__":
    main()
