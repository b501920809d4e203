"""The audit trail's lanes (server.storage.chain) over real servers on loopback: two server
processes on one PostgreSQL append a lane each and `audit verify` passes; each kind of
tampering of test_server_audit_chain is named in either lane, and a lane removed is told by
the checkpoint; a server process killed leaves its lane free, continued by the next to start.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from server.processes import ServerProcess
from server.seed import generate, load
from server.storage import open_store
from server.storage.checkpoint import CHECKPOINT_FILE, read_checkpoint
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server_forks import ForkedServer
from tests.integration.test_server_audit_chain import (
    PATIENTS,
    SEED,
    TAMPERING,
    Audited,
    _copy,
    _pushed,
    _readable_charts,
    _tampered_is_named,
    _verify,
)


def _seeded(request: pytest.FixtureRequest, data_dir: Path, name: str, patients: int) -> str:
    url = request.getfixturevalue("postgres").new_database(name)
    store = open_store(data_dir, url)
    load.load_staff(store)
    load.load_patients(store, patients, SEED)
    store.close()
    return url


def _read_on(servers: list[ServerProcess], picks: list[tuple[str, str]], headers: dict) -> None:
    """Each chart read once, on the servers in turn, 8 at once."""
    reads = [(servers[n % len(servers)].base, pid, who) for n, (pid, who) in enumerate(picks)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda r: httpx.get(
            f"{r[0]}/fhir/Patient/{r[1]}", headers=headers[r[2]], timeout=60).status_code, reads))
    assert codes == [200] * len(reads)


def _lanes(data_dir: Path, url: str) -> dict[int, int]:
    """lane → its number of records."""
    store = open_store(data_dir, url)
    try:
        return {lane: int(count) for lane, count in store.query(
            "SELECT lane, count(*) FROM audit_event GROUP BY lane")}
    finally:
        store.close()


@pytest.fixture(scope="module")
def two_lanes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Audited:
    """Two server processes on one PostgreSQL and one data directory, read at once, then an
    AuditEvent pushed to each: a lane each, both in the checkpoint."""
    data_dir = tmp_path_factory.mktemp("audit-lanes")
    url = _seeded(request, data_dir, f"audit_lanes_{os.getpid()}", PATIENTS)
    charts = list(generate.patients(PATIENTS, SEED))
    picks = _readable_charts(charts)
    servers = [ForkedServer(data_dir, url).start() for _ in range(2)]
    try:
        headers = {who: bearer(sign_in(servers[0].base, who)) for who in {u for _, u in picks}}
        _read_on(servers, picks, headers)
        for server, (pid, who) in zip(servers, picks, strict=False):
            pushed = httpx.post(f"{server.base}/fhir/AuditEvent", json=_pushed(pid, who),
                                timeout=30, headers={**headers[who],
                                                     "Content-Type": "application/fhir+json"})
            assert pushed.status_code == 201, pushed.text
    finally:
        for server in servers:
            server.stop()
    lanes = _lanes(data_dir, url)
    assert lanes.keys() == {1, 2} and min(lanes.values()) >= 7, lanes
    return Audited(data_dir, url, [], charts, lambda name: _copy(request, data_dir, url, name))


@pytest.mark.postgres
@pytest.mark.parametrize("lane", [1, 2])
@pytest.mark.parametrize("kind", TAMPERING)
def test_audit_verify_names_the_first_tampered_record_of_each_lane(two_lanes: Audited, kind: str,
                                                                   lane: int) -> None:
    _tampered_is_named(two_lanes, kind, lane)


@pytest.mark.postgres
def test_a_restarted_server_process_takes_a_free_lane_and_continues_it(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Of two servers, the second killed: its lane is free again, and the next server to start
    continues it (the lanes do not multiply); the trail verifies."""
    url = _seeded(request, tmp_path, f"audit_restart_{os.getpid()}", 20)
    picks = _readable_charts(list(generate.patients(20, SEED)))
    first, second = ForkedServer(tmp_path, url).start(), ForkedServer(tmp_path, url)
    try:
        headers = {who: bearer(sign_in(first.base, who)) for who in {u for _, u in picks}}
        _read_on([first], picks[:1], headers)  # a lane is claimed at a process's first append
        second.start()
        _read_on([first, second], picks, headers)
        before = _lanes(tmp_path, url)
        assert before.keys() == {1, 2}
        assert second.proc is not None
        os.kill(second.proc.pid, signal.SIGKILL)
        second.proc.wait()
        second.start()
        _read_on([second], picks, headers)
        after = _lanes(tmp_path, url)
        assert after == {1: before[1], 2: before[2] + len(picks)}, (before, after)
        _read_on([first, second], picks, headers)
    finally:
        first.stop()
        second.stop()
    code, said = _verify(tmp_path, url)
    assert code == 0 and f"intact: {sum(before.values()) + 2 * len(picks)} records" in said, said


def test_two_server_processes_append_to_a_lane_each(request: pytest.FixtureRequest,
                                                    tmp_path: Path) -> None:
    """Reads spread over two servers on one PostgreSQL at once: a lane each (an unbroken chain
    each, never waiting on the other's appends); `audit verify` passes with either server's
    data directory (its checkpoint names its lane). Not on SQLite: a file is served by one
    process (server.commands.serve)."""
    url = _seeded(request, tmp_path / "one", f"audit_two_{os.getpid()}", 20)
    picks = _readable_charts(list(generate.patients(20, SEED)))
    dirs = [tmp_path / "one", tmp_path / "two"]
    servers = [ForkedServer(d, url) for d in dirs]
    try:
        for server in servers:
            server.start()
        headers = {who: bearer(sign_in(servers[0].base, who)) for who in {u for _, u in picks}}
        _read_on(servers, picks * 2, headers)
    finally:
        for server in servers:
            server.stop()
    reads = 2 * len(picks)
    lanes = _lanes(dirs[0], url)
    assert sum(lanes.values()) == reads
    assert lanes.keys() == {1, 2} and min(lanes.values()) > 0, lanes
    assert sorted(tuple(read_checkpoint(d / CHECKPOINT_FILE) or ())
                  for d in dirs) == [(1,), (2,)]  # each server's checkpoint names its lane
    for data_dir in dirs:
        code, said = _verify(data_dir, url)
        assert code == 0 and f"intact: {reads} records" in said, said
