"""Load of a region's workstations on the reference server (issue 19), authorisation and audit
on, over loopback HTTP, on SQLite (one process) and PostgreSQL (fsync on: a real server's
durability) with 1, 2 and 4 server processes (`serve --workers N`). Quick (inside the test
suite): SQLite only, small.

Data (`population`): a region of CLINICIANS family physicians (server.seed.staff.clinicians),
one per simulated workstation, each with REGION_PATIENTS / CLINICIANS patients of their own
(generate.patients(physicians=...)), beside the demo clinic's PATIENTS charts (the demo
physicians': the no-change round's), bulk-loaded, then ANALYZE (as `clinicdesk-server seed`
does). The clinicians' accounts open with no password: each workstation's access token is
issued by the bench in one transaction through the server's own token store (_issue_tokens;
a password grant each would be 1,000 scrypt hashes). A simulated workstation (bench.loadgen:
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
  cores allow), then with each server process given a fixed CPU share (bench.capped: the
  server's process tree in a cgroup capped at N × 0.4 core, each process on a CPU, 1 and 2
  processes in turns):
  requests/s of each, the ratio, the CPU each process used of its share ("not measured" where
  no cgroup CPU controller is writable); `python -m bench.load closed postgres --cpu-quota Q
  [--processes N]` runs them alone;
- paced (THINK s between actions, a round every PACED_ROUND s): p95 ≤ 250 ms and 0 errors
  with PACED workstations (the load generator runs on the same machine);
- a no-change round of a physician while OTHER_CHANGES of other patients' charts changed:
  server time (median of the request, loopback) ≤ 10 ms, and the same one request as on the
  quiet server (the round's charts: the physician's whole care team, whatever they cache).
The machine's load average is printed with the table (bench.__main__): other work on a
2-core machine moves every figure here.
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from app.core import fhir_systems
from app.core.profiles import Profession, UserProfile
from bench import capped, loadgen, per_type
from bench.data import Size
from bench.stats import p95, row
from server.identity.store import IdentityStore
from server.processes import Postgres, ServerProcess
from server.seed import generate, load, staff
from server.storage import care, open_store

SEED = 19
PATIENTS = Size(7_000, 200)  # the demo clinic's charts (the no-change round)
CLOSED = Size(30, 10)  # closed-loop workstations
SECONDS = Size(30, 1.5)  # each closed-loop run
WORKERS = (1, 2, 4)
PACED, THINK, PACED_ROUND = Size(1_000, 20), Size(10.0, 0.5), Size(60.0, 1.0)
PACED_SECONDS = Size(90, 2)
CLINICIANS = Size(max(PACED.full, CLOSED.full), max(PACED.quick, CLOSED.quick))
REGION_PATIENTS = Size(20_000, 200)  # the region's charts: 20 per clinician (quick: 10)
TOKEN_TTL = 4 * 3600.0  # the bench's tokens (_issue_tokens) outlive the whole run
PER_TYPE_USERS = 7  # clinicians whose requests bench.per_type sends in turn
ROUND = 10.0  # closed loop: a round every 10 s of a workstation
OTHER_CHANGES = Size(5_000, 100)
ROUNDS = Size(20, 5)
START_S = 120  # a server's start on a loaded 2-core machine can take 20 s
PER_TYPE = Size(300, 30)  # requests of each type alone (bench.per_type)
REPORTED = "reported"
CORES = os.cpu_count() or 1


def _physicians() -> list[staff.DemoAccount]:
    return [a for a in staff.ACCOUNTS if a.profile.profession == Profession.PHYSICIAN]


def _seed(data_dir: Path, url: str | None, charts: list[list[dict]],
          clinicians: list[UserProfile], usernames: list[str]) -> dict[str, str]:
    """The demo physicians' accounts, the region's clinicians (no password: load.NO_PASSWORD)
    and the charts, then ANALYZE; an access token for each of `usernames`."""
    store = open_store(data_dir, url)
    try:
        load.load_staff(store, _physicians())
        load.load_clinicians(store, clinicians)
        for start in range(0, len(charts), load.BATCH_PATIENTS):
            load.bulk_create(store, [r for chart in charts[start:start + load.BATCH_PATIENTS]
                                     for r in chart])
        store.analyze()
        return _issue_tokens(store, usernames)
    finally:
        store.close()


def _issue_tokens(store: Any, usernames: list[str]) -> dict[str, str]:
    """Bench only: access tokens written in one transaction through the server's own token
    store (server.identity.store: only their SHA-256 kept, checked on every request as any
    token), as a sign-in would issue them, without a password check per workstation (scrypt:
    ~40 ms each, 1,000 of them would be the bench). Valid TOKEN_TTL s: the whole run."""
    tokens = {u: secrets.token_urlsafe(32) for u in usernames}
    expires = time.time() + TOKEN_TTL
    IdentityStore(store).add_tokens([(token, "access", username, uuid.uuid4().hex, expires)
                                     for username, token in tokens.items()])
    return tokens


def _readable(charts: list[list[dict]]) -> dict[str, list[tuple[str, str]]]:
    """{physician username: [(patient id, NAM)]} of their charts with no Consent restriction."""
    mine: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for chart in charts:
        refs = care.practitioner_refs(chart[0])
        if refs and refs[0].startswith("Practitioner/user-") and \
                not any(r["resourceType"] == "Consent" for r in chart):
            nam = next(i["value"] for i in chart[0]["identifier"]
                       if i["system"] == fhir_systems.NAM)
            mine[refs[0].removeprefix("Practitioner/user-")].append((chart[0]["id"], nam))
    return dict(mine)


def _run(base: str, tokens: dict[str, str], mine: dict[str, list[tuple[str, str]]], n: int,
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


def _team_of(username: str) -> set[str]:
    return {f"Practitioner/user-{u}" for u in
            (username, *(m.grantor for m in staff.by_username(username).profile.mandates))}


def _round_doctor(demo: dict[str, list[tuple[str, str]]]) -> str:
    """The demo physician whose care team leaves the most charts to others (the figure's
    "other"): the specialist, ~15 % of the demo clinic's charts."""
    return min(demo, key=lambda u: len(_team_of(u)) * len(demo) + len(demo[u]))


def _no_change_round(base: str, data_dir: Path, url: str | None, tokens: dict[str, str],
                     mine: dict[str, list[tuple[str, str]]], quick: bool) -> list[dict]:
    """A physician's round on a quiet server, then after OTHER_CHANGES Conditions of charts
    outside their care team: the request's time (median of ROUNDS) and the requests per
    round."""
    doctor = _round_doctor(mine)
    token = tokens[doctor]
    team = _team_of(doctor)
    store = open_store(data_dir, url)
    try:
        with store.read() as tx:
            others = [r for (r,) in tx._q(
                "SELECT DISTINCT patient FROM care_team WHERE practitioner NOT IN "
                f"({', '.join('?' for _ in team)}) AND patient NOT IN (SELECT patient FROM "
                f"care_team WHERE practitioner IN ({', '.join('?' for _ in team)}))",
                [*team, *team])]
            cared = int(tx._q(f"SELECT count(DISTINCT patient) FROM care_team WHERE "
                              f"practitioner IN ({', '.join('?' for _ in team)})",
                              list(team))[0][0])
        since = datetime.now(UTC).isoformat()
        with httpx.Client(base_url=f"{base}/fhir/", timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as fhir:
            def rounds() -> tuple[list[float], int]:
                times, requests = [], 0
                for _ in range(ROUNDS.of(quick)):
                    started = time.perf_counter()
                    reply = fhir.get("_history", params={"_since": since, "_count": "100"})
                    times.append((time.perf_counter() - started) * 1000)
                    requests += 1 + bool(reply.json().get("link", [{}])[-1].get(
                        "relation") == "next")
                    assert not reply.json().get("entry")
                return times, requests // ROUNDS.of(quick)
            def sql() -> list[float]:  # the round's own statement, in this process
                usernames = [doctor, *(m.grantor for m in
                                       staff.by_username(doctor).profile.mandates)]
                times = []
                for _ in range(ROUNDS.of(quick)):
                    started = time.perf_counter()
                    with store.alone() as tx:  # as server.fhir.history runs a round first
                        tx.history(None, None, since, 100, None, usernames)
                    times.append((time.perf_counter() - started) * 1000)
                return times
            quiet, quiet_requests = rounds()
            quiet_sql = sql()
            changes = OTHER_CHANGES.of(quick)
            with store.write() as tx:
                for i in range(changes):
                    tx.create("Condition", {"subject": {"reference":
                                                        f"Patient/{others[i % len(others)]}"},
                                            "code": {"text": "elsewhere"}})
            busy, busy_requests = rounds()
            busy_sql = sql()
    finally:
        store.close()
    name = (f"no-change round, {cared} charts in the physician's care, {changes} changes of "
            f"{min(changes, len(others))} other charts")
    return [
        row(f"{name} (median)", statistics.median(busy), "ms", "≤ 10 ms",
            statistics.median(busy) <= 10, "the same round on the quiet server (median)",
            statistics.median(quiet), samples=busy),
        row(f"{name}: the round's SQL, in process (median)", statistics.median(busy_sql), "ms",
            REPORTED, True, "the same on the quiet server (median)",
            statistics.median(quiet_sql), samples=busy_sql),
        row(f"{name}: requests per round", busy_requests, "requests",
            "the same as quiet", busy_requests == quiet_requests, "quiet", quiet_requests),
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
           mine: dict[str, list[tuple[str, str]]], quick: bool, meter: loadgen.Meter
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
        tokens = _seed(data_dir, url, people.charts, people.clinicians,
                       [*sorted(mine), _round_doctor(people.demo)])
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
                    rows += _no_change_round(proc.base, data_dir, url, tokens, people.demo,
                                             quick)
                if workers == paced_on:
                    rows += _paced(name, proc.base, tokens, mine, quick, meter)
            finally:
                proc.stop()
        if 2 in rates:
            scale = rates[2] / rates[1]
            rows.append(row(f"{backend}: 1 → 2 server processes, closed-loop throughput",
                            scale, "×", "≥ 1.8×", scale >= 1.8, "1 process (req/s)", rates[1]))
            rows.append(_ceiling(backend, *splits[1], rates[1]))
            n = CLOSED.of(quick)
            rows += capped.rows(backend, n, capped.runs(
                data_dir, url, db_pids, seconds=capped.TURN_S, start_s=START_S,
                closed=lambda base, meter, s: _run(base, tokens, mine, n, s, 0.0, ROUND, meter)))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return rows


class Population(NamedTuple):
    charts: list[list[dict]]  # the demo clinic's, then the region's
    clinicians: list[UserProfile]  # the region's, one per workstation
    region: dict[str, list[tuple[str, str]]]  # their readable charts (bench.load._readable)
    demo: dict[str, list[tuple[str, str]]]  # the demo physicians' (the no-change round's)


def population(quick: bool) -> Population:
    """The demo clinic (PATIENTS charts of the demo physicians: the no-change round's ~1,000
    charts of the specialist) and a region of CLINICIANS family physicians, one per simulated
    workstation, each with REGION_PATIENTS of their own patients: a workstation's round
    returns its own physician's changes, not those of ~140 others sharing a care team."""
    clinicians = staff.clinicians(CLINICIANS.of(quick), SEED)
    demo = list(generate.patients(PATIENTS.of(quick), SEED))  # ~1 ms a chart
    region = list(generate.patients(REGION_PATIENTS.of(quick), SEED, id_prefix="region",
                                    physicians=clinicians))
    return Population(demo + region, clinicians, _readable(region), _readable(demo))


def run(quick: bool) -> list[dict]:
    people = population(quick)
    rows = _backend("sqlite", quick, None, people)
    if quick:  # the suite runs it: SQLite only (PostgreSQL's start, seed and processes: ~40 s)
        return rows
    pg = Postgres(fsync=True).start()
    try:
        rows += _backend("postgres", quick, pg, people)
    finally:
        pg.stop()
    return rows


def alone(backend: str, what: str, processes: int | None = None,
          quota: float | None = None, pinned: bool = True,
          server_args: tuple[str, ...] = ()) -> list[dict]:
    """The full-size rows of one part alone, on a server of `processes` processes (default:
    the load run's for that part): `paced` (the same rows as in `python -m bench --only load`,
    3 minutes instead of 15), `closed` (the closed-loop rows), `types` (each request type
    alone, bench.per_type, then the closed-loop rows), `round` (the no-change round's rows,
    on a server the closed loops have not run on). `closed` with a `quota` (cores per
    process): the closed loop on servers capped at processes × quota (bench.capped), of
    `processes` processes or, without, 1 and 2 in turns (capped.TURNS) and their ratio; each
    process on a CPU of its own unless not `pinned`. `server_args`: more `serve` options."""
    people = population(False)
    pg = Postgres(fsync=True).start() if backend == "postgres" else None
    data_dir = Path(tempfile.mkdtemp(prefix=f"clinicdesk-{what}-{backend}-"))
    workers = processes or (2 if pg and what == "paced" else 1)
    try:
        url = pg.new_database(f"clinicdesk_{what}") if pg else None
        tokens = _seed(data_dir, url, people.charts, people.clinicians,
                       [*sorted(people.region), _round_doctor(people.demo)])
        if quota:
            n = CLOSED.full
            return capped.rows(backend, n, capped.runs(
                data_dir, url, [pg.proc.pid] if pg and pg.proc else [], seconds=capped.TURN_S,
                start_s=START_S, quota=quota, turns=(processes,) if processes else capped.TURNS,
                pinned=pinned, server_args=server_args, closed=lambda base, meter, s: _run(
                    base, tokens, people.region, n, s, 0.0, ROUND, meter)), quota, pinned)
        extra = (*(("--workers", str(workers)) if workers > 1 else ()), *server_args)
        proc = ServerProcess(data_dir, url, auth=True, extra_args=extra).start(START_S)
        try:
            assert proc.proc is not None
            meter = loadgen.Meter([proc.proc.pid], [pg.proc.pid] if pg and pg.proc else [])
            name = f"{backend}, {workers} process{'es' * (workers > 1)}"
            if what == "paced":
                return _paced(name, proc.base, tokens, people.region, False, meter)
            if what == "round":
                return _no_change_round(proc.base, data_dir, url, tokens, people.demo, False)
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
         "[--processes N] [--cpu-quota CORES (closed: cores per server process) [--unpinned]] "
         "[--pin-cpus (the server's own: serve --pin-cpus)]")

if __name__ == "__main__":
    import argparse

    from bench.__main__ import print_table

    parser = argparse.ArgumentParser(prog="python -m bench.load", usage=USAGE)
    parser.add_argument("what", choices=("paced", "closed", "types", "round"))
    parser.add_argument("backend", choices=("sqlite", "postgres"))
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--cpu-quota", type=float, default=None)
    parser.add_argument("--unpinned", action="store_true")
    parser.add_argument("--pin-cpus", action="store_true")
    args = parser.parse_args()
    if args.cpu_quota is not None and (args.what != "closed" or args.cpu_quota <= 0):
        parser.error("--cpu-quota: a positive number of cores, with closed")
    print_table(alone(args.backend, args.what, args.processes, args.cpu_quota,
                      not args.unpinned, ("--pin-cpus",) if args.pin_cpus else ()))
