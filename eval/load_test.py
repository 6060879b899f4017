"""Load test: many concurrent clients asking the running chat through its `ask` endpoint.

    python eval/load_test.py [--url http://127.0.0.1:7860/] [--clients 50] [--questions 1000]

Loopback only (it refuses another host). Without --url it starts the chat itself on a free
port. Every answer is compared with the one the same question gets when asked alone,
first; the report gives requests, errors, mismatches and latency p50 / p95.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

MAX_CLIENTS = 200
MAX_QUESTIONS = 20_000
MAX_SECONDS = 1800


def questions_from(paths: list[str], count: int) -> list[str]:
    pool = []
    for p in paths:
        pool += [
            json.loads(line)["question"]
            for line in Path(p).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    return [pool[k % len(pool)] for k in range(count)]


def run(url: str, clients: int, questions: list[str]) -> dict:
    from gradio_client import Client

    def key(record: dict) -> tuple:
        c = record["citation"] or {}
        return record["answer"], c.get("item"), c.get("start"), c.get("end")

    distinct = sorted(set(questions))
    single = Client(url, verbose=False)
    expected = {q: key(single.predict(question=q, top_k=5, district="", api_name="/ask")) for q in distinct}

    lock = threading.Lock()
    cursor = iter(range(len(questions)))
    latencies: list[float] = []
    errors: list[str] = []
    mismatches: list[str] = []
    deadline = time.monotonic() + MAX_SECONDS

    def worker() -> None:
        client = Client(url, verbose=False)
        while time.monotonic() < deadline:
            with lock:
                k = next(cursor, None)
            if k is None:
                return
            q = questions[k]
            t0 = time.perf_counter()
            try:
                record = client.predict(question=q, top_k=5, district="", api_name="/ask")
            except Exception as err:  # noqa: BLE001 - every failure is counted and reported
                with lock:
                    errors.append(f"{q[:40]}: {err}")
                continue
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if key(record) != expected[q]:
                    mismatches.append(q)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    pct = (
        (lambda p: round(1000 * lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 1))
        if lat
        else (lambda p: None)
    )
    return {
        "clients": clients,
        "requests": len(questions),
        "answered": len(latencies),
        "errors": len(errors),
        "mismatches": len(mismatches),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "mean_ms": round(1000 * statistics.fmean(lat), 1) if lat else None,
        "wall_s": round(wall, 1),
        "throughput_per_s": round(len(latencies) / wall, 1) if wall else None,
        "first_errors": errors[:5],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running chat on this machine (default: start one)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--set", nargs="+", default=["eval/questions.jsonl", "eval/questions-heldout-en.jsonl"])
    ap.add_argument("--index", default="index")
    ap.add_argument(
        "--concurrency", type=int, help="queue concurrency of the chat it starts (default: the app's)"
    )
    args = ap.parse_args()
    if not (1 <= args.clients <= MAX_CLIENTS and 1 <= args.questions <= MAX_QUESTIONS):
        ap.error(f"--clients 1..{MAX_CLIENTS}, --questions 1..{MAX_QUESTIONS}")
    server = None
    url = args.url
    if url is None:
        from roundup_qa import RoundupQA
        from roundup_qa.web import start

        extra = {"concurrency": args.concurrency} if args.concurrency else {}
        server = start(RoundupQA.load(args.index), **extra)
        url = server.url + "/"
    elif urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        ap.error("the load test only drives a chat on this machine (127.0.0.1)")
    try:
        report = run(url, args.clients, questions_from(args.set, args.questions))
    finally:
        if server is not None:
            server.stop()
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
