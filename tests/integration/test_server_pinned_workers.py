"""`serve --workers N --pin-cpus` (Linux): each worker's threads, those started to serve requests
too, run on one CPU, a different one for each worker, and a worker that the supervisor starts
again after it died runs on its CPU again."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from server import workers
from server.processes import Postgres, ServerProcess

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="Linux with 2 CPUs or more")


def _workers(supervisor: int) -> list[int]:
    """The supervisor's worker processes (multiprocessing spawn children)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [pid for pid in map(int, children)
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _cpus_of_threads(pid: int) -> list[str]:
    """Cpus_allowed_list of each of the process's threads ("0", "0-1"…)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("Cpus_allowed_list:"):
                out.append(line.split(":", 1)[1].strip())
    return out


def _serve_some(base: str) -> None:
    """Requests on new connections, spread over the workers: their request threads start."""
    for _ in range(30):
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/fhir/metadata").status_code == 200


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def _placement(supervisor: int, base: str, expected: int) -> dict[int, str]:
    """{worker pid: the one CPU all its threads may run on}, once each of the `expected`
    workers has served (a request thread started); asserts they have one each."""
    end = time.monotonic() + 60
    while time.monotonic() < end:
        found = _workers(supervisor)
        if len(found) == expected and all(_threads(pid) > 1 for pid in found):
            break
        with contextlib.suppress(httpx.TransportError):  # a worker not yet listening
            _serve_some(base)
    assert len(found) == expected and all(_threads(pid) > 1 for pid in found)
    placed = {}
    for pid in found:
        threads = _cpus_of_threads(pid)
        assert len(set(threads)) == 1, threads  # every thread on the same CPU set…
        assert threads[0].isdigit(), threads  # … of one CPU
        placed[pid] = threads[0]
    return placed


@pytest.mark.postgres
def test_each_worker_runs_all_its_threads_on_a_cpu_of_its_own_restarted_too(
        tmp_path: Path, postgres: Postgres) -> None:
    proc = ServerProcess(tmp_path, postgres.new_database("clinicdesk_pinned"), auth=False,
                         extra_args=("--workers", "2", "--pin-cpus")).start()
    started = time.monotonic()  # the workers were started before the server answered
    try:
        assert proc.proc is not None
        placed = _placement(proc.proc.pid, proc.base, 2)
        assert sorted(placed.values()) == sorted(map(str, workers.allowed_cpus()[:2]))

        # a worker that dies sooner than STARTED_S is a failed start: everything stops
        time.sleep(max(0.0, workers.STARTED_S + 1 - (time.monotonic() - started)))
        dead, its_cpu = next(iter(placed.items()))
        os.kill(dead, signal.SIGKILL)
        end = time.monotonic() + 30
        while dead in _workers(proc.proc.pid) and time.monotonic() < end:
            time.sleep(0.1)
        again = _placement(proc.proc.pid, proc.base, 2)
        restarted = (set(again) - set(placed)).pop()
        assert again[restarted] == its_cpu
        assert sorted(again.values()) == sorted(placed.values())
    finally:
        proc.stop()


def test_one_process_pinned_runs_on_the_first_allowed_cpu(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path, None, auth=False, extra_args=("--pin-cpus",)).start()
    try:
        assert proc.proc is not None
        _serve_some(proc.base)
        threads = _cpus_of_threads(proc.proc.pid)
        assert len(threads) > 1 and set(threads) == {str(workers.allowed_cpus()[0])}, threads
    finally:
        proc.stop()
