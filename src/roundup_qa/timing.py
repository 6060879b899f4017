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


def _status_mb() -> dict[str, float]:
    """Memory lines of /proc/self/status (Linux), MB; empty elsewhere."""
    out = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.startswith(("Vm", "Rss")) and value.strip().endswith("kB"):
                    out[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


def peak_rss_mb() -> float:
    """This process's peak resident memory, MB. Linux's VmHWM belongs to the running
    program; `ru_maxrss` would also count a parent's peak, since it survives fork and exec."""
    peak = _status_mb().get("VmHWM")
    if peak is not None:
        return peak
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_mb() -> dict[str, float]:
    """Current resident memory, MB: all of it, the process's own (anonymous), and pages of
    mapped files (page cache the kernel can drop, e.g. memory-mapped clause vectors)."""
    status = _status_mb()
    names = {"VmRSS": "rss", "RssAnon": "anon", "RssFile": "file"}
    return {short: round(status[key]) for key, short in names.items() if key in status}
