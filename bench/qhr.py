"""QHR session figures, with a private pcscd, the virtual key and the reference server's QHR
gateway on loopback (issue 6):

- key removed → session token dropped and viewer-clear event emitted, p95 over 30 cycles
  (quick: 10); t0 is the monitor's device event (`DeviceEvent.at`), goal ≤ 50 ms. Beside it:
  the card socket closed → monitor event p95 (pcscd's own latency, not counted in the goal).
- opening the viewer for a patient with 2,000 laboratory results and 300 dispenses (three
  gateway reads, audit entries, shaping), p95 of 10 opens (quick: 5), goal ≤ 500 ms to data
  ready; beside the same three reads as bare HTTP calls (no parsing, shaping or audit), p95.

The patient is the QHR gateway's own large test patient (server.qhr.data.LARGE_NAM); the user
is the demo physician 1000001 with a virtual key issued by a test CA the server trusts.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from bench import stats

GOAL_CLEAR_MS, GOAL_OPEN_MS = 50.0, 500.0
USER = "1000001"


class _Pin:
    def request_pin(self, reason=None, tries_left=None, cancel=None) -> str:
        from app.demo.virtual_key import DEFAULT_PIN

        return DEFAULT_PIN

    def prompt_insert_key(self, cancel=None) -> None:
        return None


def start_server(work: Path, ca_path: Path):
    from server.processes import ServerProcess
    from server.seed import load
    from server.storage import open_store

    data = work / "server"
    data.mkdir()
    store = open_store(data, None)
    try:
        load.load_staff(store)
    finally:
        store.close()
    return ServerProcess(data, auth=True, extra_args=("--qhr-ca", str(ca_path))).start()


def make_session(base: str, monitor):
    import httpx

    from app.core.profiles import profile_from_json
    from app.qhr.gateway import QhrGateway
    from app.qhr.session import QhrSession
    from server.seed import staff

    tokens = httpx.post(f"{base}/oauth/token", data={
        "grant_type": "password", "username": USER,
        "password": staff.by_username(USER).password}, timeout=30).json()
    me = httpx.get(f"{base}/api/me", timeout=30,
                   headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    from app.central.client import ClientConfig, FhirClient
    from bench.sync import MemoryTokens

    client = FhirClient(ClientConfig(base, USER), token_store=MemoryTokens())
    client.sign_in(staff.by_username(USER).password)
    gateway = QhrGateway(client)
    audit: list = []
    return QhrSession(profile_from_json(me), gateway, monitor, _Pin(), audit=audit.append), tokens


class _Clears:
    def __init__(self) -> None:
        self.at: float | None = None
        self.token_dropped = False
        self.done = threading.Event()
        self.session = None

    def state_changed(self, state) -> None: ...

    def clear(self, reason) -> None:
        self.at = time.monotonic()
        self.token_dropped = self.session.key_id is None
        self.done.set()


def wait_state(session, state: str, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while session.state != state:
        if time.monotonic() > end:
            raise TimeoutError(f"QHR session did not reach {state}")
        time.sleep(0.005)


def removal_cycles(daemon, key, monitor, listener, session, clears, cycles: int):
    drop_ms, pcscd_ms, dropped = [], [], True
    for _ in range(cycles):
        key.insert()
        wait_state(session, "key_present")
        session.open()
        clears.done.clear()
        t0 = time.monotonic()
        key.remove()
        event = listener.wait_for("removed")
        if not clears.done.wait(5):
            raise TimeoutError("no viewer-clear event")
        drop_ms.append((clears.at - event.at) * 1000)
        pcscd_ms.append((event.at - t0) * 1000)
        dropped = dropped and clears.token_dropped
        daemon.wait_for_card(daemon.readers[0], present=False)
    return drop_ms, pcscd_ms, dropped


def open_viewer(session, runs: int) -> list[float]:
    from server.qhr.data import LARGE_NAM

    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        data = session.view("bench-patient", LARGE_NAM)
        times.append((time.perf_counter() - t0) * 1000)
        assert sum(len(t.points) for t in data.labs) == 2000 and data.medications
    return times


def bare_reads(base: str, session, tokens, runs: int) -> list[float]:
    import httpx

    from server.qhr.data import LARGE_NAM

    headers = {"Authorization": f"Bearer {tokens['access_token']}",
               "X-QHR-Session": session._token}
    times = []
    with httpx.Client(base_url=f"{base}/qhr", headers=headers, timeout=30) as client:
        for _ in range(runs):
            t0 = time.perf_counter()
            for kind in ("labs", "imaging", "medications"):
                client.post(f"/{kind}/_search", json={"patient": LARGE_NAM}).read()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def rows(drop_ms, pcscd_ms, dropped, open_ms, bare_ms) -> list[dict]:
    drop, opened = stats.p95(drop_ms), stats.p95(open_ms)
    return [
        stats.row("key removed → QHR token dropped + viewer clear (p95)", drop, "ms",
                  f"≤ {GOAL_CLEAR_MS:.0f} ms after the device event",
                  dropped and drop <= GOAL_CLEAR_MS,
                  "card removed → device event p95 (pcscd)", stats.p95(pcscd_ms),
                  samples=drop_ms),
        stats.row("open QHR viewer, 2,000 labs + 300 dispenses (p95)", opened, "ms",
                  f"≤ {GOAL_OPEN_MS:.0f} ms to data ready", opened <= GOAL_OPEN_MS,
                  "the 3 gateway reads, bare HTTP (p95)", stats.p95(bare_ms), samples=open_ms),
    ]


def run(quick: bool = False) -> list[dict]:
    from app.demo import vpcd_daemon

    cycles, runs = (10, 5) if quick else (30, 10)
    work = Path(tempfile.mkdtemp(prefix="clinicdesk-bench-qhr-"))
    vpcd_daemon.use_socket(work / "pcscd.comm")  # before this process's first PC/SC call
    os.environ.setdefault("CLINICDESK_DEMO", "1")  # the virtual key
    daemon = vpcd_daemon.Pcscd(work)
    daemon.start()
    server = None
    try:
        from app.demo.test_pki import ensure_key_material, make_test_ca
        from app.demo.virtual_key import VirtualKey
        from app.devices.monitor import KeyMonitor, QueueListener, ServiceState
        from server.seed import staff

        ca = make_test_ca(work / "ca")
        material = ensure_key_material(work / "key", ca, staff.by_username(USER).profile
                                       .qhr_key_id, USER)
        server = start_server(work, ca.cert_path)
        key, listener, clears = VirtualKey(material, daemon.ports[0]), QueueListener(), _Clears()
        with KeyMonitor() as monitor:
            monitor.add_listener(listener)  # first: its event time is t0
            listener.wait_for("service", state=ServiceState.RUNNING)
            session, tokens = make_session(server.base, monitor)
            clears.session = session
            session.add_listener(clears)
            session.start()
            drop_ms, pcscd_ms, dropped = removal_cycles(daemon, key, monitor, listener, session,
                                                        clears, cycles)
            key.insert()
            wait_state(session, "key_present")
            session.open()
            open_ms = open_viewer(session, runs)
            bare_ms = bare_reads(server.base, session, tokens, runs)
            session.stop()
            key.remove()
        return rows(drop_ms, pcscd_ms, dropped, open_ms, bare_ms)
    finally:
        if server is not None:
            server.stop()
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)
