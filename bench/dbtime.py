"""Where PostgreSQL spends its time over a turn of bench.capped (issue 19): what limits 1 → 2
server processes when both share one database.

- wait events: pg_stat_activity sampled every SAMPLE_S from a process of its own (not the load
  generator's: its event loop would share the GIL with the sampler), each sample counting the
  bench's client backends by what they are doing — on CPU (active, no wait event), waiting
  (`IO:WALSync`, `LWLock:WALWrite`, `Lock:transactionid`, …), or idle in a transaction (the
  server's time between statements) — and the background processes that are busy (walwriter,
  checkpointer, autovacuum workers, …; their idle sleeps are not counted). A state's count
  over the samples, × the turn's wall time ÷ its requests, is the backends' time in that state
  per request;
- the WAL (pg_stat_wal): records, full-page images, bytes, writes and flushes (fsyncs), and
  their time where `track_wal_io_timing` is on;
- checkpoints (pg_stat_bgwriter: timed, requested, buffers written, their write and sync time;
  buffers the backends had to write themselves);
- the database (pg_stat_database): blocks read and hit; autovacuum and autoanalyze runs
  (pg_stat_all_tables);
- the CPU of the database's processes by kind (/proc: client backends, walwriter,
  checkpointer, background writer, autovacuum, the rest).
"""

from __future__ import annotations

import contextlib
import json
import select
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench import loadgen

SAMPLE_S = 0.02  # ~44 samples a second (~900 a turn); the sampler and its backend: ~3 % of a core
SAMPLE_SQL = ("SELECT backend_type, datname = current_database(), state, wait_event_type, "
              "wait_event FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
IDLE_WAITS = {"Activity"}  # a background process's main-loop sleep
WAL = ("wal_records", "wal_fpi", "wal_bytes", "wal_buffers_full", "wal_write", "wal_sync",
       "wal_write_time", "wal_sync_time")
BGWRITER = ("checkpoints_timed", "checkpoints_req", "checkpoint_write_time",
            "checkpoint_sync_time", "buffers_checkpoint", "buffers_clean", "buffers_backend",
            "buffers_backend_fsync")
DATABASE = ("xact_commit", "blks_read", "blks_hit")
TABLES = ("autovacuum_count", "autoanalyze_count")
KINDS = ("client backends", "walwriter", "checkpointer", "background writer",
         "autovacuum", "other")


def state_of(backend_type: str, ours: bool, state: str | None, wait_type: str | None,
             wait: str | None) -> str | None:
    """What one pg_stat_activity row is doing, or None when it does not count (an idle
    session, a sleeping background process, another database's session)."""
    if backend_type == "client backend":
        if not ours or state == "idle":
            return None
        if state and state.startswith("idle in transaction"):
            return "client: idle in transaction"
        return f"client: {f'{wait_type}:{wait}' if wait_type else 'CPU'}"
    if wait_type in IDLE_WAITS:
        return None
    return f"{backend_type}: {f'{wait_type}:{wait}' if wait_type else 'CPU'}"


def sample(url: str, interval: float) -> None:
    """The sampler's process: samples until a line (or the end) on stdin, then prints
    {"samples": n, "states": {state: count}} as JSON."""
    states: Counter[str] = Counter()
    samples = 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET application_name = 'bench sampler'")
        print("ready", flush=True)
        while not select.select([sys.stdin], [], [], interval)[0]:
            for row in conn.execute(SAMPLE_SQL).fetchall():
                state = state_of(*row)
                if state:
                    states[state] += 1
            samples += 1
    print(json.dumps({"samples": samples, "states": states}), flush=True)


def kind_of(pid: int) -> str:
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "other"
    for kind, mark in (("walwriter", "walwriter"), ("checkpointer", "checkpointer"),
                       ("background writer", "background writer"),
                       ("autovacuum", "autovacuum worker")):
        if mark in title:
            return kind
    # a client backend's title: "postgres: user database host(port) state"
    return "client backends" if "(" in title and ")" in title else "other"


def cpu_by_kind(root: int) -> dict[str, float]:
    out = dict.fromkeys(KINDS, 0.0)
    for pid in loadgen.tree(root)[1:]:  # the postmaster's children (a backend has none)
        out[kind_of(pid)] += loadgen.cpu_of([pid])
    return out


@dataclass
class Snapshot:
    counts: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    def __sub__(self, other: Snapshot) -> Snapshot:
        return Snapshot({k: v - other.counts.get(k, 0.0) for k, v in self.counts.items()},
                        {k: v - other.cpu.get(k, 0.0) for k, v in self.cpu.items()})


def snapshot(conn: psycopg.Connection, root: int | None) -> Snapshot:
    conn.execute("SELECT pg_stat_clear_snapshot()")
    counts: dict[str, float] = {}
    for table, names, where in (("pg_stat_wal", WAL, ""), ("pg_stat_bgwriter", BGWRITER, ""),
                                ("pg_stat_database", DATABASE,
                                 " WHERE datname = current_database()")):
        row = conn.execute(f"SELECT {', '.join(names)} FROM {table}{where}").fetchone()
        assert row is not None
        counts.update(zip(names, (float(v or 0) for v in row), strict=True))
    row = conn.execute(f"SELECT {', '.join(f'sum({n})' for n in TABLES)} "
                       "FROM pg_stat_all_tables").fetchone()
    assert row is not None
    counts.update(zip(TABLES, (float(v or 0) for v in row), strict=True))
    return Snapshot(counts, cpu_by_kind(root) if root else {})


class DbTime:
    """The database's wait states and counters between start() and stop(): after stop,
    `samples`, `states` {state: count over the samples}, `delta` (Snapshot of the turn)."""

    def __init__(self, url: str, postmaster: int | None, interval: float = SAMPLE_S):
        self.url, self.postmaster, self.interval = url, postmaster, interval
        self.samples, self.states = 0, Counter[str]()
        self.wall = 0.0  # s sampled
        self.delta = Snapshot()

    def start(self) -> None:
        self._conn = psycopg.connect(self.url, autocommit=True)
        self._before = snapshot(self._conn, self.postmaster)
        self._sampler = subprocess.Popen(
            [sys.executable, "-m", "bench.dbtime", self.url, str(self.interval)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._sampler.stdout is not None
        if self._sampler.stdout.readline() != "ready\n":  # connected: the turn may start
            self._sampler.kill()
            self._sampler.wait()
            raise RuntimeError("the database's sampler did not start")
        self._started = time.monotonic()

    def stop(self) -> None:
        self.wall = time.monotonic() - self._started
        try:
            out, _ = self._sampler.communicate("stop\n", timeout=30)
            done = json.loads(out)
            self.samples, self.states = done["samples"], Counter(done["states"])
        except (subprocess.TimeoutExpired, ValueError):
            self._sampler.kill()
            self._sampler.wait()
        # statistics are published by each backend at most every second: the turn's last
        # second is counted late, the previous turn's here (equal in every turn)
        self.delta = snapshot(self._conn, self.postmaster) - self._before
        self._conn.close()

    def per_request(self, wall: float, requests: int) -> dict[str, float]:
        """ms of backend time per request in each state (sampled)."""
        if not self.samples or not requests:
            return {}
        return {state: n / self.samples * wall * 1000 / requests
                for state, n in self.states.most_common()}


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sample(sys.argv[1], float(sys.argv[2]))
