"""The rows of bench.capped's turns: for each (server processes, workstations), requests/s,
latency, errors, the CPU each process used of its quota, and per request the server's CPU
(user / system), the work it did (user-space instructions where the machine counts them,
system calls, context switches, the time its threads waited for a CPU and the time the cap
held them back: bench.counters) and, on PostgreSQL, the database's transactions, rollbacks and
lock waiters and where its time went (bench.dbtime: its sessions' wait events, the WAL's flushes,
checkpoints and autovacuum in each turn, its CPU by process); then the 1 → 2 processes rows at
the largest number of workstations: the throughput ratio (goal ≥ 1.8×) with, beside it, the
ratios of the CPU used and of the CPU and the work per request, so that the figure can be judged
on the work done.
"""

from __future__ import annotations

import os
import statistics

from bench import counters, dbtime
from bench.capped import QUOTA, Config, Turn
from bench.counters import Work
from bench.stats import p95, row

REPORTED = "reported"
CORES = os.cpu_count() or 1


def not_measured(figure: str, reason: str, unit: str = "×", goal: str = REPORTED) -> dict:
    """A row that says why the figure is not there: printed with no number and not judged
    (bench.__main__.table_row); its value, 0, is no measure."""
    return {**row(f"{figure}: not measured: {reason}", 0.0, unit, goal, True),
            "not_measured": True}


class PerRequest:
    """A configuration's turns summed: what each answered request cost."""

    def __init__(self, done: list[Turn]):
        self.requests = max(1, sum(len(t.stats.times) for t in done))
        self.cpu_ms = sum(t.split.server for t in done) * 1000 / self.requests
        work = [w for t in done for w in t.work or ()]
        self.work = sum(work, Work()) if work else None
        self.throttled_ms = sum(t.throttled_s for t in done) * 1000 / self.requests
        perf = [t.perf for t in done if t.perf is not None]
        self.not_counted = next((p.reason for p in perf if p.reason), "not counted")
        (self.instructions, self.cycles, self.syscalls, self.sends, self.loop_waits,
         self.futexes) = (sum(p.counts[event] for p in perf) / self.requests
                          if perf and len(perf) == len(done) and
                          all(event in p.counts for p in perf) else None
                          for event in counters.EVENTS)
        databases = [t.database for t in done if t.database is not None]
        self.commits = sum(d.counts.commits for d in databases) / self.requests \
            if databases else None
        self.rollbacks = sum(d.counts.rollbacks for d in databases) / self.requests \
            if databases else 0.0
        self.deadlocks = sum(d.counts.deadlocks for d in databases)
        samples = sum(d.samples for d in databases)
        self.lock_waiters = sum(d.lock_waits * d.samples for d in databases) / samples \
            if samples else 0.0

    def of_work(self, what: str) -> float:
        assert self.work is not None
        value = getattr(self.work, what)
        return value * 1000 / self.requests if what.endswith("_s") else value / self.requests


def _name(backend: str, config: Config, quota: float, pinned: bool, each: bool) -> str:
    n, workstations = config
    cap = f"capped at {quota:g} core each" if each else \
        f"capped at {n * quota:g} core ({quota:g} each"
    return (f"{backend}, {n} process{'es' * (n > 1)} {cap}"
            f"{', on a CPU each' if pinned else ''}{'' if each else ')'}, {workstations} "
            "closed-loop workstations")


def _config_rows(name: str, done: list[Turn], quota: float, each: PerRequest) -> list[dict]:
    times = [ms for t in done for ms in t.stats.times]
    errors = sum(t.stats.errors for t in done)
    cores = [c for t in done for c in t.per_process]
    used = statistics.mean(cores) / quota
    wall = sum(t.split.wall for t in done) * CORES / 100
    db, gen, other = (sum(getattr(t.split, part) for t in done) / wall
                      for part in ("database", "generator", "others"))
    server = sum(t.split.server for t in done) / wall
    others = " / ".join(f"{t.split.others / (t.split.wall * CORES / 100):.0f}" for t in done)
    out = [
        row(f"{name}: requests/s (median of {len(done)} turns: "
            f"{' / '.join(f'{t.rate:.0f}' for t in done)})",
            statistics.median(t.rate for t in done), "req/s", REPORTED, True,
            samples=[t.rate for t in done]),
        row(f"{name}: latency p50 / p95", p95(times) if times else 0.0, "ms", REPORTED,
            True, samples=times or None),
        row(f"{name}: errors", errors, "count", "0", errors == 0),
        row(f"{name}: server CPU per process, of its {quota:g}-core quota (each process in "
            f"each turn: {' / '.join(f'{c:.2f}' for c in cores)} cores; throttled in "
            f"{statistics.mean(t.throttled for t in done):.0%} of periods)"
            + ("" if used >= 0.9 else ": the server did not use its quota"),
            used * 100, "%", REPORTED, True),
    ]
    user = f"user {each.of_work('user_s'):.2f} + system {each.of_work('system_s'):.2f} ms" \
        if each.work else "the database's not counted"
    turns = " / ".join(f"{t.split.server * 1000 / max(1, len(t.stats.times)):.2f}"
                       for t in done)
    out.append(row(f"{name}: server CPU per request ({user}; each turn: {turns} ms)",
                   each.cpu_ms, "ms", REPORTED,
                   True))
    if each.instructions is not None and each.cycles is not None:
        out.append(row(f"{name}: server user-space instructions per request ("
                       f"{each.cycles / each.instructions:.2f} cycles an instruction)",
                       each.instructions, "instructions", REPORTED, True))
    else:
        out.append(not_measured(f"{name}: server user-space instructions per request",
                                each.not_counted, "instructions"))
    if each.work:
        out.append(row(f"{name}: server context switches per request (waits; "
                       f"{each.of_work('involuntary'):.2f} preemptions beside them)",
                       each.of_work("voluntary"), "switches", REPORTED, True))
        out.append(row(f"{name}: server threads' wait for a CPU per request (run queue: "
                       "other work on its CPU, or the cap; the cap held the cgroup back "
                       f"{each.throttled_ms:.2f} ms a request)", each.of_work("runqueue_s"),
                       "ms", REPORTED, True))
    if each.syscalls is not None:
        among = "" if None in (each.sends, each.loop_waits, each.futexes) else (
            f" ({each.sends:.1f} messages sent, {each.loop_waits:.2f} event-loop waits, "
            f"{each.futexes:.1f} futexes)")
        out.append(row(f"{name}: server system calls per request{among}", each.syscalls,
                       "calls", REPORTED, True))
    else:
        out.append(not_measured(f"{name}: server system calls per request", each.not_counted,
                                "calls"))
    if each.commits is not None:
        out.append(row(f"{name}: database transactions per request ({each.rollbacks:.3f} "
                       f"rolled back, {each.deadlocks} deadlocks, {each.lock_waiters:.2f} "
                       "connections waiting on a lock, sampled)", each.commits, "transactions",
                       REPORTED, True))
    out += _database_rows(name, done)
    out.append(row(f"{name}: CPU of the machine left idle (server {server:.0f} %, database "
                   f"{db:.0f} %, load generator {gen:.0f} %, other work {other:.0f} %)",
                   max(0.0, 100 - server - db - gen - other), f"% of {CORES} cores",
                   REPORTED, True, f"other work in each turn: {others} % of the machine; load "
                   f"average at each turn's start: {' / '.join(f'{t.load:.1f}' for t in done)}"))
    return out


class DbPerRequest:
    """A configuration's turns' bench.dbtime figures, per request."""

    def __init__(self, done: list[Turn]):
        times = [t.dbtime for t in done if t.dbtime is not None and t.dbtime.samples]
        self.measured = len(times) == len(done)
        requests = max(1, sum(len(t.stats.times) for t in done))
        self.states: dict[str, float] = {}
        for t in done:
            if t.dbtime is None:
                continue
            for state, ms in t.dbtime.per_request(t.split.wall, len(t.stats.times)).items():
                self.states[state] = self.states.get(state, 0.0) + ms * len(t.stats.times)
        self.states = {k: v / requests for k, v in self.states.items()}
        self.counts = {k: sum(t.dbtime.delta.counts.get(k, 0.0) for t in done
                              if t.dbtime is not None) for k in (*dbtime.WAL, *dbtime.BGWRITER,
                                                                  *dbtime.TABLES)}
        self.cpu = {k: sum(t.dbtime.delta.cpu.get(k, 0.0) for t in done
                           if t.dbtime is not None) * 1000 / requests for k in dbtime.KINDS}
        self.requests = requests
        wall = sum(t.split.wall for t in done)
        self.rate = sum(d.samples for d in times) / wall if wall else 0.0  # samples a second

    def client(self, *states: str) -> float:
        """ms per request the client backends spent in these states (all active ones when
        none is named: on CPU or waiting, not idle in a transaction)."""
        return sum(ms for state, ms in self.states.items() if state.startswith("client: ")
                   and (state[8:] in states if states else state != IDLE_IN_TX))

    def flushes(self) -> float:
        return self.counts["wal_sync"] / self.requests

    def flush_ms(self) -> float:
        return self.counts["wal_sync_time"] / max(1.0, self.counts["wal_sync"])


IDLE_IN_TX = "client: idle in transaction"
WAL_FLUSH, WAL_LOCK = "IO:WALSync", "LWLock:WALWrite"
CHECKPOINTER, AUTOVACUUM = "checkpointer", "autovacuum worker"


def _busy(turn: Turn, kind: str) -> float:
    """The share of a turn's samples in which `kind` (checkpointer, autovacuum worker) was
    busy (for autovacuum: the mean number of its workers busy)."""
    d = turn.dbtime
    if d is None or not d.samples:
        return 0.0
    return sum(n for state, n in d.states.items() if state.startswith(f"{kind}: ")) / d.samples


def _database_rows(name: str, done: list[Turn]) -> list[dict]:
    """Where the database's time went (bench.dbtime), per request: its client backends'
    sampled states, the WAL, the checkpoints and autovacuum in each turn, its CPU by kind."""
    db = DbPerRequest(done)
    if not db.measured:
        return []
    waits = ", ".join(f"{state[8:]} {ms:.3f}" for state, ms in db.states.items()
                      if state.startswith("client: ") and state != IDLE_IN_TX and ms >= 0.005)
    c, n = db.counts, db.requests
    timing = f", {db.flush_ms():.2f} ms a flush" if c["wal_sync_time"] else ""
    checkpoints = " / ".join(f"{_busy(t, CHECKPOINTER):.0%}" for t in done)
    vacuums = " / ".join(f"{_busy(t, AUTOVACUUM):.2f}" for t in done)
    return [
        row(f"{name}: database time per request, its sessions sampled {db.rate:.0f} times a "
            f"second ({waits}; idle in a transaction, the server's "
            f"time: {db.states.get(IDLE_IN_TX, 0.0):.2f} ms)", db.client(), "ms", REPORTED,
            True),
        row(f"{name}: WAL per request ({c['wal_records'] / n:.1f} records, "
            f"{c['wal_fpi'] / n:.2f} full-page images, {c['wal_bytes'] / n:.0f} bytes; "
            f"flushes (fsync){timing})", db.flushes(), "flushes", REPORTED, True),
        row(f"{name}: checkpoints and autovacuum in the turns (checkpointer busy in "
            f"{checkpoints} of each turn's samples; autovacuum workers busy, mean {vacuums}; "
            f"{c['autovacuum_count']:.0f} vacuums, {c['autoanalyze_count']:.0f} analyzes; "
            f"buffers written by checkpoints {c['buffers_checkpoint']:.0f}, by backends "
            f"{c['buffers_backend']:.0f})", c["checkpoints_timed"] + c["checkpoints_req"],
            "checkpoints completed", REPORTED, True),
        row(f"{name}: database CPU per request by process ("
            + ", ".join(f"{kind} {ms:.3f}" for kind, ms in db.cpu.items() if ms >= 0.0005)
            + ")", sum(db.cpu.values()), "ms", REPORTED, True),
    ]


def ratio(figure: str, two: float, one: float, unit: str, goal: str = REPORTED,
           passed: bool = True) -> dict:
    """2 processes ÷ 1: the ratio is the value; both measures are said in the limit column
    (no limit value: the table's ratio column would divide the ratio by one of them)."""
    return row(figure, two / one if one else 0.0, "×", goal, passed,
               f"2 processes ÷ 1: {two:.4g} ÷ {one:.4g} {unit}")


def _scale_rows(backend: str, quota: float, one: tuple[list[Turn], PerRequest],
                two: tuple[list[Turn], PerRequest]) -> list[dict]:
    name = f"{backend}: 1 → 2 server processes at {quota:g} core each (cgroup CPU cap)"
    rate = [statistics.median(t.rate for t in done) for done, _ in (one, two)]
    used = [statistics.median(sum(t.per_process) for t in done) for done, _ in (one, two)]
    (_, a), (_, b) = one, two
    scale = rate[1] / rate[0] if rate[0] else 0.0
    out = [ratio(f"{name}, closed-loop throughput", rate[1], rate[0], "req/s", "≥ 1.8×",
                  scale >= 1.8),
           # the throughput ratio had the processes spent the same CPU per request
           ratio(f"{name}: server CPU used (the throughput ratio at equal CPU per request)",
                  used[1], used[0], "cores"),
           ratio(f"{name}: server CPU per request", b.cpu_ms, a.cpu_ms, "ms")]
    if a.instructions and b.instructions:
        out.append(ratio(f"{name}: server user-space instructions per request",
                         b.instructions, a.instructions, "instructions"))
    else:
        out.append(not_measured(f"{name}: server user-space instructions per request",
                                b.not_counted))
    if a.work and b.work:
        out.append(ratio(f"{name}: server context switches per request (waits)",
                         b.of_work("voluntary"), a.of_work("voluntary"), "switches"))
        out.append(ratio(f"{name}: server preemptions per request",
                         b.of_work("involuntary"), a.of_work("involuntary"), "preemptions"))
    if a.sends and b.sends:  # the work: the database's statements and the answers
        out.append(ratio(f"{name}: server messages sent per request (send(): statements to "
                         "the database, answers)", b.sends, a.sends, "messages"))
    if a.syscalls and b.syscalls:
        out.append(ratio(f"{name}: server system calls per request", b.syscalls, a.syscalls,
                         "calls"))
    if a.commits and b.commits:
        out.append(ratio(f"{name}: database transactions per request", b.commits, a.commits,
                         "transactions"))
    da, db = DbPerRequest(one[0]), DbPerRequest(two[0])
    if da.measured and db.measured and da.client() and db.client():
        out.append(ratio(f"{name}: database time per request (its sessions on CPU or waiting)",
                         db.client(), da.client(), "ms"))
        out.append(ratio(f"{name}: database sessions' wait for the WAL flush per request "
                         f"({WAL_FLUSH}, {WAL_LOCK})", db.client(WAL_FLUSH, WAL_LOCK),
                         da.client(WAL_FLUSH, WAL_LOCK), "ms"))
        if da.flushes() and db.flushes():
            out.append(ratio(f"{name}: WAL flushes (fsync) per request", db.flushes(),
                             da.flushes(), "flushes"))
    return out


def rows(backend: str, turns: dict[Config, list[Turn]] | str, quota: float = QUOTA,
         pinned: bool = True, each: bool = True) -> list[dict]:
    """`each`: each process had a cgroup of `quota` of its own (bench.capped `Caps`), else a
    share of one of processes × quota."""
    if isinstance(turns, str):
        return [not_measured(f"{backend}: 1 → 2 server processes at {quota:g} core each "
                             "(cgroup CPU cap), closed-loop throughput", turns, "×", "≥ 1.8×")]
    out: list[dict] = []
    per: dict[Config, PerRequest] = {}
    for config, done in sorted(turns.items()):
        per[config] = PerRequest(done)
        out += _config_rows(_name(backend, config, quota, pinned, each), done, quota,
                            per[config])
    workstations = max(w for _, w in turns)
    if (1, workstations) in turns and (2, workstations) in turns:
        out += _scale_rows(backend, quota, *(
            (turns[n, workstations], per[n, workstations]) for n in (1, 2)))
    return out
