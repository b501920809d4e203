"""The QHR key through a real pcscd with the vpcd driver and the virtual key (no mocks)."""

from __future__ import annotations

import queue
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from app.devices.errors import PinBlockedError, PinError
from app.devices.monitor import KeyMonitor, MonitorListener, QueueListener, ServiceState
from app.devices.piv import PivSession, key_identifier

pytestmark = pytest.mark.pcscd
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def monitor(pcscd):
    listener = QueueListener()
    mon = KeyMonitor(backoff=(0.05, 0.4))
    mon.add_listener(listener)
    mon.listener = listener
    with mon:
        listener.wait_for("service", state=ServiceState.RUNNING)
        yield mon


class Broken(MonitorListener):
    def key_inserted(self, device):
        raise RuntimeError("a listener's bug")


def test_insert_and_remove_give_events(monitor, virtual_key, pcscd):
    monitor.add_listener(Broken())  # logged, and the other listeners still hear
    virtual_key.insert()
    event = monitor.listener.wait_for("inserted")
    assert event.device.reader == pcscd.readers[0]
    assert event.device.token is not None and event.device.token.virtual
    assert monitor.devices == [event.device]
    virtual_key.remove()
    removed = monitor.listener.wait_for("removed")
    assert removed.device == event.device
    assert monitor.devices == []
    started = time.monotonic()
    monitor.stop()  # SCardCancel ends the wait at once
    assert time.monotonic() - started < 0.5


def test_piv_certificate_pin_and_signature(monitor, virtual_key):
    virtual_key.insert()
    device = monitor.listener.wait_for("inserted").device
    with monitor.connect(device) as connection:
        piv = PivSession(connection)
        cert = piv.authentication_certificate()
        assert key_identifier(cert) == virtual_key.key_id
        assert cert.issuer == virtual_key.material.ca.cert.subject
        assert piv.pin_tries_left() == 3
        with pytest.raises(PinError) as wrong:
            piv.verify_pin("000000")
        assert wrong.value.tries_left == 2 and wrong.value.sw == 0x63C2
        assert "2 attempt(s) left" in str(wrong.value.text)
        piv.verify_pin(virtual_key.pin)
        assert piv.pin_tries_left() is None  # verified
        challenge = b"server challenge 0123456789"
        signature = piv.sign(challenge, cert)
        cert.public_key().verify(signature, challenge, ec.ECDSA(hashes.SHA256()))


def test_pin_blocks_after_three_wrong(monitor, virtual_key):
    virtual_key.insert()
    device = monitor.listener.wait_for("inserted").device
    with monitor.connect(device) as connection:
        piv = PivSession(connection)
        for left in (2, 1):
            with pytest.raises(PinError) as wrong:
                piv.verify_pin("999999")
            assert wrong.value.tries_left == left
        with pytest.raises(PinBlockedError) as blocked:
            piv.verify_pin("999999")
        assert blocked.value.sw == 0x6983 and blocked.value.sw_name == "AUTH_METHOD_BLOCKED"
        with pytest.raises(PinBlockedError):
            piv.verify_pin(virtual_key.pin)  # even the right PIN


def test_two_readers_one_key(monitor, virtual_key, pcscd, virtual_key_material):
    from tests.fixtures.pcsc import KeyHandle

    assert sorted(monitor.readers) == sorted(pcscd.readers)
    second = KeyHandle(virtual_key_material, pcscd.ports[1], pcscd)
    try:
        second.insert()
        event = monitor.listener.wait_for("inserted")
        assert event.device.reader == pcscd.readers[1]
        assert [d.reader for d in monitor.devices] == [pcscd.readers[1]]
        with monitor.connect(event.device) as connection:
            assert key_identifier(PivSession(connection).authentication_certificate()) \
                == virtual_key.key_id
    finally:
        second.remove(wait=True)
    monitor.listener.wait_for("removed")


def test_monitor_survives_pcscd_restart(monitor, virtual_key, pcscd):
    virtual_key.insert()
    monitor.listener.wait_for("inserted")
    pcscd.stop()
    try:
        assert monitor.listener.wait_for("removed").device.reader == pcscd.readers[0]
        monitor.listener.wait_for("service", state=ServiceState.NO_SERVICE)
        virtual_key.remove()
    finally:
        pcscd.start()
    monitor.listener.wait_for("service", timeout=10, state=ServiceState.RUNNING)
    virtual_key.insert()
    assert monitor.listener.wait_for("inserted").device.reader == pcscd.readers[0]
    with pytest.raises(queue.Empty):
        monitor.listener.wait_for("service", timeout=0.3)


def test_virtual_key_as_a_process(monitor, pcscd, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "app.demo.virtual_key", "--port", str(pcscd.ports[1]),
         "--state", str(tmp_path), "--key-id", "QHR-PROC-0002"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "inserted"
        event = monitor.listener.wait_for("inserted")
        assert event.device.reader == pcscd.readers[1]
        with monitor.connect(event.device) as connection:
            cert = PivSession(connection).authentication_certificate()
        assert key_identifier(cert) == "QHR-PROC-0002"
    finally:
        process.terminate()
        assert process.wait(10) == 0
        process.stdout.close()
    assert monitor.listener.wait_for("removed").device == event.device
    pcscd.wait_for_card(pcscd.readers[1], present=False)
