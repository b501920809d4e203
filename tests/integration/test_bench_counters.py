"""The counters of bench.capped's turns (bench.counters), on real processes and a real
PostgreSQL: a process's waits and CPU; perf's system calls and instructions where the machine
counts them, else the reason; the database's commits, rollbacks and lock waiters. Every
process started here is ended."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from bench import counters

WRITES, SENDS, SLEEPS = 5_000, 1_000, 200
PROGRAM = f"""import os, socket, sys, time
a, b = socket.socketpair()
sys.stdin.readline()
fd = os.open(os.devnull, os.O_WRONLY)
for _ in range({WRITES}):
    os.write(fd, b"x")
for _ in range({SENDS}):
    a.send(b"x")
    b.recv(1)
for _ in range({SLEEPS}):
    time.sleep(0.001)
sum(range(10_000_000))  # busy, with no system call
print("done", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def child():
    proc = subprocess.Popen([sys.executable, "-c", PROGRAM], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    yield proc
    proc.kill()
    proc.wait()


def test_a_process_s_system_calls_waits_and_cpu_are_counted(child):
    before = counters.work_of(child.pid)
    perf = counters.Perf([child.pid])
    perf.start()
    time.sleep(0.3)  # perf attached before the work starts
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline() == "done\n"
    perf.stop()
    work = counters.work_of(child.pid) - before
    assert work.voluntary >= SLEEPS  # each sleep a wait
    assert work.user_s + work.system_s >= 0.05  # the busy sum: 0.1–0.3 s
    counted = perf.counts
    if counters.SYSCALLS in counted:  # root or perf_event_paranoid ≤ -1
        calls = WRITES + 2 * SENDS + SLEEPS
        assert calls <= counted[counters.SYSCALLS] < 3 * calls
        assert SENDS <= counted[counters.SENDS] < SENDS + 10  # send(): sendto
        assert counted[counters.LOOP_WAITS] == 0  # no event loop here
    if counters.INSTRUCTIONS in counted:  # hardware counters: the busy loop's instructions
        assert counted[counters.INSTRUCTIONS] > 1e7 and counted[counters.CYCLES] > 1e7
    if len(counted) < len(counters.EVENTS):  # what is not counted is said, not a zero
        assert perf.reason and perf.reason.startswith(("perf:", "no perf")), perf.reason
        assert all(event not in counted for event in counters.EVENTS
                   if event in perf.reason)
    else:
        assert perf.reason is None


def test_perf_s_uncounted_events_give_the_reason_not_a_number():
    text = ("<not supported>,,instructions:u,0,100.00,,\n"
            "<not supported>,,cycles:u,0,100.00,,\n"
            "10107,,raw_syscalls:sys_enter,139526593,100.00,,\n")
    counts, reason = counters.parse_perf(text)
    assert counts == {"raw_syscalls:sys_enter": 10107}
    assert reason == "perf: instructions:u not supported; cycles:u not supported"
    counts, reason = counters.parse_perf("1200,,instructions:u,1,100.00,,\n"
                                         "2400,,cycles:u,1,100.00,,\n"
                                         "30,,raw_syscalls:sys_enter,1,100.00,,\n")
    assert counts == {"instructions:u": 1200, "cycles:u": 2400, "raw_syscalls:sys_enter": 30}
    assert reason is None
    assert counters.parse_perf("", "Error: No permission to enable raw_syscalls:sys_enter") \
        == ({}, "perf: Error: No permission to enable raw_syscalls:sys_enter")


def test_the_database_s_commits_rollbacks_and_lock_waiters_are_counted(postgres):
    url = postgres.new_database("bench_counters")
    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute("CREATE TABLE t (id int PRIMARY KEY, n int)")
        setup.execute("INSERT INTO t VALUES (1, 0)")
    database = counters.Database(url)
    database.start()
    with psycopg.connect(url) as holder, psycopg.connect(url) as waiter:
        for _ in range(10):
            holder.execute("UPDATE t SET n = n + 1 WHERE id = 1")
            holder.commit()
        for _ in range(3):
            holder.execute("UPDATE t SET n = n + 1 WHERE id = 1")
            holder.rollback()
        holder.execute("UPDATE t SET n = n + 1 WHERE id = 1")  # holds the row
        blocked = threading.Thread(target=lambda: (
            waiter.execute("UPDATE t SET n = n + 1 WHERE id = 1"), waiter.commit()))
        blocked.start()
        time.sleep(0.5)  # ~10 samples with one connection waiting
        holder.commit()
        blocked.join()
    time.sleep(1.1)  # the backends' statistics are published at most every second
    database.stop()
    assert database.counts.commits >= 12 and database.counts.rollbacks >= 3
    assert database.counts.rows_written >= 12
    # ~10 of the samples saw the one waiter (0.5 s at SAMPLE_S), the others none
    assert database.samples >= 10 and database.lock_waits * database.samples >= 5


SPIN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end:\n    pass\n"


def test_a_process_s_wait_for_a_busy_cpu_is_counted():
    """Two processes spinning on one CPU: each waits on the run queue about as long as it runs
    (schedstat); the same process alone on a CPU hardly waits."""
    cpu = min(os.sched_getaffinity(0))

    def spinners(n: int) -> list[counters.Work]:
        procs = [subprocess.Popen([sys.executable, "-c", f"import sys; sys.stdin.readline()\n"
                                   f"{SPIN}print('done', flush=True)\nsys.stdin.readline()"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                 for _ in range(n)]
        try:
            for proc in procs:
                os.sched_setaffinity(proc.pid, {cpu})
            before = [counters.work_of(proc.pid) for proc in procs]
            for proc in procs:
                proc.stdin.write("go\n")
                proc.stdin.flush()
            for proc in procs:
                assert proc.stdout.readline() == "done\n"
            return [counters.work_of(p.pid) - b for p, b in zip(procs, before, strict=True)]
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()

    shared = spinners(2)
    assert all(w.runqueue_s >= 0.1 for w in shared), shared  # ~0.4 s each beside 0.4 of CPU
    assert all(w.involuntary >= 5 for w in shared), shared  # preempted by the other
    (alone,) = spinners(1)
    assert alone.runqueue_s < min(w.runqueue_s for w in shared)
