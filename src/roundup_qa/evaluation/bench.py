"""`roundup-qa bench`: cold start, build time, ask() latency by stage, bare query-embedding
latency, and peak memory, on the real corpus. Figures, not assertions."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..retrieval.embedder import QUERY_ENCODERS
from ..timing import peak_rss_mb
from . import evaluate

STAGES = ("clean", "query", "bm25", "embed", "dense", "fusion", "span", "abstain")


def _pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(p / 100 * len(v)))]


def cold_start(index: Path, corpus: Path, question: str, encoder: str, runs: int = 3) -> dict:
    """Process start -> first answer printed, for `roundup-qa ask --json` (index built)."""
    walls, peaks = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CLI_WITH_PEAK_RSS, "ask", question, "--json", "--index", str(index),
             "--corpus", str(corpus), "--no-rebuild", "-o", f"query_encoder={encoder}"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        walls.append(time.perf_counter() - t0)
        peaks.append(float(done.stderr.strip().splitlines()[-1]))
    return {"runs": runs, "median_s": round(statistics.median(walls), 2), "peak_rss_mb": round(max(peaks))}


# the CLI, then its own peak RSS (MB) on stderr: one child's figure, not the benchmark's
CLI_WITH_PEAK_RSS = (
    "import sys\n"
    "from roundup_qa.cli import main\n"
    "from roundup_qa.timing import peak_rss_mb\n"
    "sys.argv[0] = 'roundup-qa'\n"
    "try:\n    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    print(peak_rss_mb(), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def compare_query_encoders(qa, questions: list[str], repeats: int) -> dict:
    """Both question encoders on the same questions: latency, and how far their vectors differ.
    The engine gets the answering pipeline's thread count: its OpenMP pool is the process's,
    sized by whichever engine starts first."""
    from ..retrieval.embedder import Embedder

    out: dict = {}
    vectors = {}
    for name in QUERY_ENCODERS:
        threads = qa.embedder.engine_threads
        enc = Embedder(qa.embedder.name, query_encoder=name, engine_threads=threads).load_query_encoder()
        enc.encode_queries(questions[:5])
        times = []
        for _ in range(repeats):
            for q in questions:
                t0 = time.perf_counter()
                enc.encode_queries([q])
                times.append(time.perf_counter() - t0)
        vectors[name] = enc.encode_queries(questions)
        out[name] = {"p50": round(1000 * _pct(times, 50), 2), "p95": round(1000 * _pct(times, 95), 2)}
    if len(vectors) == 2:
        a, b = vectors.values()
        out["cosine_min"] = round(float((a * b).sum(axis=1).min()), 5)
    return out


def run_bench(qa, index: Path, corpus: Path, questions: list[str], repeats: int, build: bool) -> dict:
    report: dict = {"questions": len(questions), "repeats": repeats}
    report["cold_start"] = cold_start(index, corpus, questions[0], qa.config.query_encoder)
    report["query_encoder"] = qa.embedder.query_encoder
    report["query_encoders"] = compare_query_encoders(qa, questions, 1)
    other = next(e for e in QUERY_ENCODERS if e != qa.config.query_encoder)
    report["cold_start_" + other] = cold_start(index, corpus, questions[0], other)
    if build:
        from ..pipeline import RoundupQA

        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            RoundupQA.build(corpus, Path(tmp) / "index", qa.config, qa.embedder, progress=False)
            report["build_s"] = round(time.perf_counter() - t0, 2)
            report["build_items"] = len(qa.index.items)
    qa.warm_up()
    for q in questions[:5]:
        qa.ask(q)  # warm caches (candidates, jieba POS)
    totals, stages = [], {s: [] for s in STAGES}
    embed_only = []
    for _ in range(repeats):
        for q in questions:
            profile: dict[str, float] = {}
            t0 = time.perf_counter()
            qa.ask(q, profile=profile)
            totals.append(time.perf_counter() - t0)
            for s in STAGES:
                stages[s].append(profile.get(s, 0.0))
            t0 = time.perf_counter()
            qa.embedder.encode_queries([q])
            embed_only.append(time.perf_counter() - t0)
    ms = lambda v: round(1000 * v, 2)  # noqa: E731
    report["ask_ms"] = {"p50": ms(_pct(totals, 50)), "p95": ms(_pct(totals, 95))}
    report["stages_ms"] = {s: {"p50": ms(_pct(v, 50)), "p95": ms(_pct(v, 95))} for s, v in stages.items()}
    report["query_embedding_ms"] = {"p50": ms(_pct(embed_only, 50)), "p95": ms(_pct(embed_only, 95))}
    report["ask_over_embedding_p50"] = round(_pct(totals, 50) / _pct(embed_only, 50), 2)
    report["peak_rss_mb"] = round(peak_rss_mb())
    return report


def markdown(report: dict, command: str) -> str:
    lines = [
        "# Benchmark", "", f"`{command}` — real corpus, {report['questions']} questions x {report['repeats']}.", "",
        "| measure | p50 | p95 |", "|---|---|---|",
        f"| ask() total, ms | {report['ask_ms']['p50']} | {report['ask_ms']['p95']} |",
        *[f"| · {s}, ms | {v['p50']} | {v['p95']} |" for s, v in report["stages_ms"].items()],
        f"| bare query embedding, ms | {report['query_embedding_ms']['p50']} | {report['query_embedding_ms']['p95']} |",
        "", f"ask() p50 / bare embedding p50: **{report['ask_over_embedding_p50']}**", "",
        f"Cold start (process start to first answer, `roundup-qa ask --json`, median of "
        f"{report['cold_start']['runs']}): **{report['cold_start']['median_s']} s**, peak RSS "
        f"{report['cold_start']['peak_rss_mb']} MB (questions encoded by {report['query_encoder']}).",
    ]  # fmt: skip
    encoders = report.get("query_encoders", {})
    if encoders:
        lines += [
            "", "Question encoders, same questions (bare encoding, ms):", "",
            "| encoder | p50 | p95 | cold start s | cold start peak RSS MB |", "|---|---|---|---|---|",
        ]  # fmt: skip
        for name in QUERY_ENCODERS:
            cold = (
                report["cold_start"]
                if name == report["query_encoder"]
                else report.get(f"cold_start_{name}", {})
            )
            lines.append(
                f"| {name} | {encoders[name]['p50']} | {encoders[name]['p95']} | "
                f"{cold.get('median_s', '–')} | {cold.get('peak_rss_mb', '–')} |"
            )
        lines += [
            "",
            f"Lowest cosine between the two encoders' vectors: {encoders.get('cosine_min', '–')}.",
            "",
        ]
    if "build_s" in report:
        items = report.get("build_items", "all")
        lines.append(
            f"Index build ({items} items and their clauses, model loaded): **{report['build_s']} s**."
        )
    lines.append(f"Peak RSS of the benchmark process: {report['peak_rss_mb']} MB.")
    return "\n".join(lines) + "\n"


def questions_from(paths: list[Path], items) -> list[str]:
    out: list[str] = []
    for p in paths:
        out += [q.question for q in evaluate.load_eval_set(p, items)]
    return out


def write(report: dict, out: Path, command: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (out / "bench.md").write_text(markdown(report, command), encoding="utf-8")
