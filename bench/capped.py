"""Scale-out of the server with a fixed CPU share per process (issue 19, bench.load): the closed
loop against `serve --workers N` whose process tree (the supervisor and its workers: they
inherit its cgroup) runs in a cgroup capped at N × QUOTA cores (bench.cgroup), N = 1 then 2 in
turns (TURNS), so that 1 → 2 processes measures the server, not what the machine's 2 cores have
left beside the database and the load generator (bench.load `_ceiling`). QUOTA leaves room:
2 × 0.4 core of server, the database's ~0.3 and the generator's ~0.1 at the ~400 req/s that
0.8 core allows fit in 2 cores with ~0.8 to spare (the rows print where the CPU went). The
servers' cgroups and one holding the database and the load generator (not capped) are
weighted (WEIGHT) so that other work on a shared machine takes from the spare, not from them.
Each serving process's threads run on one CPU (`pin`: worker i on CPU i): left free, a
process's threads (its event loop, its request threads) run on both cores and pass the GIL
from one core to the other, which cost a single process held at 0.4 core 2.5–3× the CPU per
request (quick population, 30 workstations: 3.0–3.6 ms free, 1.13–1.16 ms pinned; uncapped
1.86 and 1.28 ms), and made the 1 → 2 ratio read 1.7–2.7×.

Both servers (1 process, 2 processes) run on the same database for the whole run, each in its
cgroup, and take the load in turns. Printed: requests/s of each (median of its turns), the
ratio (goal ≥ 1.8×), the server CPU each process used (≈ QUOTA when the server can use its
share; the row says so when it cannot), the share of scheduler periods in which the cap held
it back, the server CPU per request, and the ratio of the CPU the servers used (the
throughput ratio had they spent the same CPU per request). Where no cgroup CPU controller is
writable the row says "not measured".
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from bench import loadgen
from bench.cgroup import CpuCap, NoController
from bench.stats import p95, row
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

# the closed loop against a server's base URL for `seconds`, metered
Closed = Callable[[str, loadgen.Meter, float], tuple[loadgen.Stats, loadgen.Split]]


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


class Turn(NamedTuple):
    rate: float  # requests/s
    per_process: list[float]  # cores of CPU each serving process used
    throttled: float  # share of the cgroup's scheduler periods in which the cap held it back
    stats: loadgen.Stats
    split: loadgen.Split


def turn(proc: ServerProcess, cap: CpuCap, closed: Closed, db_pids: list[int],
         seconds: float) -> Turn:
    assert proc.proc is not None
    pids = serving_pids(proc)
    outside = set(pids) - set(cap.pids())
    if outside:
        raise RuntimeError(f"server processes outside their cgroup: {sorted(outside)}")
    meter = loadgen.Meter([proc.proc.pid], db_pids)
    before, stat = {p: loadgen.cpu_of([p]) for p in pids}, cap.stat()
    stats, split = closed(proc.base, meter, seconds)
    after = cap.stat()
    per_process = [(loadgen.cpu_of([p]) - before[p]) / split.wall for p in pids]
    periods = after["periods"] - stat["periods"]
    return Turn(len(stats.times) / split.wall, per_process,
                (after["throttled"] - stat["throttled"]) / periods if periods else 0.0,
                stats, split)


def not_measured(backend: str, reason: str, quota: float) -> dict:
    """A row that says why the figure is not there: printed with no number and not judged
    (bench.__main__.table_row); its value, 0, is no measure."""
    return {**row(f"{backend}: 1 → 2 server processes at {quota:g} core each (cgroup CPU cap), "
                  f"closed-loop throughput: not measured: {reason}", 0.0, "×", "≥ 1.8×",
                  True), "not_measured": True}


def runs(data_dir: Path, url: str | None, db_pids: list[int], closed: Closed, seconds: float,
         start_s: float, quota: float = QUOTA, turns: tuple[int, ...] = TURNS,
         pinned: bool = True, server_args: tuple[str, ...] = ()) -> dict[int, list[Turn]] | str:
    """{processes: its turns of `seconds`}, each configuration a server in a cgroup of its
    own capped at processes × quota, started, every process listening, pinned (`pin`), and
    warmed (WARM_S) before the first turn; or why it cannot be measured here."""
    done: dict[int, list[Turn]] = defaultdict(list)
    with contextlib.ExitStack() as stack:  # servers stopped, then their cgroups removed
        try:
            rest = stack.enter_context(CpuCap(None, WEIGHT))
            caps = {n: stack.enter_context(CpuCap(n * quota, WEIGHT))
                    for n in sorted(set(turns))}
        except NoController as error:
            return str(error)
        for pid in [p for root in db_pids for p in loadgen.tree(root)] + [os.getpid()]:
            with contextlib.suppress(OSError):  # a database process ended meanwhile
                rest.add(pid)  # the database's new processes follow its postmaster
        servers: dict[int, tuple[CappedServer, CpuCap]] = {}
        for n, cap in caps.items():
            server = CappedServer(cap, data_dir, url, n, server_args)
            stack.callback(server.stop)
            server.start(start_s)
            servers[n] = (server, cap)
            wait_listening(server, n, start_s)
            if pinned:
                pin(server)
        for server, _ in servers.values():
            closed(server.base, loadgen.Meter([], []), WARM_S)
        for n in turns:
            done[n].append(turn(*servers[n], closed, db_pids, seconds))
    return dict(done)


def rows(backend: str, workstations: int, turns: dict[int, list[Turn]] | str,
         quota: float = QUOTA, pinned: bool = True) -> list[dict]:
    if isinstance(turns, str):
        return [not_measured(backend, turns, quota)]
    out, rates, used_cores = [], {}, {}
    for n, done in sorted(turns.items()):
        name = (f"{backend}, {n} process{'es' * (n > 1)} capped at {n * quota:g} core "
                f"({quota:g} each{', on a CPU each' if pinned else ''}), {workstations} "
                "closed-loop workstations")
        rates[n] = statistics.median(t.rate for t in done)
        used_cores[n] = statistics.median(sum(t.per_process) for t in done)
        times = [ms for t in done for ms in t.stats.times]
        errors = sum(t.stats.errors for t in done)
        cores = [c for t in done for c in t.per_process]
        used = statistics.mean(cores) / quota
        each = " / ".join(f"{c:.2f}" for t in done for c in t.per_process)
        per_request = sum(t.split.server for t in done) * 1000 / max(1, len(times))
        wall = sum(t.split.wall for t in done) * CORES / 100
        db, gen, other = (sum(getattr(t.split, part) for t in done) / wall
                          for part in ("database", "generator", "others"))
        server = sum(t.split.server for t in done) / wall
        out += [
            row(f"{name}: requests/s (median of {len(done)} turns: "
                f"{' / '.join(f'{t.rate:.0f}' for t in done)})", rates[n], "req/s",
                REPORTED, True, samples=[t.rate for t in done]),
            row(f"{name}: latency p50 / p95", p95(times) if times else 0.0, "ms", REPORTED,
                True, samples=times or None),
            row(f"{name}: errors", errors, "count", "0", errors == 0),
            row(f"{name}: server CPU per process, of its {quota:g}-core quota (each process "
                f"in each turn: {each} cores; throttled in "
                f"{statistics.mean(t.throttled for t in done):.0%} of periods)"
                + ("" if used >= 0.9 else ": the server did not use its quota"),
                used * 100, "%", REPORTED, True),
            row(f"{name}: server CPU per request (the database's not counted)", per_request,
                "ms", REPORTED, True),
            row(f"{name}: CPU of the machine left idle (server {server:.0f} %, database "
                f"{db:.0f} %, load generator {gen:.0f} %, other work {other:.0f} %)",
                max(0.0, 100 - server - db - gen - other), f"% of {CORES} cores",
                REPORTED, True),
        ]
    if 1 in rates and 2 in rates:
        scale = rates[2] / rates[1] if rates[1] else 0.0
        out.append(row(f"{backend}: 1 → 2 server processes at {quota:g} core each (cgroup "
                       "CPU cap), closed-loop throughput", scale, "×", "≥ 1.8×", scale >= 1.8,
                       f"1 process at {quota:g} core (req/s)", rates[1]))
        # The ratio at equal CPU per request: what the processes could use of their shares
        # (unpinned, a single throttled process spent 1.5–2× the CPU per request of two).
        cpu = used_cores[2] / used_cores[1] if used_cores[1] else 0.0
        out.append(row(f"{backend}: 1 → 2 server processes at {quota:g} core each: server CPU "
                       "used (the throughput ratio at equal CPU per request)", cpu, "×",
                       REPORTED, True, f"1 process at {quota:g} core (cores used)",
                       used_cores[1]))
    return out
