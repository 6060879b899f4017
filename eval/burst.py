"""Bursts and half-open connections against a real server (issue 27): prints figures.

    python eval/burst.py [--chat 200] [--api 200] [--half-open 500] [--out FILE]

1. `roundup-qa serve` starts in its own process on a free loopback port, with its default
   limits (queue 64, deadline 10 s, header timeout 10 s), unless --url names a running one.
2. Burst: --chat questions through Gradio's `/gradio_api/call/ask` and --api through
   `POST /api/ask`, all at once, while `/api/health` is asked every 0.1 s. Each request is
   answered, or refused (503 + Retry-After; the chat's "busy" error); the figure that
   matters is how long the slowest took against the deadline + 1 s.
3. Half-open: --half-open connections each send half a request head and wait; health is
   asked throughout; reported is when the server had closed every one of them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import select
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["华盛橡胶的品牌价值是多少?", "What is the brand value of Huasheng Rubber?", "问" * 500]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log: str | None = None) -> tuple[str, subprocess.Popen]:
    port = _free_port()
    sink = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 (the server's lifetime)
    proc = subprocess.Popen(
        [sys.executable, "-m", "roundup_qa.cli", "serve", "--port", str(port), "--feedback", "none"],
        cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not start")


def _health(url: str, stop, times) -> None:
    """Asks `/api/health` every 0.1 s until `stop` (in its own process: its timings are the
    server's, not this client's own event loop's)."""
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                ok = client.get(f"{url}/api/health").status_code == 200
            except httpx.HTTPError:
                ok = False
            times.append(time.monotonic() - t0 if ok else float("inf"))
            time.sleep(0.1)


def _failed(job):
    """A request the server dropped without an answer counts as its own outcome, not a crash."""

    async def guarded(client, url: str, q: str) -> tuple[str, float]:
        t0 = time.monotonic()
        try:
            return await job(client, url, q)
        except httpx.HTTPError as e:
            return f"dropped ({type(e).__name__})", time.monotonic() - t0

    return guarded


@_failed
async def _api(client, url: str, q: str) -> tuple[str, float]:
    t0 = time.monotonic()
    r = await client.post(f"{url}/api/ask", json={"question": q}, timeout=120)
    if r.status_code == 200:
        return "answered", time.monotonic() - t0
    ok = r.status_code == 503 and r.headers.get("retry-after") and set(r.json()) == {"error", "field"}
    return ("refused" if ok else f"other {r.status_code}"), time.monotonic() - t0


@_failed
async def _chat(client, url: str, q: str) -> tuple[str, float]:
    t0 = time.monotonic()
    r = await client.post(f"{url}/gradio_api/call/ask", json={"data": [q, 5, ""]}, timeout=120)
    if r.status_code != 200:
        ok = r.status_code == 503 and r.headers.get("retry-after")
        return ("refused" if ok else f"other {r.status_code}"), time.monotonic() - t0
    stream = (await client.get(f"{url}/gradio_api/call/ask/{r.json()['event_id']}", timeout=120)).text
    if "event: complete" in stream:
        return "answered", time.monotonic() - t0
    return ("refused" if "busy" in stream else "other error"), time.monotonic() - t0


def _p95(xs: list[float]) -> float:
    return sorted(xs)[int(0.95 * (len(xs) - 1))] if xs else float("nan")


async def burst(url: str, chat: int, api: int) -> dict:
    # every request on its own connection, as from as many users
    limits = httpx.Limits(max_connections=chat + api + 10, max_keepalive_connections=0)
    with multiprocessing.Manager() as manager:
        stop, times = manager.Event(), manager.list()
        watcher = multiprocessing.Process(target=_health, args=(url, stop, times))
        watcher.start()
        try:
            out = await _burst(url, chat, api, limits)
        finally:
            stop.set()
            watcher.join()
        health = list(times)
    out.update({"health_p95_s": round(_p95(health), 3), "health_max_s": round(max(health), 3),
                "health_asked": len(health)})  # fmt: skip
    return out


async def _burst(url: str, chat: int, api: int, limits: httpx.Limits) -> dict:
    async with httpx.AsyncClient(limits=limits) as client:
        t0 = time.monotonic()
        jobs = [_chat(client, url, QUESTIONS[k % 3]) for k in range(chat)]
        jobs += [_api(client, url, QUESTIONS[k % 3]) for k in range(api)]
        results = await asyncio.gather(*jobs)
        wall = time.monotonic() - t0
    out: dict = {"wall_s": round(wall, 2)}
    for name, part in (("chat", results[:chat]), ("api", results[chat:])):
        if not part:
            continue
        outcomes: dict[str, int] = {}
        for o, _ in part:
            outcomes[o] = outcomes.get(o, 0) + 1
        seconds = [t for _, t in part]
        out[name] = {"outcomes": outcomes, "max_s": round(max(seconds), 2),
                     "p50_s": round(statistics.median(seconds), 2)}  # fmt: skip
    return out


def half_open(url: str, n: int, watch_s: float) -> dict:
    host, port = url.removeprefix("http://").split(":")
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
    t0, open_ = time.monotonic(), set(socks)
    health, released_at = [], None
    with httpx.Client(timeout=30) as c:
        while time.monotonic() - t0 < watch_s:
            h0 = time.monotonic()
            health.append(
                time.monotonic() - h0 if c.get(f"{url}/api/health").status_code == 200 else float("inf")
            )
            readable, _, _ = select.select(list(open_), [], [], 0.1) if open_ else ([], [], [])
            for s in readable:
                try:
                    if s.recv(1) == b"":
                        open_.discard(s)
                except OSError:
                    open_.discard(s)
            if not open_ and released_at is None:
                released_at = time.monotonic() - t0
    for s in socks:
        s.close()
    return {"connections": n, "still_open": len(open_),
            "all_released_after_s": None if released_at is None else round(released_at, 1),
            "health_p95_s": round(_p95(health), 3), "health_max_s": round(max(health), 3)}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server (default: start one)")
    ap.add_argument("--chat", type=int, default=200)
    ap.add_argument("--api", type=int, default=200)
    ap.add_argument("--half-open", type=int, default=500)
    ap.add_argument("--watch", type=float, default=30.0, help="seconds to watch the half-open connections")
    ap.add_argument("--out", help="also write the figures (JSON) here")
    ap.add_argument("--log", help="write the server's log here (when this script starts it)")
    args = ap.parse_args()
    proc = None
    url = args.url
    if url is None:
        url, proc = start_server(args.log)
    try:
        report = {"burst": asyncio.run(burst(url, args.chat, args.api)),
                  "half_open": half_open(url, args.half_open, args.watch) if args.half_open else None, "cores": os.cpu_count()}  # fmt: skip
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
