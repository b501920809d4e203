"""Counts of the work a server process did over a turn of bench.capped, per request: figures
that the machine's other work moves much less than CPU time, so that a scale-out figure can be
judged on the work done rather than on how fast a shared core did it.

- `Work` (Linux /proc, own processes): user and system CPU time, voluntary context switches
  (a thread waiting: the database, the GIL, the event loop idle) and involuntary ones
  (preempted), and the time runnable threads waited for a CPU (the scheduler's run queue,
  /proc/<pid>/task/<tid>/schedstat: other work on the process's CPU, or the cgroup's cap
  holding it back), of every thread;
- `Perf` (`perf stat -p`): user-space instructions and cycles, where the machine exposes
  hardware counters (a VM without a virtual PMU does not), and system calls (the
  raw_syscalls and syscalls tracepoints: root, or perf_event_paranoid ≤ -1): all of them, and
  among them the messages sent (the work), the event loop's waits and the futexes (thread
  hand-offs); what cannot be counted here is said (`reason`), never printed as a number;
- `Database`: PostgreSQL's transactions committed and rolled back, deadlocks and rows written
  (pg_stat_database), and samples of the server connections waiting on a lock
  (pg_stat_activity, every SAMPLE_S), for the bench's database.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass, fields
from pathlib import Path

import psycopg

SAMPLE_S = 0.05  # pg_stat_activity sampling (lock waits)
INSTRUCTIONS, CYCLES, SYSCALLS = "instructions:u", "cycles:u", "raw_syscalls:sys_enter"
# among the system calls: messages sent (send(): the database's statements and the HTTP
# answers, the work), the event loop's waits for sockets, and thread hand-offs (the GIL, the
# pool's queue, the audit writer): where the same work costs more system calls
SENDS, LOOP_WAITS, FUTEXES = ("syscalls:sys_enter_sendto", "syscalls:sys_enter_epoll_wait",
                              "syscalls:sys_enter_futex")
EVENTS = (INSTRUCTIONS, CYCLES, SYSCALLS, SENDS, LOOP_WAITS, FUTEXES)


@dataclass
class Work:
    """Counters of processes (summed); subtract two to get a turn's."""

    user_s: float = 0.0
    system_s: float = 0.0
    voluntary: int = 0  # context switches: the thread waited
    involuntary: int = 0  # context switches: the thread was preempted
    runqueue_s: float = 0.0  # runnable, waiting for a CPU (schedstat)

    def __sub__(self, other: Work) -> Work:
        return Work(**{f.name: getattr(self, f.name) - getattr(other, f.name)
                       for f in fields(self)})

    def __add__(self, other: Work) -> Work:
        return Work(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                       for f in fields(self)})


def work_of(pid: int) -> Work:
    """The process's counters (its live threads' context switches: a thread that ended takes
    its own with it; the server's threads live as long as it does)."""
    tick = os.sysconf("SC_CLK_TCK")
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    voluntary = involuntary = waited_ns = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    voluntary += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    involuntary += int(line.split()[1])
            # on CPU, waiting on the run queue (ns), time slices; absent without schedstats
            waited_ns += int((task / "schedstat").read_text().split()[1])
    return Work(int(stat[11]) / tick, int(stat[12]) / tick, voluntary, involuntary,
                waited_ns / 1e9)


class Perf:
    """`perf stat` of EVENTS in `pids` between start() and stop(); after stop, `counts`
    {event: count} of those counted and `reason` why the others are not (None: all were)."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.counts: dict[str, float] = {}
        self.reason: str | None = None
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        perf = shutil.which("perf")
        if perf is None:
            self.reason = "no perf on this machine"
            return
        self._out = Path(tempfile.mkstemp(prefix="bench-perf-", suffix=".csv")[1])
        self._proc = subprocess.Popen(
            [perf, "stat", "-x", ",", "-e", ",".join(EVENTS), "-o", str(self._out), "-p",
             ",".join(map(str, self.pids))], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self) -> None:
        if self._proc is None:
            return
        try:
            self._proc.send_signal(signal.SIGINT)  # perf prints its counts and exits
            _, err = self._proc.communicate(timeout=10)
            text = self._out.read_text()
        except (subprocess.TimeoutExpired, OSError) as error:
            self._proc.kill()
            self._proc.wait()
            self.reason = f"perf: {type(error).__name__}"
            return
        finally:
            self._out.unlink(missing_ok=True)
        self.counts, self.reason = parse_perf(text, err.decode(errors="replace"))


def parse_perf(text: str, err: str = "") -> tuple[dict[str, float], str | None]:
    """({event: count} of those counted, None or why some are not) from `perf stat -x ,`."""
    counts, missing = {}, []
    for line in text.splitlines():
        cells = line.split(",")
        if len(cells) < 3 or cells[2] not in EVENTS:
            continue
        try:
            counts[cells[2]] = float(cells[0])
        except ValueError:  # "<not supported>" (no hardware counters), "<not counted>"
            missing.append(f"{cells[2]} {cells[0].strip('<>')}")
    if not counts and not missing:  # perf refused (no permission, no such event)
        return {}, "perf: " + ((err.strip().splitlines() or ["no counts"])[-1])
    return counts, "perf: " + "; ".join(missing) if missing else None


@dataclass
class DbCounts:
    commits: int = 0
    rollbacks: int = 0
    deadlocks: int = 0
    rows_written: int = 0  # inserted + updated + deleted

    def __sub__(self, other: DbCounts) -> DbCounts:
        return DbCounts(**{f.name: getattr(self, f.name) - getattr(other, f.name)
                           for f in fields(self)})


class Database:
    """pg_stat_database counters of the bench's database between start() and stop(), and
    samples of its other connections waiting on a lock (`lock_waits`: the mean number waiting
    per sample; `samples`)."""

    def __init__(self, url: str):
        self.url = url
        self.lock_waits, self.samples = 0.0, 0
        self.counts = DbCounts()

    def _counts(self, conn: psycopg.Connection) -> DbCounts:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, deadlocks, tup_inserted + tup_updated + "
            "tup_deleted FROM pg_stat_database WHERE datname = current_database()").fetchone()
        assert row is not None
        return DbCounts(*(int(v) for v in row))

    def start(self) -> None:
        self._conn = psycopg.connect(self.url, autocommit=True)
        self._before = self._counts(self._conn)
        self._stop = threading.Event()
        self._waits: list[int] = []
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(SAMPLE_S):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()").fetchone()
                self._waits.append(int(row[0]) if row else 0)

    def stop(self) -> None:
        self._stop.set()
        self._sampler.join()
        # the statistics collector publishes a backend's counts when its transaction ends
        # (at most every PGSTAT_MIN_INTERVAL: 1 s); the turn's last second is counted late,
        # and the previous turn's late second here: equal in every turn
        self.counts = self._counts(self._conn) - self._before
        self._conn.close()
        self.samples = len(self._waits)
        self.lock_waits = sum(self._waits) / self.samples if self.samples else 0.0
