"""Measuring helpers shared by the benchmarks: wall time and peak memory of a process tree."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _children(pid: int) -> list[int]:
    """Child pids of ``pid``; none when it exits while being read (processes come and go)."""
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_rss_bytes(pid: int | None = None) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total = 0
    stack = [pid or os.getpid()]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
        stack.extend(_children(current))
    return total


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_rss: int = 0


@contextmanager
def measured(interval: float = 0.05) -> Iterator[Measurement]:
    """Wall time and peak resident memory (sampled) of this process tree inside the block."""
    result = Measurement()
    stop = threading.Event()
    failures: list[BaseException] = []

    def sample() -> None:
        try:
            while not stop.is_set():
                result.peak_rss = max(result.peak_rss, tree_rss_bytes())
                stop.wait(interval)
        except BaseException as error:  # a dead sampler would report a wrong peak: say so
            failures.append(error)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    sampler.start()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        result.peak_rss = max(result.peak_rss, tree_rss_bytes())
    if failures:
        raise RuntimeError("the memory sampler stopped; the peak is unknown") from failures[0]


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"
