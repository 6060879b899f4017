"""Stage timings for `RoundupQA.ask(profile=...)`: free when nobody asks for them."""

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
