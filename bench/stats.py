"""One shape for every result row, and the statistics of repeated samples.

A row: figure, value (what the goal is judged on), unit, goal (text), limit_name and
limit_value (the peer measured in the same run; None when the goal is absolute), passed; and,
for a figure measured over repeated runs, median, p95 and runs of those samples.
"""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile (inclusive method: never beyond the worst sample)."""
    if len(samples) < 2:
        return float(samples[0])
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def repeat_ms(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall time of `runs` calls of fn, in milliseconds each."""
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def process_ms(args: Sequence[str], timeout: float = 120, env: Mapping[str, str] | None = None,
               cwd: str | Path | None = None) -> float:
    """Wall time of one process, start to exit, in milliseconds; it must exit 0 in `timeout` s.
    (A blocking wait: `subprocess.run(timeout=…)` polls with sleeps of up to 50 ms, which
    rounded every short start up to the next poll.)"""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=cwd)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    try:
        err = proc.communicate()[1]  # drained as it comes: a chatty child never blocks on a pipe
        code = proc.wait()
    finally:
        watchdog.cancel()
    elapsed = (time.perf_counter() - started) * 1000
    if code:
        raise subprocess.CalledProcessError(code, list(args), stderr=err)
    return elapsed


def row(figure: str, value: float, unit: str, goal: str, passed: bool, limit_name: str = "",
        limit_value: float | None = None, samples: Sequence[float] | None = None) -> dict:
    out = {"figure": figure, "value": float(value), "unit": unit, "goal": goal,
           "limit_name": limit_name, "limit_value": limit_value, "passed": bool(passed)}
    if samples:
        out |= {"median": statistics.median(samples), "p95": p95(samples), "runs": len(samples)}
    return out
