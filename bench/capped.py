"""Scale-out of the server with a fixed CPU share per process (issue 19, bench.load): the closed
loop against `serve --workers N` with each serving process in a cgroup of its own capped at
QUOTA cores (bench.cgroup; the supervisor starts in the first, each worker is moved to its own
once it listens, `Caps`), N = 1 then 2 in turns (TURNS), so that 1 → 2 processes measures the
server, not what the machine's 2 cores have left beside the database and the load generator
(bench.load `_ceiling`). QUOTA leaves room: 2 × 0.4 core of server, the database's ~0.3 and the
generator's ~0.1 at the ~400 req/s that 0.8 core allows fit in 2 cores with ~0.8 to spare (the
rows print where the CPU went). The servers' cgroups and one holding the database and the load
generator (not capped) are weighted (WEIGHT) so that other work on a shared machine takes from
the spare, not from them.
Each serving process's threads run on one CPU (`pin`: worker i on CPU i): left free, a
process's threads (its event loop, its request threads) run on both cores and pass the GIL
from one core to the other, which cost a single process held at 0.4 core 2.5–3× the CPU per
request (quick population, 30 workstations: 3.0–3.6 ms free, 1.13–1.16 ms pinned; uncapped
1.86 and 1.28 ms), and made the 1 → 2 ratio read 1.7–2.7×.

A cgroup per process rather than one of N × QUOTA for the server (`split=False`, `bench.load …
--cap-shared`): in one shared cgroup the two workers are not held at 0.4 each — whichever runs
first in a period takes the pool (measured 0.25 + 0.45, 0.25 + 0.51 core), and the throttling of
a shared pool stops each worker's threads more often (per request 9.2–11 waits against 6.8–7.4,
1.46–1.62 event-loop waits against 1.0–1.2; 2 ÷ 1 waits 1.48–1.72× against 1.18–1.20×). The
throughput ratio moved within this machine's noise (1.59 against 1.76–2.01× in alternating
turns; the goal's command 1.74 against 1.77× busy, 1.84 against 1.87× quieter: BENCHMARKS.md,
affinity19). What is left between 1 and 2 processes is this machine's: two busy server processes
beside the database on 2 cores (two independent 1-process servers at once: +5–6 % CPU per
request against one alone, up to twice the preemptions on the CPU the load generator shares);
half the workstations per process (15) wakes the event loop twice as often a request at no
measurable CPU (0.96 against 0.97 ms). The cap's size moves the ratio less than the machine's
other work does: at 0.25, 0.3 and 0.4 core the counts per request are the same (1 → 2: waits
~1.7×, futexes ~2×, messages and transactions 1.00×), the ratio 1.76 / 2.23 / 1.67× with other
work taking 0–77 % of the machine.

Both servers (1 process, 2 processes) run on the same database for the whole run, each in its
cgroups, and take the load in turns, each turn with each number of workstations asked for
(`runs`: the 1 → 2 figure at the largest; fewer separate what a process's share of the
workstations does from what a second process does). Each turn also counts the work done
(bench.counters: context switches, system calls and, where the machine has hardware counters,
instructions of the serving processes; the time their threads waited for a CPU and the time the
caps held them back; the database's transactions, rollbacks and lock waiters) and where the
database's time went (bench.dbtime: its sessions' sampled wait events, the WAL's flushes, the
checkpoints and autovacuum in the turn, its processes' CPU); bench.capped_rows prints them per
request.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from bench import counters, dbtime, loadgen
from bench.cgroup import CpuCap, NoController
from server.processes import ServerProcess

QUOTA = 0.4  # cores per server process
TURNS = (1, 2, 1, 2, 1, 2)
TURN_S = 20.0  # each turn's closed loop (full size)
REPORTED = "reported"
CORES = os.cpu_count() or 1

WEIGHT = 50.0  # × a default process's share of contended cores: the servers' cgroups, and
# the database's and the load generator's (not capped), so that other work on the machine
# does not take the CPU they are measured with
WARM_S = 3.0  # of closed loop on each server before the turns (its first requests are slower)
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp

# the closed loop of N workstations against a server's base URL for `seconds`, metered
Closed = Callable[[str, loadgen.Meter, float, int], tuple[loadgen.Stats, loadgen.Split]]


class CappedServer(ServerProcess):
    """ServerProcess whose process enters `cap` before it runs any of the server's code."""

    def __init__(self, cap: CpuCap, data_dir: Path, database_url: str | None,
                 processes: int, server_args: tuple[str, ...] = ()):
        super().__init__(data_dir, database_url, auth=True, extra_args=(
            *(("--workers", str(processes)) if processes > 1 else ()), *server_args))
        self.cap = cap

    def _args(self) -> list[str]:
        return [*self.cap.prefix(), *super()._args()]


def serving_pids(proc: ServerProcess) -> list[int]:
    """The processes that serve requests: the server itself, or the supervisor's workers
    (`serve --workers N`: multiprocessing spawn children, not its resource tracker)."""
    assert proc.proc is not None
    root = proc.proc.pid
    workers = []
    for pid in loadgen.tree(root)[1:]:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                workers.append(pid)
        except OSError:
            continue
    return workers or [root]


def listening(port: int) -> int:
    """Sockets listening on this TCP port (IPv4): one per worker of `serve --workers N`."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[3] == LISTEN
               and int(line.split()[1].rsplit(":", 1)[1], 16) == port)


def wait_listening(proc: ServerProcess, processes: int, timeout: float) -> None:
    """Until each of the server's processes listens (/health answers once the first does)."""
    end = time.monotonic() + timeout
    while listening(proc.port) < processes:
        if time.monotonic() > end:
            raise RuntimeError(f"{processes} server processes did not all listen")
        time.sleep(0.1)


def pin(proc: ServerProcess) -> list[int]:
    """Each serving process's threads on one CPU of its own (worker i on CPU i mod the CPUs
    this process may use), the threads it starts later too (they inherit it); the CPUs.
    Over a server's own `serve --pin-cpus` this wins (the workers may swap CPUs: one each
    either way); `bench.load … --unpinned --pin-cpus` leaves the pinning to the server."""
    cpus = sorted(os.sched_getaffinity(0))
    chosen = []
    for i, pid in enumerate(serving_pids(proc)):
        cpu = cpus[i % len(cpus)]
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(ProcessLookupError):  # a thread ended meanwhile
                os.sched_setaffinity(int(task.name), {cpu})
        chosen.append(cpu)
    return chosen


class Caps:
    """The cgroups of one server: one of processes × quota for its whole tree (`shared`), or
    one of quota for each serving process (`split`: the supervisor starts in the first, worker
    i is moved to the i-th once it listens), read as one."""

    def __init__(self, caps: list[CpuCap]):
        self.caps = caps

    def split(self, proc: ServerProcess) -> None:
        for cap, pid in zip(self.caps, serving_pids(proc), strict=True):
            if pid not in cap.pids():
                cap.add(pid)  # all its threads; those it starts later follow

    def pids(self) -> list[int]:
        return [p for cap in self.caps for p in cap.pids()]

    def stat(self) -> dict[str, float]:
        """CpuCap.stat summed over the cgroups."""
        out: dict[str, float] = {}
        for cap in self.caps:
            for key, value in cap.stat().items():
                out[key] = out.get(key, 0.0) + value
        return out


class Turn(NamedTuple):
    rate: float  # requests/s
    per_process: list[float]  # cores of CPU each serving process used
    throttled: float  # share of the cgroup's scheduler periods in which the cap held it back
    stats: loadgen.Stats
    split: loadgen.Split
    work: list[counters.Work] | None = None  # each serving process's counters over the turn
    perf: counters.Perf | None = None  # the serving processes' instructions, system calls
    database: counters.Database | None = None  # PostgreSQL's counters over the turn
    throttled_s: float = 0.0  # time the cap held the cgroup's processes back (cpu.stat)
    dbtime: dbtime.DbTime | None = None  # where PostgreSQL's time went over the turn
    started: float = 0.0  # the turn's start (time.time(): its place in the database's log)
    load: float = 0.0  # the machine's load average (1 min) at the turn's start


def turn(proc: ServerProcess, cap: Caps, closed: Closed, db_pids: list[int],
         seconds: float, workstations: int, url: str | None = None) -> Turn:
    assert proc.proc is not None
    pids = serving_pids(proc)
    outside = set(pids) - set(cap.pids())
    if outside:
        raise RuntimeError(f"server processes outside their cgroup: {sorted(outside)}")
    meter = loadgen.Meter([proc.proc.pid], db_pids)
    perf = counters.Perf(pids)
    postgres = bool(url and url.startswith("postgres"))
    database = counters.Database(url) if url and postgres else None
    waits = dbtime.DbTime(url, db_pids[0] if db_pids else None) if url and postgres else None
    if database and waits:
        database.start()
        waits.start()
    started, load = time.time(), float(Path("/proc/loadavg").read_text().split()[0])
    before, stat, work = ({p: loadgen.cpu_of([p]) for p in pids}, cap.stat(),
                          [counters.work_of(p) for p in pids])
    perf.start()
    stats, split = closed(proc.base, meter, seconds, workstations)
    perf.stop()
    work = [counters.work_of(p) - w for p, w in zip(pids, work, strict=True)]
    after = cap.stat()
    if database and waits:
        waits.stop()
        database.stop()
    per_process = [(loadgen.cpu_of([p]) - before[p]) / split.wall for p in pids]
    periods = after["periods"] - stat["periods"]
    return Turn(len(stats.times) / split.wall, per_process,
                (after["throttled"] - stat["throttled"]) / periods if periods else 0.0,
                stats, split, work, perf, database,
                after.get("throttled_s", 0.0) - stat.get("throttled_s", 0.0), waits, started, load)


Config = tuple[int, int]  # (server processes, closed-loop workstations)


def runs(data_dir: Path, url: str | None, db_pids: list[int], closed: Closed, seconds: float,
         start_s: float, quota: float = QUOTA, turns: tuple[int, ...] = TURNS,
         workstations: tuple[int, ...] = (30,), pinned: bool = True,
         server_args: tuple[str, ...] = (), split: bool = True
         ) -> dict[Config, list[Turn]] | str:
    """{(processes, workstations): its turns of `seconds`}: for each number of processes in
    `turns`, in order, a turn with each number of `workstations`; each number of processes a
    server whose processes each run in a cgroup capped at quota (`split`; else the server in
    one of processes × quota), started, every process listening, pinned (`pin`), and warmed
    (WARM_S) before the first turn; or why it cannot be measured here."""
    done: dict[Config, list[Turn]] = defaultdict(list)
    with contextlib.ExitStack() as stack:  # servers stopped, then their cgroups removed
        try:
            rest = stack.enter_context(CpuCap(None, WEIGHT))
            caps = {n: Caps([stack.enter_context(CpuCap(quota, WEIGHT)) for _ in range(n)]
                            if split else [stack.enter_context(CpuCap(n * quota, WEIGHT))])
                    for n in sorted(set(turns))}
        except NoController as error:
            return str(error)
        for pid in [p for root in db_pids for p in loadgen.tree(root)] + [os.getpid()]:
            with contextlib.suppress(OSError):  # a database process ended meanwhile
                rest.add(pid)  # the database's new processes follow its postmaster
        servers: dict[int, tuple[CappedServer, Caps]] = {}
        for n, cap in caps.items():
            server = CappedServer(cap.caps[0], data_dir, url, n, server_args)
            stack.callback(server.stop)
            server.start(start_s)
            servers[n] = (server, cap)
            wait_listening(server, n, start_s)
            if split:
                cap.split(server)
            if pinned:
                pin(server)
        for server, _ in servers.values():
            closed(server.base, loadgen.Meter([], []), WARM_S, max(workstations))
        for n in turns:
            for w in workstations:
                done[n, w].append(turn(*servers[n], closed, db_pids, seconds, w, url))
    return dict(done)
