"""An audit lane's lock lost (server.storage.sql.Store.held_lane): when PostgreSQL restarts, or
the connection that holds a server process's lane is ended, the lane is free for another
process; the process that lost it claims a lane again before its next append (its own if still
free, else a free one) and never appends beside the new holder. Real servers on loopback, a
real restart: during the outage a request is answered 503 with Retry-After, never 500; after
it every request is answered, each process appends to a lane of its own, the trail verifies.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

from server.identity.audit import Access, audit_event
from server.processes import Postgres, ServerProcess
from server.seed import generate, load
from server.storage import chain, open_store
from server.storage.postgres import LANE_LOCKS
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server_forks import ForkedServer
from tests.integration.test_server_audit_chain import SEED, _readable_charts, _verify
from tests.integration.test_server_audit_lanes import _lanes

pytestmark = pytest.mark.postgres
PATIENTS = 20


def _seeded(url: str, data_dir: Path) -> None:
    store = open_store(data_dir, url)
    load.load_staff(store)
    load.load_patients(store, PATIENTS, SEED)
    store.close()


class Reads:
    """Audited reads of readable charts, on one server or another; the lane each grew."""

    def __init__(self, data_dir: Path, url: str, base: str):
        self.data_dir, self.url = data_dir, url
        self.picks = _readable_charts(list(generate.patients(PATIENTS, SEED)))
        self.headers = {who: bearer(sign_in(base, who)) for who in {u for _, u in self.picks}}
        self.codes: list[int] = []

    def get(self, server: ServerProcess, n: int = 0) -> int:
        pid, who = self.picks[n % len(self.picks)]
        code = httpx.get(f"{server.base}/fhir/Patient/{pid}", headers=self.headers[who],
                         timeout=60).status_code
        self.codes.append(code)
        return code

    def lane_of(self, server: ServerProcess) -> int:
        """The lane three reads on this server went to (one lane, or the test fails)."""
        before = _lanes(self.data_dir, self.url)
        assert [self.get(server, n) for n in range(3)] == [200] * 3
        after = _lanes(self.data_dir, self.url)
        grown = {lane: after[lane] - before.get(lane, 0) for lane in after
                 if after[lane] != before.get(lane, 0)}
        assert list(grown.values()) == [3], grown
        return next(iter(grown))


def test_after_a_restart_of_postgresql_each_server_appends_to_a_lane_of_its_own(
        tmp_path: Path) -> None:
    """Two servers (lanes 1 and 2); PostgreSQL stopped: a read is refused 503 with
    Retry-After; started again, a third server starts and takes a free lane before the first
    two append again: all three then append to distinct lanes."""
    cluster = Postgres().start()  # its own: a restart would cut the session's other tests
    servers: list[ServerProcess] = []
    try:
        url = cluster.new_database("lane_loss")
        _seeded(url, tmp_path)
        servers = [ForkedServer(tmp_path, url).start() for _ in range(2)]
        reads = Reads(tmp_path, url, servers[0].base)
        assert [reads.lane_of(s) for s in servers] == [1, 2]
        cluster.down()
        pid, who = reads.picks[0]
        refused = httpx.get(f"{servers[0].base}/fhir/Patient/{pid}", headers=reads.headers[who],
                            timeout=60)
        assert refused.status_code == 503 and refused.headers.get("Retry-After") == "1"
        cluster.up()
        servers.append(ForkedServer(tmp_path, url).start())
        third = reads.lane_of(servers[2])  # a lane free since the restart: 1
        lanes = [reads.lane_of(s) for s in servers[:2]]
        assert sorted([third, *lanes]) == [1, 2, 3], (third, lanes)
        assert [reads.lane_of(s) for s in servers] == [*lanes, third]  # and they stay
        assert set(reads.codes) == {200}, reads.codes
    finally:
        for server in servers:
            server.stop()
    try:
        code, said = _verify(tmp_path, url)
        assert code == 0 and "intact" in said, said
    finally:
        cluster.stop()


def _holder(url: str, lane: int) -> int:
    """The server process of the session holding the lane's lock."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                           "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2",
                           (LANE_LOCKS, lane)).fetchone()
    assert row is not None
    return int(row[0])


def test_a_server_whose_lane_connection_is_ended_takes_another_lane(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The session holding the first server's lane is ended (pg_terminate_backend) and a
    second server starts: the two then append on two lanes, never side by side on one."""
    url = request.getfixturevalue("postgres").new_database(f"lane_ended_{os.getpid()}")
    _seeded(url, tmp_path)
    first, second = ForkedServer(tmp_path, url).start(), ForkedServer(tmp_path, url)
    try:
        reads = Reads(tmp_path, url, first.base)
        assert reads.lane_of(first) == 1
        with psycopg.connect(url, autocommit=True) as conn:
            holder = _holder(url, 1)
            conn.execute("SELECT pg_terminate_backend(%s)", (holder,))
            for _ in range(500):  # it ends a moment later, and frees its lock then
                if not conn.execute("SELECT 1 FROM pg_locks WHERE pid = %s", (holder,)).fetchone():
                    break
                time.sleep(0.01)
        second.start()
        # which of the two takes lane 1 is a race (the first claims again at its next
        # append, which may come from work still queued): never both on one lane
        lanes = reads.lane_of(second), reads.lane_of(first), reads.lane_of(second)
        assert lanes[0] == lanes[2] != lanes[1] and set(lanes) == {1, 2}, lanes
        assert set(reads.codes) == {200}, reads.codes
    finally:
        first.stop()
        second.stop()
    code, said = _verify(tmp_path, url)
    assert code == 0 and "intact" in said, said


def test_a_transaction_never_appends_to_a_lane_whose_lock_is_lost_unnoticed(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The lane's lock gone while its connection looks well (released in that session: what a
    session ended without this process hearing of it yet amounts to) and taken by another
    store: a transaction's append asks the database, in the statement that locks the head,
    and goes to another lane."""
    url = request.getfixturevalue("postgres").new_database(f"lane_unnoticed_{os.getpid()}")
    event = audit_event(Access("u", "U", "p1", "read", {"labs"}), datetime.now(UTC))
    one, other = open_store(tmp_path, url), open_store(tmp_path, url)
    try:
        lane, holder = one.held_lane()
        assert lane == 1
        holder.execute("SELECT pg_advisory_unlock_all()")
        assert other.lane == 1
        with one.write(clinical=False) as tx:
            chain.append(tx, [event])
            assert tx.audit_lane == 2
        assert one.lane == 2
    finally:
        one.close()
        other.close()
