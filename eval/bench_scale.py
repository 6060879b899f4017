"""Scale benchmark: synthetic corpora recombined from the roundup.

    python eval/bench_scale.py --sizes 10000 100000 1000000        # end to end
    python eval/bench_scale.py --components 10000 100000 --embed 3000  # exact vs scale path

End to end (bench-e2e.md): for each size, in a fresh process, a corpus directory of
roundup files (10,000 synthetic items each, plus the real roundup) is parsed, indexed by the
project's own build (`build_index`, stage by stage), saved, loaded, and asked the eval
questions (`ask()` p50 / p95 by stage); index size on disk, peak memory, and the cold start
of `roundup-qa ask` on it. Passage vectors: a pool of synthetic passages embedded with the
real model, reused with noise (embedding millions of passages takes hours on 2 cores); the
embedding time of a real build is extrapolated from the pool's measured rate and reported
as such. Questions are encoded for real.

Components (bench-scale.md): items are built from random sentences of the roundup's items, with their
numbers varied; they are tokenised with the project's tokenizer (timed), indexed by
rank-bm25 (exact path) and by the sparse BM25 matrix (scale path), and queried with the
eval questions' lexical queries (p50 / p95, and top-10 agreement). Dense side: FAISS flat vs
HNSW build and query time, and HNSW recall@10 against flat. Vectors: the first --embed items
are embedded with the real model; beyond that, vectors are those real vectors with noise
(stated in the report), since embedding a million passages takes hours on 2 cores.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from roundup_qa import Config, RoundupQA, load_corpus
from roundup_qa.build import build_index, remove_scratch, scratch_prefix
from roundup_qa.evaluation import evaluate
from roundup_qa.evaluation.bench import CLI_WITH_PEAK_RSS
from roundup_qa.retrieval.dense import DenseIndex
from roundup_qa.retrieval.embedder import Embedder
from roundup_qa.retrieval.lexical import LexicalIndex, SparseLexicalIndex
from roundup_qa.store import load_index, save_index
from roundup_qa.timing import memory_mb, peak_rss_mb

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
    row["peak_rss_mb"] = round(peak_rss_mb())
    return row


E2E_QUESTIONS = ("eval/questions.jsonl", "eval/questions-heldout-en.jsonl")
ITEMS_PER_FILE = 10_000


class PooledPassages(Embedder):
    """Real question encoder; a passage gets a pool vector chosen by its text, plus noise."""

    def __init__(self, pool: np.ndarray) -> None:
        super().__init__()
        self.pool = pool

    def encode_passages(self, texts, progress: bool = False) -> np.ndarray:
        codes = np.array([zlib.crc32(t.encode("utf-8")) for t in texts], dtype=np.int64)
        rng = np.random.default_rng(int(codes[0]) if len(codes) else 0)
        v = self.pool[codes % len(self.pool)] + rng.normal(scale=0.05, size=(len(texts), self.pool.shape[1]))
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def write_corpus(qa: RoundupQA, n: int, target: Path) -> None:
    """`n` synthetic items in roundup files of ITEMS_PER_FILE, beside the real roundup."""
    rng = random.Random(n)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in ("districts.json", "glossary.tsv", "dongying-2021-05-roundup.txt"):
        shutil.copy(Path("corpus") / name, target / name)
    titles = [it.title for it in qa.index.items]
    bodies = synthetic(qa, n, seed=n)
    vary = lambda text: re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(0, 9)), text)  # noqa: E731
    for f, start in enumerate(range(0, n, ITEMS_PER_FILE)):
        lines = ["2021年东营各县区发展亮点汇编(合成,用于规模测试)"]
        for body in bodies[start : start + ITEMS_PER_FILE]:
            lines += [f"●{vary(rng.choice(titles))}", body]
        (target / f"synthetic-{f:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def pool_vectors(qa: RoundupQA, size: int) -> tuple[np.ndarray, float]:
    """`size` synthetic passages (whole items and single clauses) embedded with the real
    model, and the seconds per passage it took; cached beside the converted model."""
    from roundup_qa.retrieval.packaged import cache_dir

    cache = cache_dir() / f"bench-pool-{size}.npz"
    if cache.exists():
        data = np.load(cache)
        return data["vectors"], float(data["seconds_per_passage"])
    texts = synthetic(qa, size // 2, seed=7)
    texts += [c for t in synthetic(qa, size, seed=8) for c in re.split(r"[,。;]", t) if c][
        : size - len(texts)
    ]
    embedder = Embedder(qa.config.model)
    embedder.load()
    t0 = time.perf_counter()
    vectors = embedder.encode_passages(texts, progress=True)
    rate = (time.perf_counter() - t0) / len(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, vectors=vectors, seconds_per_passage=rate)
    return vectors, rate


def e2e_one(n: int, pool_size: int, work: Path, backends: list[str] = ("files",)) -> dict:
    """One corpus size, end to end (run in its own process for a clean peak-memory figure)."""
    qa = RoundupQA.load("index")
    pool, rate = pool_vectors(qa, pool_size)
    row: dict = {"items": n}
    corpus_dir, index_dir = work / f"corpus-{n}", work / f"index-{n}"
    t0 = time.perf_counter()
    write_corpus(qa, n, corpus_dir)
    row["write_corpus_s"] = round(time.perf_counter() - t0, 1)
    del qa
    t0 = time.perf_counter()
    corpus = load_corpus(corpus_dir)
    row["parse_s"] = round(time.perf_counter() - t0, 1)
    row["items_indexed"] = len(corpus.items)
    config = Config()
    build: dict[str, float] = {}
    t0 = time.perf_counter()
    scratch = scratch_prefix(index_dir)
    stored = build_index(corpus, corpus_dir, config, PooledPassages(pool), True, None, build, scratch)
    row["build_s_without_embedding"] = round(time.perf_counter() - t0 - build["embed"], 1)
    row["build_stages_s"] = {k: round(v, 1) for k, v in build.items() if k != "embed"}
    row["passages"] = stored.manifest.embedded.passages
    row["clauses"] = len(stored.clauses)
    row["embedding_s_extrapolated"] = round(row["passages"] * rate)
    row["seconds_per_passage"] = round(rate, 4)
    t0 = time.perf_counter()
    save_index(stored, index_dir)
    remove_scratch(index_dir)
    row["save_s"] = round(time.perf_counter() - t0, 1)
    row["index_mb"] = {f.name: round(f.stat().st_size / 2**20, 1) for f in sorted(index_dir.iterdir())}
    row["index_mb_total"] = round(sum(row["index_mb"].values()), 1)
    row["build_peak_rss_mb"] = _rss()
    row["build_memory_mb_at_end"] = memory_mb()
    if "milvus" in backends:  # the same index into embedded milvus-lite: ingest, then answering
        from roundup_qa.milvus import MilvusIndex

        uri = str(work / f"milvus-{n}.db")
        shutil.rmtree(uri, ignore_errors=True)
        t0 = time.perf_counter()
        store = MilvusIndex(uri, "bench")
        report = store.sync(stored)
        row["milvus_ingest_s"] = round(time.perf_counter() - t0, 1)
        store.close()  # an embedded .db is open in one process at a time: the answering one is next
        row["milvus_ingest_rows_per_s"] = round(
            (report.upserted + report.clauses_upserted) / row["milvus_ingest_s"]
        )
        row["milvus_mb"] = round(
            sum(f.stat().st_size for f in Path(uri).rglob("*") if f.is_file()) / 2**20, 1
        )
    del stored, corpus
    gc.collect()
    answering = subprocess.run(
        [sys.executable, __file__, "--ask-index", str(index_dir)],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    row.update(json.loads(answering.stdout.strip().splitlines()[-1]))
    if "milvus" in backends:
        done = subprocess.run(
            [sys.executable, __file__, "--ask-milvus", str(work / f"milvus-{n}.db")],
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        row["milvus"] = json.loads(done.stdout.strip().splitlines()[-1])
    questions = [json.loads(line)["question"] for p in E2E_QUESTIONS for line in open(p, encoding="utf-8")]
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CLI_WITH_PEAK_RSS, "ask", questions[0], "--index", str(index_dir),
         "--corpus", str(corpus_dir), "--no-rebuild", "--json"],
        capture_output=True, text=True,
    )  # fmt: skip
    row["cold_start_s"] = round(time.perf_counter() - t0, 1)
    row["cold_start_ok"] = done.returncode == 0
    row["cold_start_peak_rss_mb"] = (
        round(float(done.stderr.strip().splitlines()[-1])) if done.stderr else None
    )
    return row


def answering(index_dir: Path | None, milvus: str | None = None) -> dict:
    """Load a built index (plain files, or the Milvus index at `milvus`) and ask the eval
    questions, in a process of its own (its peak memory is that of answering, not of building)."""
    row: dict = {}
    config = Config()
    t0 = time.perf_counter()
    if milvus:
        config = config.with_overrides(backend="milvus", milvus_uri=milvus, milvus_collection="bench")
        qa = RoundupQA.load(config=config)
        row["load_index_s"] = round(time.perf_counter() - t0, 1)
        qa.warm_up()
        row["init_s"] = round(time.perf_counter() - t0 - row["load_index_s"], 1)
        row["scale_path"] = "milvus-lite"
    else:
        stored = load_index(index_dir)
        row["load_index_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        qa = RoundupQA(stored, config).warm_up()
        row["init_s"] = round(time.perf_counter() - t0, 1)
        row["scale_path"] = (
            type(qa.backend.index).__name__ + " + " + ("HNSW" if qa.index.dense.approximate else "flat")
        )
    questions = [json.loads(line)["question"] for p in E2E_QUESTIONS for line in open(p, encoding="utf-8")]
    for q in questions[:5]:
        qa.ask(q)
    totals, stages = [], {}
    for q in questions:
        profile: dict[str, float] = {}
        t0 = time.perf_counter()
        qa.ask(q, profile=profile)
        totals.append(time.perf_counter() - t0)
        for k, v in profile.items():
            stages.setdefault(k, []).append(v)
    row["ask_ms"] = {"p50": pct(totals, 50), "p95": pct(totals, 95)}
    row["ask_stages_ms_p50"] = {k: pct(v, 50) for k, v in stages.items()}
    row["ask_stages_ms_p95"] = {k: pct(v, 95) for k, v in stages.items()}
    row["peak_rss_mb"] = _rss()
    row["memory_mb"] = memory_mb()
    return row


def _rss() -> int:
    return round(peak_rss_mb())


def e2e_markdown(rows: list[dict], command: str) -> str:
    rate = rows[0]["seconds_per_passage"] if rows else 0
    lines = [
        "# Scale benchmark, end to end", "",
        f"`{command}` — each size in its own process; corpus = "
        f"synthetic roundup files of {ITEMS_PER_FILE:,} items + the real roundup; 189 eval questions "
        "asked once each (questions encoded for real by the query encoder). Passage vectors come from "
        "a pool embedded with the real model plus noise; **the embedding time of a real build is "
        f"extrapolated** from that pool's rate ({rate * 1000:.1f} ms per passage, sentence-transformers on 2 cores).", "",
        "| items | passages (items + clauses) | build s, without embedding | + embedding s (extrapolated) | index on disk MB | build peak RSS MB | ask() p50 / p95 ms | answering: load s / own memory MB (+ mapped file pages) | cold start s (`roundup-qa ask`) / peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        lines.append(
            f"| {r['items_indexed']:,} | {r['passages']:,} | {r['build_s_without_embedding']} | "
            f"{r['embedding_s_extrapolated']:,} | {r['index_mb_total']:,} | {r['build_peak_rss_mb']:,} | "
            f"{r['ask_ms']['p50']} / {r['ask_ms']['p95']} | {r['load_index_s'] + r['init_s']:.1f} / {r['memory_mb'].get('anon', '?'):,} (+{r['memory_mb'].get('file', '?'):,}) | "
            f"{r['cold_start_s'] if r['cold_start_ok'] else 'failed'} / {r['cold_start_peak_rss_mb']} |"
        )
    stages = list(rows[0]["ask_stages_ms_p50"]) if rows else []
    lines += ["", "ask() stages, p50 / p95 ms:", "", "| items | " + " | ".join(stages) + " |",
              "|---|" + "---|" * len(stages)]  # fmt: skip
    for r in rows:
        cells = [f"{r['ask_stages_ms_p50'][s]} / {r['ask_stages_ms_p95'][s]}" for s in stages]
        lines.append(f"| {r['items_indexed']:,} | " + " | ".join(cells) + " |")
    steps = list(rows[0]["build_stages_s"]) if rows else []
    lines += ["", "Build steps, s (parse = reading the corpus files; load = reading the saved index):", "",
              "| items | parse | " + " | ".join(steps) + " | save | load | init |",
              "|---|---|" + "---|" * (len(steps) + 3)]  # fmt: skip
    for r in rows:
        cells = [str(r["build_stages_s"][s]) for s in steps]
        lines.append(
            f"| {r['items_indexed']:,} | {r['parse_s']} | "
            + " | ".join(cells)
            + f" | {r['save_s']} | {r['load_index_s']} | {r['init_s']} |"
        )
    milvus = [r for r in rows if "milvus" in r]
    if milvus:
        lines += ["", "The same index in embedded milvus-lite (`--backends files milvus`): ingest by "
                  "`MilvusIndex.sync`, answers by `MilvusBackend` (same scoring as the files):", "",
                  "| items | rows (items + clauses) | ingest s | rows/s | on disk MB | load s | ask() p50 / p95 ms "
                  "| bm25 p50 ms | dense p50 ms | own memory MB | files: ask() p50 / p95 ms |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for r in milvus:
            m = r["milvus"]
            lines.append(
                f"| {r['items_indexed']:,} | {r['passages']:,} | {r['milvus_ingest_s']} | "
                f"{r['milvus_ingest_rows_per_s']:,} | {r['milvus_mb']:,} | {m['load_index_s'] + m['init_s']:.1f} | "
                f"{m['ask_ms']['p50']} / {m['ask_ms']['p95']} | {m['ask_stages_ms_p50']['bm25']} | "
                f"{m['ask_stages_ms_p50']['dense']} | {m['memory_mb'].get('anon', '?'):,} | "
                f"{r['ask_ms']['p50']} / {r['ask_ms']['p95']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[], help="end to end, e.g. 10000 100000 1000000")
    ap.add_argument("--components", type=int, nargs="*", default=[], help="exact vs scale path components")
    ap.add_argument("--embed", type=int, default=2000, help="components: synthetic items embedded for real")
    ap.add_argument("--pool", type=int, default=2000, help="end to end: pool of real passage vectors")
    ap.add_argument("--work", default="/tmp/roundup-qa-scale", help="where the corpora and indexes go")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--ask-index", help=argparse.SUPPRESS)
    ap.add_argument("--ask-milvus", help=argparse.SUPPRESS)
    ap.add_argument(
        "--backends", nargs="+", default=["files"], choices=("files", "milvus"),
        help="end to end: also ingest into milvus-lite and answer from it",
    )  # fmt: skip
    ap.add_argument("--out", default="eval/results/bench-scale")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.ask_index or args.ask_milvus:
        print(json.dumps(answering(Path(args.ask_index) if args.ask_index else None, args.ask_milvus)))
        return
    if args.one:
        print(json.dumps(e2e_one(args.one, args.pool, Path(args.work), args.backends)))
        return
    if args.components:
        components(args)
    if args.sizes:
        rows = []
        for n in args.sizes:
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--pool", str(args.pool), "--work", args.work,
                 "--backends", *args.backends],
                stdout=subprocess.PIPE, text=True, check=True,
            )  # fmt: skip
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            shutil.rmtree(Path(args.work) / f"corpus-{n}", ignore_errors=True)
            shutil.rmtree(Path(args.work) / f"index-{n}", ignore_errors=True)
            command = "python eval/bench_scale.py --sizes " + " ".join(str(r["items"]) for r in rows)
            if args.backends != ["files"]:
                command += f" --backends {' '.join(args.backends)} --out {args.out}"
            (out / "bench-e2e.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
            (out / "bench-e2e.md").write_text(e2e_markdown(rows, command), encoding="utf-8")
        print((out / "bench-e2e.md").read_text(encoding="utf-8"))


def components(args: argparse.Namespace) -> None:
    qa = RoundupQA.load("index")
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
    rows = [bench_size(qa, n, queries, qvecs, real) for n in args.components]
    out = Path(args.out)
    report = {
        "embedded_for_real": args.embed,
        "embed_s": round(embed_s, 1),
        "hnsw_recall@10_real": round(recall_real, 3),
        "rows": rows,
    }
    (out / "bench-scale.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    lines = [
        "# Scale benchmark", "",
        f"`python eval/bench_scale.py --components {' '.join(map(str, args.components))} --embed {args.embed}` — "
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
