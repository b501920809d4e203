"""The virtual QHR key: a card emulator for the demo and the tests, never for production.

It is the card side of vsmartcard's vpcd reader driver: a TCP client of the port the driver
listens on (`DEVICENAME /dev/null:0x<port>` in pcscd's reader.conf). Each message is a 2-byte
big-endian length then the payload; a 1-byte payload is a control code (0 power off, 1 power
on, 2 reset, 4 "send your ATR"); anything else is a command APDU, answered with data + SW.
Insert = connect, remove = close the socket. On Windows only this transport differs (vpcd
exists there too); the app reads it through WinSCard like any card.

Default PIN: 123456 (3 tries). Starting it needs CLINICDESK_DEMO=1 or CLINICDESK_TEST=1.

    python -m app.demo.virtual_key --port P --state DIR [--pin 123456]
inserts a key whose CA and key pair live in DIR (see app.demo.test_pki) until SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import struct
import threading
from pathlib import Path
from typing import Protocol

from app.demo.piv_applet import DEFAULT_PIN, PivApplet
from app.demo.test_pki import KeyMaterial, ensure_key_material, make_test_ca
from app.devices.errors import VirtualKeyForbiddenError

log = logging.getLogger(__name__)

ATR = bytes.fromhex("3B8A8001436C696E69634465736B10")  # historical bytes "ClinicDesk"
# Cards that are not QHR keys, for the tests: an EMV bank card (pcsc-tools lists this ATR as
# Mastercard and debit cards) and an IDPrime MD token without the PIV application (its vendor
# middleware reads it).
BANK_CARD_ATR = bytes.fromhex("3B6800000073C84013009000")
IDPRIME_MD_ATR = bytes.fromhex("3B7F96000080318065B0850300EF120FFE829000")
DEFAULT_PORT = 0x8C7B  # vpcd's default
DEFAULT_KEY_ID = "QHR-TEST-0001"
DEFAULT_USER = "Test Professional"
ALLOW_ENV = ("CLINICDESK_DEMO", "CLINICDESK_TEST")


def allowed() -> bool:
    return any(os.environ.get(name) == "1" for name in ALLOW_ENV)


def require_allowed() -> None:
    if not allowed():
        raise VirtualKeyForbiddenError(
            "virtual key refused: set CLINICDESK_DEMO=1 (demo) or CLINICDESK_TEST=1 (tests)")


def load_material(state_dir: Path | str, key_id: str = DEFAULT_KEY_ID,
                  user: str = DEFAULT_USER) -> KeyMaterial:
    """CA in STATE/ca, key pair in STATE/key (made on first use)."""
    state_dir = Path(state_dir)
    return ensure_key_material(state_dir / "key", make_test_ca(state_dir / "ca"), key_id, user)


class Applet(Protocol):
    def process(self, apdu: bytes) -> bytes: ...

    def reset(self) -> None: ...


class OtherCard:
    """A card without the PIV application: every SELECT 6A82, anything else 6D00."""

    def __init__(self) -> None:
        self.commands: list[int] = []

    def process(self, apdu: bytes) -> bytes:
        self.commands.append(apdu[1] if len(apdu) > 1 else -1)
        return bytes.fromhex("6A82" if len(apdu) > 1 and apdu[1] == 0xA4 else "6D00")

    def reset(self) -> None:
        pass


class PaymentCard(OtherCard):
    """A bank card (EMV): the payment directory's SELECT (PSE, PPSE) answered with its FCI as
    payment cards do, the PIV SELECT 6A82, anything else 6D00."""

    def process(self, apdu: bytes) -> bytes:
        from app.devices.emv import DIRECTORIES

        name = apdu[5:5 + apdu[4]] if len(apdu) > 5 and apdu[1] == 0xA4 else b""
        if name in DIRECTORIES:
            self.commands.append(apdu[1])
            fci = bytes([0x84, len(name)]) + name + bytes.fromhex("A503880101")  # SFI 1
            return bytes([0x6F, len(fci)]) + fci + b"\x90\x00"
        return super().process(apdu)


class AppletConnection:
    """A `Connection` straight to an applet, without PC/SC: for narrow unit tests."""

    def __init__(self, applet: Applet):
        self.applet = applet

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        response = self.applet.process(bytes(apdu))
        return response[:-2], int.from_bytes(response[-2:], "big")

    def close(self) -> None:
        self.applet.reset()

    def __enter__(self) -> AppletConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux


def _read_exact(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        if QUICKACK is not None:
            # vpcd writes the length and the APDU separately (Nagle): a delayed ACK from us
            # would hold every APDU for ~40 ms. Quick-ACK mode is not sticky: set it each time.
            sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class VirtualKey:
    """`applet` replaces the PIV applet (e.g. `PaymentCard()` with `atr=BANK_CARD_ATR`);
    `pull_out_on` (an INS) pulls the key out when that command arrives, unanswered: a key
    removed in the middle of a read."""

    def __init__(self, material: KeyMaterial, port: int = DEFAULT_PORT,
                 host: str = "127.0.0.1", pin: str = DEFAULT_PIN, *, atr: bytes = ATR,
                 applet: Applet | None = None):
        require_allowed()
        self.applet: Applet = applet or PivApplet(material, pin)
        self.atr = atr
        self.host, self.port = host, port
        self.pull_out_on: int | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def insert(self, timeout: float = 5.0) -> None:
        if self._sock is not None:
            return
        self.applet.reset()
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True,
                                        name=f"virtual-key-{self.port}")
        self._thread.start()

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        if self._thread:
            self._thread.join(5)

    def _serve(self, sock: socket.socket) -> None:
        try:
            while (header := _read_exact(sock, 2)) is not None:
                payload = _read_exact(sock, struct.unpack(">H", header)[0])
                if payload is None:
                    break
                if len(payload) > 1 and payload[1] == self.pull_out_on:
                    self._sock = None
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                    break
                answer = self._handle(payload)
                if answer is not None:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
        except OSError:
            pass  # removed while serving

    def _handle(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            code = payload[0]
            if code in (0, 2):
                self.applet.reset()
            return self.atr if code == 4 else None
        return self.applet.process(payload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.demo.virtual_key")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", required=True, help="folder of the test CA and key pair")
    parser.add_argument("--pin", default=DEFAULT_PIN)
    parser.add_argument("--key-id", default=DEFAULT_KEY_ID)
    args = parser.parse_args(argv)
    try:
        require_allowed()
    except VirtualKeyForbiddenError as err:
        print(err)
        return 3
    key = VirtualKey(load_material(args.state, args.key_id), args.port, args.host, args.pin)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    key.insert()
    print("inserted", flush=True)
    done.wait()
    key.remove()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
