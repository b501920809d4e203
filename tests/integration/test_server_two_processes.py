"""Two server processes on one database keep no per-process state that can disagree: a token
revoked through one is refused by the other at its next request (the bearer check reads the
database every time). Sign-in throttling across processes: test_identity_throttle; the nightly
RAMQ import run by one process: test_ramq_import_store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.core import fhir_systems
from server.processes import Postgres, ServerProcess, free_port
from tests.fixtures.identity import bearer, seed_staff, sign_in

USER = "1000009"


def _me(base: str, tokens: dict) -> int:
    return httpx.get(f"{base}/api/me", headers=bearer(tokens), timeout=30).status_code


@pytest.mark.parametrize("revoke_with", ["access_token", "refresh_token"])
def test_a_token_revoked_in_one_process_is_refused_by_the_other_at_once(
        two_servers: list[str], revoke_with: str) -> None:
    first, second = two_servers
    tokens, other = sign_in(first, USER), sign_in(second, USER)
    for base in two_servers:  # both know the tokens, and have each used them
        assert _me(base, tokens) == 200 and _me(base, other) == 200
    revoked = httpx.post(f"{first}/oauth/revoke", data={"token": tokens[revoke_with]},
                         timeout=30)
    assert revoked.status_code == 200
    assert _me(second, tokens) == 401  # the very next request, in the other process
    assert _me(first, tokens) == 401
    assert _me(second, other) == 200 and _me(first, other) == 200  # another grant: untouched


def test_a_revoked_token_is_refused_at_once_by_the_other_process_search(
        two_servers: list[str]) -> None:
    """A search checks the bearer inside its own read transaction (on PostgreSQL with the
    BEGIN, one round trip): a revocation committed by another process before it is seen."""
    first, second = two_servers
    tokens = sign_in(first, USER)
    search = f"{second}/fhir/Patient?identifier={fhir_systems.NAM}|TREM80010112"
    assert httpx.get(search, headers=bearer(tokens), timeout=30).status_code == 200
    assert httpx.post(f"{first}/oauth/revoke", data={"token": tokens["access_token"]},
                      timeout=30).status_code == 200
    assert httpx.get(search, headers=bearer(tokens), timeout=30).status_code == 401


def _serve_refused(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`serve --data DATA ARGS` run to its end (a refusal ends it; a start runs into the
    timeout, which fails the test)."""
    return subprocess.run([sys.executable, "-m", "server.cli", "serve", "--data", str(data),
                           "--port", str(free_port()), *args], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])


def test_serve_workers_refuses_a_sqlite_file(tmp_path: Path) -> None:
    """SQLite's change fence knows one process's writer: two processes on one file could each
    stamp a change before a fence the other served (a change a workstation never gets), and
    two starting on a fresh file raced on its creation (one exited, and the port with it)."""
    done = _serve_refused(tmp_path, "--workers", "2")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "PostgreSQL" in done.stdout
    assert not list(tmp_path.iterdir())  # no database file made


def test_a_second_server_on_a_sqlite_file_is_refused_until_the_first_ends(
        tmp_path: Path) -> None:
    first = ServerProcess(tmp_path, None, auth=False).start()
    try:
        second = _serve_refused(tmp_path)
        assert second.returncode == 2, second.stderr[-2000:]
        assert "another server already serves" in second.stdout
        assert httpx.get(f"{first.base}/health", timeout=30).status_code == 200
        assert first.proc is not None
        first.proc.kill()  # however the first ends, the file is free again
        first.proc.wait()
        first.start()
        assert httpx.get(f"{first.base}/health", timeout=30).status_code == 200
    finally:
        first.stop()


@pytest.mark.postgres
def test_serve_workers_runs_processes_that_share_everything(
        postgres: Postgres, tmp_path: Path) -> None:
    url = postgres.new_database("clinicdesk_workers")
    seed_staff(tmp_path, url)
    proc = ServerProcess(tmp_path, url, auth=True, extra_args=("--workers", "2")).start()
    try:
        assert proc.proc is not None
        children = Path(f"/proc/{proc.proc.pid}/task/{proc.proc.pid}/children").read_text()
        assert len(children.split()) >= 2  # uvicorn's worker processes
        tokens = sign_in(proc.base, USER)
        with httpx.Client(base_url=proc.base, timeout=30, headers=bearer(tokens)) as client:
            assert {client.get("/api/me").status_code for _ in range(20)} == {200}
            assert client.post("/oauth/revoke", data={"token": tokens["access_token"]}
                               ).status_code == 200
            assert {client.get("/api/me").status_code for _ in range(20)} == {401}
    finally:
        proc.stop()


def _sockets(pid: int) -> set[int]:
    """The socket inodes process `pid` holds."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def _tcp(port: int) -> dict[int, str]:
    """{inode: state} of the TCP sockets on this local port (/proc/net/tcp: 0A listening,
    01 established)."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            found[int(fields[9])] = fields[3]
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="Linux's /proc")
@pytest.mark.postgres
def test_serve_workers_each_listen_and_share_the_connections(
        postgres: Postgres, tmp_path: Path) -> None:
    """Each process has a listening socket of its own (SO_REUSEPORT: the kernel spreads the
    connections); with uvicorn's one shared socket, the first process awake took 23 of 30
    workstations' keep-alive connections."""
    proc = ServerProcess(tmp_path, postgres.new_database("clinicdesk_listen"), auth=False,
                         extra_args=("--workers", "2")).start()
    clients = [httpx.Client(base_url=proc.base, timeout=30) for _ in range(40)]
    try:
        assert proc.proc is not None
        for client in clients:  # each keeps its connection open
            assert client.get("/fhir/metadata").status_code == 200
        tcp = _tcp(proc.port)
        children = Path(f"/proc/{proc.proc.pid}/task/{proc.proc.pid}/children").read_text()
        workers = {pid: _sockets(pid) & tcp.keys() for pid in map(int, children.split())}
        serving = {pid: held for pid, held in workers.items() if held}
        assert len(serving) == 2
        listening = [{i for i in held if tcp[i] == "0A"} for held in serving.values()]
        assert all(len(own) == 1 for own in listening) and not listening[0] & listening[1]
        held = [sum(tcp[i] == "01" for i in own) for own in serving.values()]
        assert sum(held) == 40 and min(held) >= 8, held  # binomial(40, ½) < 8: p ≈ 10⁻⁵
    finally:
        for client in clients:
            client.close()
        proc.stop()
