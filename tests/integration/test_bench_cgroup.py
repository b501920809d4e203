"""The benchmarks' CPU cap (bench.cgroup) and the capped scale-out (bench.capped), on the real
cgroup CPU controller: busy processes in a cgroup capped at 0.2 core use ≈ 0.2 core, their
children included; a server of 2 processes runs whole inside its cgroup; every cgroup made is
removed, and a machine without a writable controller gets a "not measured" row. Every process
started here is ended, every cgroup made removed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import capped, capped_rows, cgroup, counters, loadgen
from bench.__main__ import table_row

REASON = cgroup.reason_unavailable()
needs_controller = pytest.mark.skipif(
    REASON is not None, reason=f"not measurable here: {REASON} (root and a cgroup v1 'cpu' or "
                               "v2 hierarchy with the cpu controller are needed)")
BUSY = "while True: pass"
FORK_BUSY = f"import os\nos.fork()\n{BUSY}"  # two busy processes: this one and its child


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        for pid in loadgen.tree(proc.pid)[1:]:  # the forked children
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()


def _threads(pid: int, seconds: float = 10) -> list[int]:
    """The threads of `pid` once it runs more than one (its pool starts after it listens)."""
    end = time.monotonic() + seconds
    while len(found := [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir()]) < 2 \
            and time.monotonic() < end:
        time.sleep(0.1)
    return found


def _cores(pids: list[int], seconds: float) -> float:
    """Cores of CPU used by these processes (and their children) over `seconds`."""
    cpu, wall = loadgen.cpu_of(pids), time.perf_counter()
    time.sleep(seconds)
    return (loadgen.cpu_of(pids) - cpu) / (time.perf_counter() - wall)


@needs_controller
@pytest.mark.parametrize("program", [BUSY, FORK_BUSY], ids=["one process", "with a child"])
def test_busy_processes_in_a_cgroup_capped_at_0_2_core_use_0_2_core(started, program):
    with cgroup.CpuCap(0.2, weight=4) as cap:  # weighted: its 0.2 core on a busy machine too
        proc = subprocess.Popen([*cap.prefix(), sys.executable, "-c", program])
        started.append(proc)
        time.sleep(0.3)  # started (and forked)
        assert proc.pid in cap.pids() and len(loadgen.tree(proc.pid)) == 1 + (
            program == FORK_BUSY)
        assert set(loadgen.tree(proc.pid)) <= set(cap.pids())
        before = cap.stat()
        used = _cores([proc.pid], 1.2)
        after = cap.stat()
    # at most the cap (tick accounting: ±0.02), at least half of it
    assert 0.1 <= used <= 0.24, used
    assert after["throttled"] > before["throttled"]  # the cap held it back, not other work
    assert not cap.path.exists()


@needs_controller
def test_a_cgroup_is_removed_on_error_with_a_process_still_in_it(started):
    with cgroup.CpuCap(None) as where_it_was:
        proc = subprocess.Popen([*where_it_was.prefix(), sys.executable, "-c",
                                 "import time; time.sleep(60)"])
        started.append(proc)
        time.sleep(0.2)
        with pytest.raises(RuntimeError), cgroup.CpuCap(0.5) as cap:
            cap.add(proc.pid)
            assert cap.pids() == [proc.pid] and where_it_was.pids() == []
            raise RuntimeError("the bench failed")
        assert not cap.path.exists()
        assert proc.poll() is None  # moved out, not killed: ending it is its starter's job
        assert where_it_was.pids() == [proc.pid]  # back where it was
    assert not where_it_was.path.exists()
    # a cgroup a killed run left behind (its pid gone) goes with the next one's creation
    stale = cap.root / f"{cgroup.PREFIX}{2**22 + 1}-dead"
    stale.mkdir()
    try:
        with cgroup.CpuCap(0.5):
            assert not stale.exists()
    finally:
        if stale.exists():
            stale.rmdir()


@needs_controller
def test_a_weighted_cgroup_takes_its_weight_of_a_contended_core(started):
    with cgroup.CpuCap(None, weight=4) as weighted:
        inside = subprocess.Popen([*weighted.prefix(), sys.executable, "-c", BUSY])
        outside = subprocess.Popen([sys.executable, "-c", BUSY])
        started += [inside, outside]
        for proc in (inside, outside):
            os.sched_setaffinity(proc.pid, {0})  # both on one core
        time.sleep(0.3)
        cpu = [loadgen.cpu_of([inside.pid]), loadgen.cpu_of([outside.pid])]
        time.sleep(1.5)
        used = [loadgen.cpu_of([inside.pid]) - cpu[0], loadgen.cpu_of([outside.pid]) - cpu[1]]
    assert used[0] >= 2 * used[1], used  # 4:1 by weight; without it 1:1


@contextlib.contextmanager
def _two_workers(cap: cgroup.CpuCap, data: Path, url: str
                 ) -> Iterator[tuple[capped.CappedServer, list[int]]]:
    """A capped `serve --workers 2` started in `cap`, both workers listening: (it, their pids);
    stopped at the end."""
    server = capped.CappedServer(cap, data, url, 2)
    try:
        server.start(120)
        capped.wait_listening(server, 2, 60)
        yield server, capped.serving_pids(server)
    finally:
        server.stop()


@needs_controller
@pytest.mark.postgres
def test_a_capped_server_of_2_processes_runs_whole_in_its_cgroup(tmp_path, postgres):
    url = postgres.new_database("clinicdesk_capped_whole")  # 2 processes: PostgreSQL only
    with cgroup.CpuCap(1.0) as cap, _two_workers(cap, tmp_path, url) as (server, workers):
        assert server.proc is not None
        assert len(workers) == 2 and server.proc.pid not in workers
        tree = loadgen.tree(server.proc.pid)
        assert set(workers) < set(tree) and set(tree) == set(cap.pids())
        cpus = capped.pin(server)
        assert len(set(cpus)) == min(2, len(os.sched_getaffinity(0)))
        for pid, cpu in zip(workers, cpus, strict=True):  # every thread of each on its CPU
            threads = _threads(pid)
            assert len(threads) > 1 and \
                    all(os.sched_getaffinity(t) == {cpu} for t in threads)
    assert not cap.path.exists()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


@needs_controller
@pytest.mark.postgres
def test_split_caps_put_each_worker_of_a_server_in_a_cgroup_of_its_own(tmp_path, postgres):
    """`split`: worker i in the i-th cgroup (all its threads, those it starts later too), the
    supervisor left in the first; the counters read as one."""
    url = postgres.new_database("clinicdesk_capped_split")
    with cgroup.CpuCap(0.5) as first, cgroup.CpuCap(0.5) as second:
        caps = capped.Caps([first, second])
        with _two_workers(first, tmp_path, url) as (server, workers):
            assert server.proc is not None
            caps.split(server)
            _threads(workers[1])  # its pool started: in the second cgroup with it
            assert set(first.pids()) == {p for p in loadgen.tree(server.proc.pid)
                                         if p != workers[1]}
            assert second.pids() == [workers[1]]
            for task in Path(f"/proc/{workers[1]}/task").iterdir():
                assert (Path(f"/proc/{workers[1]}/task/{task.name}/cgroup").read_text()
                        == Path(f"/proc/{workers[1]}/cgroup").read_text())
            assert sorted(caps.pids()) == sorted(first.pids() + second.pids())
            one, two = first.stat(), second.stat()
            assert two["periods"] > 0 and caps.stat()["periods"] >= one["periods"] + two["periods"]
    assert not first.path.exists() and not second.path.exists()


def test_without_a_writable_controller_the_row_says_not_measured(monkeypatch, tmp_path):
    monkeypatch.setattr(cgroup, "_mounts", lambda: [])
    with pytest.raises(cgroup.NoController):
        cgroup.CpuCap(0.4)

    def never(*_args: object) -> tuple[loadgen.Stats, loadgen.Split]:
        raise AssertionError("no server may be loaded without its cap")
    result = capped.runs(tmp_path, None, [], never, seconds=1, start_s=1)
    assert result == "no writable cgroup CPU controller"
    (row,) = capped_rows.rows("postgres", result)
    assert "not measured: no writable cgroup CPU controller" in row["figure"]
    assert row["not_measured"] and table_row(row)[1] == "–"
    assert table_row(row)[-1] == "not measured"


def _turn(rate: float, cores: list[float], work: list[counters.Work] | None = None,
          counts: dict[str, float] | None = None, reason: str | None = None) -> capped.Turn:
    split = loadgen.Split(10.0, sum(cores) * 10, 1.0, 0.5, sum(cores) * 10 + 2.0)
    perf = counters.Perf([])
    perf.counts, perf.reason = counts or {}, reason
    return capped.Turn(rate, cores, 0.5, loadgen.Stats(times=[1.0] * int(rate * 10)), split,
                       work, perf, throttled_s=2.5)


def _row(rows: list[dict], *words: str) -> dict:
    (found,) = [r for r in rows if all(w in r["figure"] for w in words)]
    return found


def test_the_ratio_is_of_the_medians_and_an_unused_quota_is_said():
    rows = capped_rows.rows("postgres", {
        (1, 30): [_turn(200, [0.4]), _turn(190, [0.4])],
        (2, 30): [_turn(300, [0.3, 0.2]), _turn(280, [0.2, 0.2])]})
    ratio = _row(rows, "closed-loop throughput")
    assert ratio["value"] == pytest.approx(290 / 195) and not ratio["passed"]
    cpu = _row(rows, "server CPU used")
    assert cpu["value"] == pytest.approx(0.45 / 0.4)  # medians of the turns' cores: 0.5, 0.4
    one, two = (r for r in rows if "of its 0.4-core quota" in r["figure"])
    assert one["value"] == pytest.approx(100) and "did not use" not in one["figure"]
    assert two["value"] == pytest.approx(56.25) and "did not use its quota" in two["figure"]


def test_the_1_to_2_rows_say_both_measures_and_leave_the_ratio_column_empty():
    """The table's ratio column divides a row's value by its limit value: for a ratio of 2
    processes to 1 that would be the ratio ÷ the 1-process req/s; the limit column says both
    measures instead."""
    rows = capped_rows.rows("postgres", {(1, 30): [_turn(200, [0.4])],
                                         (2, 30): [_turn(300, [0.4, 0.4])]})
    for figure in ("closed-loop throughput", "server CPU used", "server CPU per request"):
        line = table_row(_row(rows, "1 → 2", figure))
        assert line[5] == "" and "2 processes ÷ 1: " in line[4], line
    assert "300 ÷ 200 req/s" in table_row(_row(rows, "1 → 2", "closed-loop throughput"))[4]
    # server CPU per request: 2 ms (0.4 core × 10 s ÷ 2,000 requests), 8/3 ms (8 s ÷ 3,000)
    assert _row(rows, "1 → 2", "server CPU per request")["value"] == pytest.approx(4 / 3)


def test_instructions_and_work_per_request_beside_cpu_per_request():
    """Each configuration: user-space instructions and system calls per request where
    counted (else why not), context switches per request; 2 ÷ 1 of each in the 1 → 2 rows."""
    one = counters.Work(user_s=1.5, system_s=0.5, voluntary=4_000, involuntary=1_000,
                        runqueue_s=6.0)
    counted = {counters.INSTRUCTIONS: 2e9, counters.CYCLES: 3e9, counters.SYSCALLS: 20_000,
               counters.SENDS: 16_000, counters.LOOP_WAITS: 1_000, counters.FUTEXES: 2_400}
    rows = capped_rows.rows("postgres", {
        (1, 30): [_turn(200, [0.4], [one], counted)],
        (2, 30): [_turn(300, [0.4, 0.4], [one, one], {k: v * 2 for k, v in counted.items()})],
        (1, 15): [_turn(150, [0.4], [one], {counters.SYSCALLS: 9_000},
                        "perf: instructions:u not supported; cycles:u not supported")]})
    each = _row(rows, "1 process ", ", 30 closed", "instructions per request")
    assert each["value"] == pytest.approx(2e9 / 2000) and "1.50 cycles an instruction" in \
        each["figure"]
    calls = _row(rows, "1 process ", ", 30 closed", "system calls")
    assert calls["value"] == 10 and \
        "(8.0 messages sent, 0.50 event-loop waits, 1.2 futexes)" in calls["figure"]
    switches = _row(rows, "1 process ", ", 30 closed", "context switches")
    assert switches["value"] == 2 and "0.50 preemptions" in switches["figure"]
    waited = _row(rows, "1 process ", ", 30 closed", "wait for a CPU")
    # 6 s of run queue over 2,000 requests; the cap held the cgroup 2.5 s (_turn: 0.25 s)
    assert waited["value"] == pytest.approx(3) and "held the cgroup back 1.25 ms" in \
        waited["figure"]
    assert "user 0.75 + system 0.25 ms" in _row(rows, "1 process ", ", 30 closed",
                                                 "server CPU per request")["figure"]
    uncounted = _row(rows, ", 15 closed", "instructions per request")
    assert uncounted["not_measured"] and "instructions:u not supported" in uncounted["figure"]
    assert table_row(uncounted)[1] == "–"
    calls = _row(rows, ", 15 closed", "system calls")  # the breakdown not counted: not said
    assert calls["value"] == pytest.approx(6) and "messages" not in calls["figure"]
    scale = _row(rows, "1 → 2", "instructions per request")  # of the 30-workstation turns
    assert scale["value"] == pytest.approx((4e9 / 3000) / (2e9 / 2000))
    assert _row(rows, "1 → 2", "system calls")["value"] == pytest.approx((40_000 / 3000) / 10)
    assert _row(rows, "1 → 2", "messages sent")["value"] == pytest.approx((32_000 / 3000) / 8)
    assert _row(rows, "1 → 2", "context switches")["value"] == pytest.approx((8_000 / 3000) / 2)
    assert _row(rows, "1 → 2", "preemptions")["value"] == pytest.approx((2_000 / 3000) / 0.5)
