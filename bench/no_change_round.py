"""The no-change round of bench.load (issue 19): a demo physician's sync round (`_history`
since an instant) on a quiet server, then after OTHER_CHANGES changes of charts outside their
care team: the request's time over loopback HTTP (median of ROUNDS; goal ≤ 10 ms), the
round's own SQL in process beside it, and the requests a round takes (the same as quiet);
then once more with every table analysed after the changes (the planner's statistics knowing
them, as after autovacuum: the round's plan must not follow them).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.data import Size
from bench.region import Charts
from bench.stats import row
from server.seed import staff
from server.storage import open_store

OTHER_CHANGES = Size(5_000, 100)
ROUNDS = Size(20, 5)
REPORTED = "reported"


def team_of(username: str) -> set[str]:
    return {f"Practitioner/user-{u}" for u in
            (username, *(m.grantor for m in staff.by_username(username).profile.mandates))}


def round_doctor(demo: Charts) -> str:
    """The demo physician whose care team leaves the most charts to others (the figure's
    "other"): the specialist, ~15 % of the demo clinic's charts."""
    return min(demo, key=lambda u: len(team_of(u)) * len(demo) + len(demo[u]))


def rows(base: str, data_dir: Path, url: str | None, tokens: dict[str, str],
         mine: Charts, quick: bool) -> list[dict]:
    """A physician's round on a quiet server, then after OTHER_CHANGES Conditions of charts
    outside their care team: the request's time (median of ROUNDS) and the requests per
    round."""
    doctor = round_doctor(mine)
    token = tokens[doctor]
    team = team_of(doctor)
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
            store.analyze()  # as autovacuum would: the planner then knows those changes
            analysed, _ = rounds()
    finally:
        store.close()
    name = (f"no-change round, {cared} charts in the physician's care, {changes} changes of "
            f"{min(changes, len(others))} other charts")
    return [
        row(f"{name} (median)", statistics.median(busy), "ms", "≤ 10 ms",
            statistics.median(busy) <= 10, "the same round on the quiet server (median)",
            statistics.median(quiet), samples=busy),
        row(f"{name}, every table analysed after them (median)", statistics.median(analysed),
            "ms", "≤ 10 ms", statistics.median(analysed) <= 10,
            "the same round on the quiet server (median)", statistics.median(quiet),
            samples=analysed),
        row(f"{name}: the round's SQL, in process (median)", statistics.median(busy_sql), "ms",
            REPORTED, True, "the same on the quiet server (median)",
            statistics.median(quiet_sql), samples=busy_sql),
        row(f"{name}: requests per round", busy_requests, "requests",
            "the same as quiet", busy_requests == quiet_requests, "quiet", quiet_requests),
    ]
