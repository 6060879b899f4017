"""Scale benchmark: synthetic corpora recombined from the roundup, exact vs scale path.

    python eval/bench_scale.py --sizes 10000 100000 [--embed 10000] [--out eval/results/bench-scale]

For each size: items are built from random sentences of the roundup's items, with their
numbers varied; they are tokenised with the project's tokenizer (timed), indexed by
rank-bm25 (exact path) and by the sparse BM25 matrix (scale path), and queried with the
eval questions' lexical queries (p50 / p95, and top-10 agreement). Dense side: FAISS flat vs
HNSW build and query time, and HNSW recall@10 against flat. Vectors: the first --embed items
are embedded with the real model; beyond that, vectors are those real vectors with noise
(stated in the report), since embedding a million passages takes hours on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import time
from pathlib import Path

import numpy as np

from roundup_qa import RoundupQA, evaluate
from roundup_qa.dense import DenseIndex
from roundup_qa.lexical import LexicalIndex, SparseLexicalIndex

_SENT = re.compile(r"[^。;!?]+[。;!?]?")


def synthetic(qa: RoundupQA, n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    sentences = [s for it in qa.index.items for s in _SENT.findall(it.body) if len(s) > 8]
    out = []
    for _ in range(n):
        picked = rng.sample(sentences, 3)
        text = "".join(picked)
        out.append(re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(0, 9)), text))
    return out


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return round(1000 * v[min(len(v) - 1, int(p / 100 * len(v)))], 3)


def bench_size(qa: RoundupQA, n: int, queries: list, qvecs: np.ndarray, real: np.ndarray) -> dict:
    row: dict = {"items": n}
    texts = synthetic(qa, n)
    t0 = time.perf_counter()
    tokens = [qa.tokenizer.tokenize(t) for t in texts]
    row["tokenize_s"] = round(time.perf_counter() - t0, 1)
    for name, make in (
        ("rank_bm25", lambda: LexicalIndex(tokens)),
        ("sparse_bm25", lambda: SparseLexicalIndex(tokens)),
    ):
        t0 = time.perf_counter()
        index = make()
        row[f"{name}_build_s"] = round(time.perf_counter() - t0, 2)
        times, tops = [], []
        for q in queries:
            t0 = time.perf_counter()
            hits = index.search(q.terms, 10, None, q.weights)
            times.append(time.perf_counter() - t0)
            tops.append([h.doc for h in hits])
        row[f"{name}_query_ms"] = {"p50": pct(times, 50), "p95": pct(times, 95)}
        row[f"_{name}_tops"] = tops
    if "_rank_bm25_tops" in row and "_sparse_bm25_tops" in row:
        same = [a == b for a, b in zip(row["_rank_bm25_tops"], row["_sparse_bm25_tops"], strict=True)]
        row["lexical_top10_identical"] = round(sum(same) / len(same), 3)
    row.pop("_rank_bm25_tops", None)
    row.pop("_sparse_bm25_tops", None)

    rng = np.random.default_rng(0)
    reps = int(np.ceil(n / len(real)))
    vectors = np.tile(real, (reps, 1))[:n]
    if n > len(real):
        vectors[len(real) :] += rng.normal(scale=0.05, size=vectors[len(real) :].shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    row["vectors"] = f"{min(n, len(real))} embedded by the model, {max(0, n - len(real))} real + noise"
    results = {}
    for name, approx in (("flat", False), ("hnsw", True)):
        t0 = time.perf_counter()
        index = DenseIndex.from_vectors(vectors, approximate=approx)
        row[f"{name}_build_s"] = round(time.perf_counter() - t0, 1)
        times, tops = [], []
        for v in qvecs:
            t0 = time.perf_counter()
            tops.append([h.doc for h in index.search(v, 10)])
            times.append(time.perf_counter() - t0)
        row[f"{name}_query_ms"] = {"p50": pct(times, 50), "p95": pct(times, 95)}
        results[name] = tops
    row["hnsw_recall@10"] = round(
        float(
            np.mean(
                [len(set(a) & set(b)) / 10 for a, b in zip(results["flat"], results["hnsw"], strict=True)]
            )
        ),
        3,
    )
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--embed", type=int, default=2000, help="how many synthetic items to embed for real")
    ap.add_argument("--index", default="index")
    ap.add_argument("--out", default="eval/results/bench-scale")
    args = ap.parse_args()
    qa = RoundupQA.load(args.index)
    questions = [q.question for q in evaluate.load_eval_set("eval/questions.jsonl", qa.index.items)]
    queries = [qa._lexical_query(q) for q in questions]
    qvecs = qa.embedder.encode_queries(questions)
    t0 = time.perf_counter()
    real = qa.embedder.encode_passages(synthetic(qa, args.embed, seed=1), progress=True)
    embed_s = time.perf_counter() - t0
    flat, hnsw = DenseIndex.from_vectors(real), DenseIndex.from_vectors(real, approximate=True)
    recall_real = float(
        np.mean(
            [
                len({h.doc for h in flat.search(v, 10)} & {h.doc for h in hnsw.search(v, 10)}) / 10
                for v in qvecs
            ]
        )
    )
    rows = [bench_size(qa, n, queries, qvecs, real) for n in args.sizes]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "embedded_for_real": args.embed,
        "embed_s": round(embed_s, 1),
        "hnsw_recall@10_real": round(recall_real, 3),
        "rows": rows,
    }
    (out / "bench-scale.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    lines = [
        "# Scale benchmark", "",
        f"`python eval/bench_scale.py --sizes {' '.join(map(str, args.sizes))} --embed {args.embed}` — "
        f"{len(questions)} eval questions as queries; {args.embed} synthetic passages embedded with the real model "
        f"({embed_s:.0f} s), larger corpora reuse those vectors with noise. HNSW recall@10 against exact search "
        f"on the {args.embed} real embeddings alone: **{recall_real:.3f}**.", "",
        "| items | tokenise s | rank-bm25 query p50/p95 ms | sparse BM25 query p50/p95 ms | same top-10 | flat p50/p95 ms | HNSW build s | HNSW p50/p95 ms | HNSW recall@10 | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        rb = r.get("rank_bm25_query_ms")
        exact = f"{rb['p50']} / {rb['p95']}" if rb else "–"
        lines.append(
            f"| {r['items']:,} | {r['tokenize_s']} | {exact} | "
            f"{r['sparse_bm25_query_ms']['p50']} / {r['sparse_bm25_query_ms']['p95']} | {r.get('lexical_top10_identical', '–')} | "
            f"{r['flat_query_ms']['p50']} / {r['flat_query_ms']['p95']} | {r['hnsw_build_s']} | "
            f"{r['hnsw_query_ms']['p50']} / {r['hnsw_query_ms']['p95']} | {r['hnsw_recall@10']} | {r['peak_rss_mb']} |"
        )
    (out / "bench-scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
