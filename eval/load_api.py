"""Throughput of the JSON API under concurrent clients, against what the CPU allows (issue 17).

    python eval/load_api.py [--clients 50] [--questions 5000] [--out eval/results/load-api.json]

1. c: the CPU seconds one `ask()` costs, each distinct eval question asked alone in this
   process (the engine on one thread, as the server runs it), after a warm-up pass.
2. `roundup-qa serve` starts in its own process on a free loopback port.
3. This process, one asyncio client, keeps --clients requests in flight over `POST /api/ask`
   until --questions are answered. T = answered / wall time; goal T >= 0.7 x cores / c.
Every record is compared with the one `ask()` gave the same question alone (answer and
citation); errors, 503s, latency p50/p95 and the server's memory are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def questions_from(paths: list[str], count: int) -> list[str]:
    pool = [
        json.loads(line)["question"]
        for p in paths
        for line in Path(p).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [pool[k % len(pool)] for k in range(count)]


def key(record: dict) -> tuple:
    c = record["citation"] or {}
    return record["answer"], c.get("item"), c.get("start"), c.get("end")


def alone(index: str, distinct: list[str], options: list[str]) -> tuple[dict[str, tuple], float]:
    """Each question's record key, and the median CPU seconds of one ask() (every thread's)."""
    from roundup_qa import RoundupQA
    from roundup_qa.cli import config_from

    config = config_from(options)
    qa = RoundupQA.load(
        index, config=config.with_overrides(engine_threads=config.engine_threads or 1)
    ).warm_up()
    for q in distinct:  # warm-up pass: candidate caches, lazy loads
        qa.ask(q)
    expected, cpu = {}, []
    for q in distinct:
        t0 = time.process_time()
        expected[q] = key(qa.ask(q).to_dict())
        cpu.append(time.process_time() - t0)
    return expected, statistics.median(cpu)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    index: str, port: int, threads: int | None, workers: int, options: list[str]
) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "roundup_qa.cli", "serve", "--port", str(port), "--index", index]
    for option in options:
        cmd += ["-o", option]
    if threads:
        cmd += ["--threads", str(threads)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(url: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}")
            try:
                if (await client.get("/api/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the server did not become ready")


async def load(url: str, clients: int, questions: list[str], expected: dict[str, tuple]) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    mismatches: list[str] = []
    cursor = iter(range(len(questions)))

    async def client_loop(client: httpx.AsyncClient) -> None:
        for k in cursor:
            q = questions[k]
            t0 = time.perf_counter()
            try:
                r = await client.post("/api/ask", json={"question": q})
            except httpx.HTTPError as err:
                errors.append(f"{q[:40]}: {err!r}")
                continue
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code != 200:
                errors.append(f"{q[:40]}: HTTP {r.status_code} {r.text[:80]}")
                continue
            latencies.append(time.perf_counter() - t0)
            if key(r.json()) != expected[q]:
                mismatches.append(q)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        wall = time.perf_counter() - t0
    lat = sorted(latencies)

    def pct(p: float) -> float | None:
        return round(1000 * lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 1) if lat else None

    return {
        "requests": len(questions), "answered": len(lat), "errors": len(errors), "statuses": statuses,
        "mismatches": len(mismatches), "p50_ms": pct(50), "p95_ms": pct(95), "wall_s": round(wall, 1),
        "throughput_per_s": round(len(lat) / wall, 1), "first_errors": errors[:5], "first_mismatches": mismatches[:5],
    }  # fmt: skip


def memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssFile", "RssAnon"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


def processes(pid: int) -> list[int]:
    """The server's process and its descendants (uvicorn's workers)."""
    out = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        out += processes(int(child))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--questions", type=int, default=5000)
    ap.add_argument("--set", nargs="+", default=["eval/questions.jsonl", "eval/questions-heldout-en.jsonl"])
    ap.add_argument("--index", default="index")
    ap.add_argument("--threads", type=int, help="the server's answering threads (default: one per core)")
    ap.add_argument(
        "--workers", type=int, default=1, help="the server's processes (roundup-qa serve --workers)"
    )
    ap.add_argument("--out", help="write the report as JSON here too")
    ap.add_argument("-o", "--option", action="append", default=[], metavar="KEY=VALUE",
                    help="a config value for the server and the lone ask()s, as roundup-qa -o")  # fmt: skip
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    questions = questions_from(args.set, args.questions)
    expected, c = alone(args.index, sorted(set(questions)), args.option)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(args.index, port, args.threads, args.workers, args.option)
    try:
        asyncio.run(wait_ready(url, proc))
        report = asyncio.run(load(url, args.clients, questions, expected))
        memory = {p: memory_mb(p) for p in processes(proc.pid)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    limit = cores / c
    report = {
        "command": "python eval/load_api.py " + " ".join(sys.argv[1:]),
        "cores": cores, "clients": args.clients, "c_cpu_ms": round(1000 * c, 1),
        "cpu_limit_per_s": round(limit, 1), "ratio": round(report["throughput_per_s"] / limit, 2),
        **report, "workers": args.workers,
        # every process of the server: RSS, its file-backed part (the shared mapped index and
        # models' pages) and its anonymous part (each process's own)
        "server_rss_mb": round(sum(m.get("VmRSS", 0) for m in memory.values()), 1),
        "server_processes": {str(p): m for p, m in memory.items()},
    }  # fmt: skip
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
