"""Stage timings for `RoundupQA.ask(profile=...)` and `build_index`: free when nobody asks."""

from __future__ import annotations

import time


class Stopwatch:
    """Adds the time since the previous lap to `sink[name]`; does nothing without a sink."""

    def __init__(self, sink: dict[str, float] | None) -> None:
        self.sink = sink
        self.last = time.perf_counter() if sink is not None else 0.0

    def lap(self, name: str) -> None:
        if self.sink is not None:
            now = time.perf_counter()
            self.sink[name] = self.sink.get(name, 0.0) + now - self.last
            self.last = now


def peak_rss_mb() -> float:
    """This process's peak resident memory, MB. Linux's VmHWM belongs to the running
    program; `ru_maxrss` would also count a parent's peak, since it survives fork and exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_mb() -> dict[str, float]:
    """Current resident memory, MB: all of it, the process's own (anonymous), and pages of
    mapped files (page cache the kernel can drop, e.g. memory-mapped clause vectors)."""
    out = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                key = {"VmRSS:": "rss", "RssAnon:": "anon", "RssFile:": "file"}.get(line.split(maxsplit=1)[0])
                if key:
                    out[key] = round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return out
