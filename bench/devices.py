"""Key detection latency and `clinicdesk key diagnose` wall time, with a private pcscd.

Figures (the peer is measured in the same run), all with the median and p95 of their samples:
- virtual key inserted / removed → KeyMonitor event, p95 over 30 cycles (quick: 10), beside a
  bare `SCardGetStatusChange` loop on its own context and thread (the raw pcscd latency);
  goal ≤ raw p95 + 50 ms. t0 is the moment the card connects to (or leaves) the vpcd socket.
- the PIV sign-in APDUs (select, certificate, PIN, sign) through the monitor's thread, p95 of
  30 (quick: 10), beside the same APDUs on an idle PC/SC thread; goal ≤ idle p95 + 10 ms.
- certificate + PIN + signature through OpenSC's PKCS#11 module over the virtual key, p95 of
  30 (quick: 10), beside raw PIV on the same card; goal ≤ 1 s.
- `python -m app key diagnose` wall time with a key inserted, and with two readers (a bank
  card, tried with PIV SELECT then the payment SELECT, beside the key), p95 of 10 runs (quick:
  5), goal ≤ 1 s, beside a bare `python -c pass` (p95); and their CPU time (user + system),
  which a machine loaded by other work does not inflate as it does the wall time.

A private pcscd (app.demo.vpcd_daemon) with the virtual QHR key (app.demo.virtual_key,
demo material made in a throw-away folder); nothing touches the machine's own PC/SC service.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import stats

ROOT = Path(__file__).resolve().parents[1]
SLACK_MS = 50.0


class RawWatcher:
    """A bare SCardGetStatusChange loop: (present, time) on `events` at each change."""

    def __init__(self, reader: str):
        from smartcard import scard

        self.scard, self.reader = scard, reader
        self.events: queue.Queue[tuple[bool, float]] = queue.Queue()
        _, self.context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        s, state = self.scard, self.scard.SCARD_STATE_UNAWARE
        present = None
        while not self.stopping:
            hr, states = s.SCardGetStatusChange(self.context, 1000, [(self.reader, state)])
            if hr != s.SCARD_S_SUCCESS:
                continue
            state = states[0][1] & ~s.SCARD_STATE_CHANGED
            now_present = bool(state & s.SCARD_STATE_PRESENT)
            if now_present != present:
                present = now_present
                self.events.put((present, time.monotonic()))

    def wait(self, present: bool, timeout: float = 5.0) -> float:
        while True:
            seen, at = self.events.get(timeout=timeout)
            if seen == present:
                return at

    def stop(self) -> None:
        self.stopping = True
        self.scard.SCardCancel(self.context)
        self.thread.join(5)
        self.scard.SCardReleaseContext(self.context)


def measure_cycles(daemon, material, cycles: int) -> dict[str, list[float]]:
    from app.demo.virtual_key import VirtualKey
    from app.devices.monitor import KeyMonitor, QueueListener, ServiceState

    results: dict[str, list[float]] = {k: [] for k in ("app_in", "raw_in", "app_out", "raw_out")}
    listener, key = QueueListener(), VirtualKey(material, daemon.ports[0])
    raw = RawWatcher(daemon.readers[0])
    raw.wait(False)
    with KeyMonitor() as monitor:
        monitor.add_listener(listener)
        listener.wait_for("service", state=ServiceState.RUNNING)
        for _ in range(cycles):
            t0 = time.monotonic()
            key.insert()
            results["app_in"].append(listener.wait_for("inserted").at - t0)
            results["raw_in"].append(raw.wait(True) - t0)
            t0 = time.monotonic()
            key.remove()
            results["app_out"].append(listener.wait_for("removed").at - t0)
            results["raw_out"].append(raw.wait(False) - t0)
    raw.stop()
    return {k: [v * 1000 for v in values] for k, values in results.items()}


def piv_flow(connection, pin: str) -> float:
    from app.devices.piv import PivSession

    t0 = time.monotonic()
    piv = PivSession(connection)
    cert = piv.authentication_certificate()
    piv.verify_pin(pin)
    piv.sign(b"server challenge", cert)
    return (time.monotonic() - t0) * 1000


def flow_rows(daemon, material, flows: int) -> list[dict]:
    """The QHR sign-in APDUs through the monitor's thread (woken by SCardCancel for each APDU)
    beside the same APDUs on a thread with nothing else to do."""
    from app.demo.virtual_key import DEFAULT_PIN, VirtualKey
    from app.devices.connection import PcscConnection
    from app.devices.monitor import KeyMonitor, QueueListener
    from app.devices.pcsc import PcscThread

    key, listener = VirtualKey(material, daemon.ports[0]), QueueListener()
    with KeyMonitor() as monitor, PcscThread() as bare:
        monitor.add_listener(listener)
        key.insert()
        device = listener.wait_for("inserted").device
        with monitor.connect(device) as conn:
            via_monitor = [piv_flow(conn, DEFAULT_PIN) for _ in range(flows)]
        with PcscConnection(bare, device.reader) as conn:
            direct = [piv_flow(conn, DEFAULT_PIN) for _ in range(flows)]
        key.remove()
        listener.wait_for("removed")
    value, limit = stats.p95(via_monitor), stats.p95(direct)
    return [stats.row("PIV select+certificate+PIN+sign via monitor thread (p95)", value, "ms",
                      "≤ direct + 10 ms", value <= limit + 10,
                      "same APDUs on an idle PC/SC thread (p95)", limit, samples=via_monitor)]


OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"


def pkcs11_flow(module: str, reader: str, pin: str) -> float:
    """The same sign-in steps through the PKCS#11 module: ms."""
    from app.devices.pkcs11_key import Pkcs11Session

    t0 = time.monotonic()
    with Pkcs11Session(module, reader=reader) as key:
        cert = key.authentication_certificate()
        key.verify_pin(pin)
        key.sign(b"server challenge", cert)
    return (time.monotonic() - t0) * 1000


def pkcs11_rows(daemon, material, flows: int) -> list[dict]:
    """Certificate + PIN + signature through OpenSC's PKCS#11 module beside raw PIV, on the same
    virtual card (the module loaded once before timing)."""
    from app.demo.virtual_key import DEFAULT_PIN, VirtualKey
    from app.devices.connection import PcscConnection
    from app.devices.pcsc import PcscThread
    from app.devices.pkcs11_key import library

    if not Path(OPENSC).exists():
        return []
    key = VirtualKey(material, daemon.ports[0])
    key.insert()
    daemon.wait_for_card(daemon.readers[0], present=True)
    try:
        library(OPENSC)
        module = [pkcs11_flow(OPENSC, daemon.readers[0], DEFAULT_PIN) for _ in range(flows)]
        with PcscThread() as bare, PcscConnection(bare, daemon.readers[0]) as conn:
            raw = [piv_flow(conn, DEFAULT_PIN) for _ in range(flows)]
    finally:
        key.remove()
    value, limit = stats.p95(module), stats.p95(raw)
    return [stats.row("certificate+PIN+sign via PKCS#11 (OpenSC over the virtual key, p95)",
                      value, "ms", "≤ 1000 ms", value <= 1000, "raw PIV on the same card (p95)",
                      limit, samples=module)]


def wall_times(args: list[str], runs: int, env: dict, cpu: list[float] | None = None
               ) -> list[float]:
    """Seconds of each of `runs` runs of this Python with args; `cpu` gets each run's CPU
    seconds (user + system), the figure a loaded machine does not inflate."""
    import resource

    def once() -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                       timeout=30)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if cpu is not None:
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return [ms / 1000 for ms in stats.repeat_ms(once, runs)]


def latency_rows(ms: dict[str, list[float]]) -> list[dict]:
    rows = []
    for what, app, raw in (("inserted", "app_in", "raw_in"), ("removed", "app_out", "raw_out")):
        value, limit = stats.p95(ms[app]), stats.p95(ms[raw])
        rows.append(stats.row(f"key {what} → app event (p95)", value, "ms",
                              f"≤ raw + {SLACK_MS:.0f} ms", value <= limit + SLACK_MS,
                              "raw SCardGetStatusChange p95", limit, samples=ms[app]))
    return rows


def run(quick: bool = False) -> list[dict]:
    from app.demo import vpcd_daemon

    cycles, runs = (10, 5) if quick else (30, 10)
    workdir = Path(tempfile.mkdtemp(prefix="clinicdesk-bench-devices-"))
    vpcd_daemon.use_socket(workdir / "pcscd.comm")  # before this process's first PC/SC call
    os.environ.setdefault("CLINICDESK_DEMO", "1")  # the virtual key
    daemon = vpcd_daemon.Pcscd(workdir)
    daemon.start()
    try:
        from app.demo.virtual_key import VirtualKey, load_material

        material = load_material(workdir / "key")
        rows = latency_rows(measure_cycles(daemon, material, cycles))
        rows += flow_rows(daemon, material, cycles)
        rows += pkcs11_rows(daemon, material, cycles)
        key = VirtualKey(material, daemon.ports[0])
        key.insert()
        daemon.wait_for_card(daemon.readers[0], present=True)
        env = dict(os.environ)
        cpu: dict[str, list[float]] = {"one": [], "two": [], "bare": []}
        diagnose = wall_times(["-m", "app", "key", "diagnose"], runs, env, cpu["one"])
        bare = wall_times(["-c", "pass"], runs, env, cpu["bare"])
        # two readers: a bank card (tried: PIV SELECT, then the payment SELECT) beside the key
        from app.demo.virtual_key import BANK_CARD_ATR, PaymentCard

        bank = VirtualKey(material, daemon.ports[1], atr=BANK_CARD_ATR, applet=PaymentCard())
        bank.insert()
        daemon.wait_for_card(daemon.readers[1], present=True)
        several = wall_times(["-m", "app", "key", "diagnose"], runs, env, cpu["two"])
        bank.remove()
        key.remove()
        value = stats.p95(diagnose)
        rows.append(stats.row("clinicdesk key diagnose wall time (p95)", value, "s", "≤ 1 s",
                              value <= 1.0, "python -c pass (p95)", stats.p95(bare),
                              samples=diagnose))
        value = stats.p95(several)
        rows.append(stats.row("key diagnose, 2 readers: bank card + key (p95)", value, "s",
                              "≤ 1 s", value <= 1.0, "python -c pass (p95)", stats.p95(bare),
                              samples=several))
        for what, key in (("key", "one"), ("2 readers: bank card + key", "two")):
            value = stats.p95(cpu[key])
            rows.append(stats.row(f"key diagnose CPU user+sys, {what} (p95)", value, "s",
                                  "≤ 1 s", value <= 1.0, "python -c pass (p95)",
                                  stats.p95(cpu["bare"]), samples=cpu[key]))
        return rows
    finally:
        daemon.stop()
        shutil.rmtree(workdir, ignore_errors=True)
