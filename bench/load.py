"""Load of a region's workstations on the reference server (issue 19), authorisation and audit
on, over loopback HTTP, on SQLite (one process) and PostgreSQL (fsync on: a real server's
durability) with 1, 2 and 4 server processes (`serve --workers N`). Quick (inside the test
suite): SQLite only, small.

Data (bench.region): a region of family physicians, one per simulated workstation, each with
patients of their own, beside the demo clinic's charts (the no-change round's), each
workstation signed in with a token the bench issues. A simulated workstation (bench.loadgen:
one lean keep-alive connection each, so that the generator does not take the cores it
measures) is its clinician's: it loops — search one of the clinician's patients by NAM
(`POST Patient/_search`), open the chart (`$everything`), write a note 1 time in 10 (a
Condition), and a sync round (`_history?_since` its last round) every ROUND seconds.
- each request type alone, in sequence (bench.per_type): server CPU per request, the
  database's beside it on PostgreSQL — the least load-sensitive figure;
- closed loop (no think time): requests/s, p50/p95, errors, and the server's CPU per request
  (user + system time of the server processes and, on PostgreSQL, of the database's, over the
  run), printed with requests/s per core of server CPU: goal ≥ 400;
- with every run, where the machine's CPU went (% of all cores over the run): the server
  processes, the database, the load generator, and other work on the machine;
- 1 → 2 processes on PostgreSQL: throughput ratio, goal ≥ 1.8×, as the machine runs them
  (with the database and the generator on the same 2 cores: `_ceiling` prints what the idle
  cores allow), then with each server process given a fixed CPU share (bench.capped: each
  server process in a cgroup capped at 0.4 core and on a CPU of its own, 1 and 2 processes
  in turns): requests/s of each, the ratio, the CPU each process used of its share
  ("not measured" where no cgroup CPU controller is writable), and per request the server's
  CPU beside the work it did (bench.capped_rows: instructions where the machine counts them,
  system calls, context switches, the database's transactions and rollbacks, and where the
  database's time went: bench.dbtime);
  `python -m bench.load closed postgres --cpu-quota Q [--processes N] [--workstations N,M]`
  runs them alone;
- paced (THINK s between actions, a round every PACED_ROUND s): p95 ≤ 250 ms and 0 errors
  with PACED workstations (the load generator runs on the same machine);
- a no-change round of a physician while other patients' charts changed (bench
  .no_change_round): ≤ 10 ms, and the same one request as on the quiet server.
The machine's load average is printed with the table (bench.__main__): other work on a
2-core machine moves every figure here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

import psycopg

from bench import capped, capped_rows, loadgen, no_change_round, per_type
from bench.data import Size
from bench.region import Charts, Population, population, seed
from bench.stats import p95, row
from server.processes import Postgres, ServerProcess


class Seconds(NamedTuple):
    full: float
    quick: float

    def of(self, quick: bool) -> float:
        return self.quick if quick else self.full


CLOSED = Size(30, 10)  # closed-loop workstations
SECONDS = Seconds(30, 1.5)  # each closed-loop run
WORKERS = (1, 2, 4)
PACED = Size(1_000, 20)  # paced workstations (bench.region.CLINICIANS: one clinician each)
THINK, PACED_ROUND = Seconds(10.0, 0.5), Seconds(60.0, 1.0)
PACED_SECONDS = Seconds(90, 2)
PER_TYPE_USERS = 7  # clinicians whose requests bench.per_type sends in turn
ROUND = 10.0  # closed loop: a round every 10 s of a workstation
START_S = 120  # a server's start on a loaded 2-core machine can take 20 s
PER_TYPE = Size(300, 30)  # requests of each type alone (bench.per_type)
REPORTED = "reported"
CORES = os.cpu_count() or 1
# the database's WAL write and flush times in pg_stat_wal (bench.dbtime): two clock reads
# a write
MEASURED = {"track_wal_io_timing": "on"}


def settle(url: str | None) -> None:
    """PostgreSQL after the bulk seed, as an operator leaves it after a bulk load: VACUUM
    (ANALYZE) sets every new row's hint bits and the visibility map now, then a CHECKPOINT writes
    those pages. Without it autovacuum did so in the first turns (0.7–0.8 of a worker busy, 400–
    500 MB of pages written beside the server), and the seed's WAL started checkpoints in them."""
    if not url:
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")


def _run(base: str, tokens: dict[str, str], mine: Charts, n: int,
         seconds: float, think: float, every: float, meter: loadgen.Meter
         ) -> tuple[loadgen.Stats, loadgen.Split]:
    """n workstations for `seconds`: workstation i is clinician i's (one each while there are
    as many clinicians as workstations)."""
    names = sorted(mine)
    works = [loadgen.Workload(tokens[names[i % len(names)]], mine[names[i % len(names)]],
                              think, every) for i in range(n)]
    return loadgen.run(base, works, seconds, meter)


def _split_rows(name: str, split: loadgen.Split, requests: int) -> list[dict]:
    """Where the machine's CPU went during the run (% of all its cores over the run): with the
    generator and the database on the same 2 cores, what the server could have had."""
    capacity = split.wall * CORES / 100
    parts = [("server processes", split.server), ("database", split.database),
             ("load generator", split.generator), ("other work on the machine", split.others)]
    return [row(f"{name}: load generator CPU per request", split.generator * 1000 / requests,
                "ms", REPORTED, True)] * bool(requests) + [
        row(f"{name}: CPU of the machine: {what}", seconds / capacity, f"% of {CORES} cores",
            REPORTED, True) for what, seconds in parts if seconds or what != "database"]


def _rows(name: str, stats: loadgen.Stats, split: loadgen.Split) -> list[dict]:
    n = len(stats.times)
    rate = n / split.wall if split.wall else 0.0
    cpu = split.server + split.database
    per_core = n / cpu if cpu else 0.0
    return [
        row(f"{name}: requests/s", rate, "req/s", REPORTED, True),
        row(f"{name}: latency p50 / p95", p95(stats.times) if n else 0.0, "ms", REPORTED,
            True, samples=stats.times or None),
        row(f"{name}: errors", stats.errors, "count", "0", stats.errors == 0),
        row(f"{name}: server CPU per request", cpu * 1000 / n if n else 0.0, "ms", REPORTED,
            True),
        row(f"{name}: requests/s per core of server CPU", per_core, "req/s/core", "≥ 400",
            per_core >= 400),
        *_split_rows(name, split, n),
    ]


def _ceiling(backend: str, split: loadgen.Split, requests: int, rate: float) -> dict:
    """The most that 1 → 2 processes can give here: all the machine's cores spent on requests
    at the 1-process run's CPU per request (server + database + generator), over the
    1-process rate; other work on the machine lowers it further."""
    per_request = (split.server + split.database + split.generator) / max(1, requests)
    ceiling = CORES / per_request / rate if per_request and rate else 0.0
    return row(f"{backend}: 1 → 2 server processes, the ceiling {CORES} idle cores allow "
               "(cores ÷ CPU per request of server + database + generator, ÷ 1-process req/s)",
               ceiling, "×", REPORTED, True)


def _paced(name: str, base: str, tokens: dict[str, str],
           mine: Charts, quick: bool, meter: loadgen.Meter
           ) -> list[dict]:
    n = PACED.of(quick)
    stats, split = _run(base, tokens, mine, n, PACED_SECONDS.of(quick), THINK.of(quick),
                        PACED_ROUND.of(quick), meter)
    name = f"{name}, {n} paced workstations"
    worst = p95(stats.times) if stats.times else 0.0
    done = len(stats.times)
    return [row(f"{name}: latency p50 / p95", worst, "ms", "≤ 250 ms", worst <= 250,
                samples=stats.times or None),
            row(f"{name}: errors", stats.errors, "count", "0", stats.errors == 0),
            row(f"{name}: requests/s", done / split.wall, "req/s", REPORTED, True),
            row(f"{name}: server CPU per request",
                (split.server + split.database) * 1000 / max(1, done), "ms", REPORTED, True),
            *_split_rows(name, split, done)]


def _backend(backend: str, quick: bool, pg: Postgres | None, people: Population
             ) -> list[dict]:
    """Each request type alone, then the closed loop, with each number of processes; the
    no-change round on one; the paced workstations on 2 processes of PostgreSQL and on
    SQLite's one, each on the server the closed loop ran on (a server start is seconds of the
    suite)."""
    rows: list[dict] = []
    data_dir = Path(tempfile.mkdtemp(prefix=f"clinicdesk-load-{backend}-"))
    url = pg.new_database("clinicdesk_load") if pg else None
    db_pids = [pg.proc.pid] if pg and pg.proc else []
    paced_on = 2 if pg else 1
    try:
        mine = people.region
        tokens = seed(data_dir, url, people.charts, people.clinicians,
                       [*sorted(mine), no_change_round.round_doctor(people.demo)])
        settle(url)
        rates: dict[int, float] = {}
        splits: dict[int, tuple[loadgen.Split, int]] = {}
        for workers in WORKERS if pg else (1,):
            extra = ("--workers", str(workers)) if workers > 1 else ()
            proc = ServerProcess(data_dir, url, auth=True, extra_args=extra).start(START_S)
            try:
                assert proc.proc is not None
                meter = loadgen.Meter([proc.proc.pid], db_pids)
                name = f"{backend}, {workers} process{'es' * (workers > 1)}"
                if workers == 1:
                    few = {u: mine[u] for u in sorted(mine)[:PER_TYPE_USERS]}
                    rows += per_type.rows(name, proc.base, tokens, few, meter,
                                          PER_TYPE.of(quick))
                n, seconds = CLOSED.of(quick), SECONDS.of(quick)
                stats, split = _run(proc.base, tokens, mine, n, seconds, 0.0, ROUND, meter)
                rates[workers] = len(stats.times) / split.wall
                splits[workers] = (split, len(stats.times))
                rows += _rows(f"{name}, {n} closed-loop workstations", stats, split)
                if workers == 1:
                    rows += no_change_round.rows(proc.base, data_dir, url, tokens, people.demo,
                                             quick)
                if workers == paced_on:
                    rows += _paced(name, proc.base, tokens, mine, quick, meter)
            finally:
                proc.stop()
        if 2 in rates:
            scale = rates[2] / rates[1]
            rows.append(capped_rows.ratio(f"{backend}: 1 → 2 server processes, closed-loop "
                                          "throughput", rates[2], rates[1], "req/s", "≥ 1.8×",
                                          scale >= 1.8))
            rows.append(_ceiling(backend, *splits[1], rates[1]))
            rows += capped_rows.rows(backend, capped.runs(
                data_dir, url, db_pids, seconds=capped.TURN_S, start_s=START_S,
                workstations=(CLOSED.of(quick),), closed=_closed(tokens, mine)))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return rows


def run(quick: bool) -> list[dict]:
    people = population(quick)
    rows = _backend("sqlite", quick, None, people)
    if quick:  # the suite runs it: SQLite only (PostgreSQL's start, seed and processes: ~40 s)
        return rows
    pg = Postgres(fsync=True, settings=MEASURED).start()
    try:
        rows += _backend("postgres", quick, pg, people)
    finally:
        pg.stop()
    return rows


def _closed(tokens: dict[str, str], mine: Charts) -> capped.Closed:
    return lambda base, meter, seconds, n: _run(base, tokens, mine, n, seconds, 0.0, ROUND,
                                                meter)


def alone(backend: str, what: str, processes: int | None = None,
          quota: float | None = None, pinned: bool = True,
          server_args: tuple[str, ...] = (), workstations: tuple[int, ...] = (),
          shared_cap: bool = False) -> list[dict]:
    """The full-size rows of one part alone, on a server of `processes` processes (default:
    the load run's for that part): `paced` (the same rows as in `python -m bench --only load`,
    3 minutes instead of 15), `closed` (the closed-loop rows), `types` (each request type
    alone, bench.per_type, then the closed-loop rows), `round` (the no-change round's rows,
    on a server the closed loops have not run on). `closed` with a `quota` (cores per
    process): the closed loop on servers capped at processes × quota (bench.capped), of
    `processes` processes or, without, 1 and 2 in turns (capped.TURNS) and their ratio; each
    process on a CPU of its own unless not `pinned`; in each turn, a run with each number of
    `workstations` (default CLOSED); `shared_cap`: one cgroup of processes × quota for the
    server instead of one of `quota` for each serving process (bench.capped). `server_args`:
    more `serve` options."""
    people = population(False)
    pg = Postgres(fsync=True, settings=MEASURED).start() if backend == "postgres" else None
    data_dir = Path(tempfile.mkdtemp(prefix=f"clinicdesk-{what}-{backend}-"))
    workers = processes or (2 if pg and what == "paced" else 1)
    try:
        url = pg.new_database(f"clinicdesk_{what}") if pg else None
        tokens = seed(data_dir, url, people.charts, people.clinicians,
                       [*sorted(people.region), no_change_round.round_doctor(people.demo)])
        settle(url)
        if quota:
            return capped_rows.rows(backend, capped.runs(
                data_dir, url, [pg.proc.pid] if pg and pg.proc else [], seconds=capped.TURN_S,
                start_s=START_S, quota=quota, turns=(processes,) if processes else capped.TURNS,
                workstations=workstations or (CLOSED.full,), pinned=pinned,
                server_args=server_args, closed=_closed(tokens, people.region),
                split=not shared_cap), quota, pinned, not shared_cap)
        extra = (*(("--workers", str(workers)) if workers > 1 else ()), *server_args)
        proc = ServerProcess(data_dir, url, auth=True, extra_args=extra).start(START_S)
        try:
            assert proc.proc is not None
            meter = loadgen.Meter([proc.proc.pid], [pg.proc.pid] if pg and pg.proc else [])
            name = f"{backend}, {workers} process{'es' * (workers > 1)}"
            if what == "paced":
                return _paced(name, proc.base, tokens, people.region, False, meter)
            if what == "round":
                return no_change_round.rows(proc.base, data_dir, url, tokens, people.demo, False)
            rows = []
            if what == "types":
                few = {u: people.region[u] for u in sorted(people.region)[:PER_TYPE_USERS]}
                rows += per_type.rows(name, proc.base, tokens, few, meter, PER_TYPE.full)
            n = CLOSED.full
            stats, split = _run(proc.base, tokens, people.region, n, SECONDS.full, 0.0, ROUND,
                                meter)
            return rows + _rows(f"{name}, {n} closed-loop workstations", stats, split)
        finally:
            proc.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if pg:
            pg.stop()


USAGE = ("usage: python -m bench.load paced|closed|types|round sqlite|postgres "
         "[--processes N] [--cpu-quota CORES (closed: cores per server process) [--unpinned] "
         "[--cap-shared (one cgroup for the server's processes)]] "
         "[--pin-cpus (the server's own: serve --pin-cpus)] [--workstations N,M (closed, "
         "with --cpu-quota: each turn with N, then M workstations)]")

if __name__ == "__main__":
    import argparse

    from bench.__main__ import print_table

    parser = argparse.ArgumentParser(prog="python -m bench.load", usage=USAGE)
    parser.add_argument("what", choices=("paced", "closed", "types", "round"))
    parser.add_argument("backend", choices=("sqlite", "postgres"))
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--cpu-quota", type=float, default=None)
    parser.add_argument("--unpinned", action="store_true")
    parser.add_argument("--cap-shared", action="store_true")
    parser.add_argument("--pin-cpus", action="store_true")
    parser.add_argument("--workstations", default="")
    args = parser.parse_args()
    try:
        counts = tuple(int(n) for n in args.workstations.split(",") if n)
    except ValueError:
        parser.error("--workstations: numbers of workstations, e.g. 15,30")
    if counts and (args.cpu_quota is None or min(counts) < 1):
        parser.error("--workstations: positive numbers, with --cpu-quota")
    if args.cpu_quota is not None and (args.what != "closed" or args.cpu_quota <= 0):
        parser.error("--cpu-quota: a positive number of cores, with closed")
    if args.cap_shared and args.cpu_quota is None:
        parser.error("--cap-shared: with --cpu-quota")
    print_table(alone(args.backend, args.what, args.processes, args.cpu_quota,
                      not args.unpinned, ("--pin-cpus",) if args.pin_cpus else (), counts,
                      args.cap_shared))
