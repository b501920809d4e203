"""`Connection`: moves APDUs to a card, `send_and_receive(apdu) -> (data, sw)`, as a context
manager. `PcscConnection` does it through the PC/SC thread; the PIV session accepts any object
with this shape (the virtual key's applet is one, for narrow unit tests)."""

from __future__ import annotations

import logging
import sys
import time
from typing import Protocol

from smartcard import scard

from app.devices.errors import CardRemovedError
from app.devices.pcsc import CARD_GONE, READER_GONE, PcscThread, check, hresult

log = logging.getLogger(__name__)
TRAFFIC = 5  # below DEBUG, off by default: APDU headers and lengths only, never their data
SW_NO_DIAGNOSIS = 0x6F00  # what a reader driver may answer for a card pulled mid-command
GONE_WAIT = 1.0  # s


class Connection(Protocol):
    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Connection: ...

    def __exit__(self, *exc: object) -> None: ...


def card_absent(state: int, windows: bool = sys.platform == "win32") -> bool:
    """SCardStatus's state: WinSCard numbers the states (0 unknown, 1 absent, 2 present…),
    pcsc-lite makes them bits (0x02 absent, 0x04 present…)."""
    if windows:
        return state <= 1
    return bool(state & 0x0002) or not state & 0x0004


def split_response(response: bytes | list[int]) -> tuple[bytes, int]:
    response = bytes(response)
    if len(response) < 2:
        return b"", 0x6F00
    return response[:-2], response[-2] << 8 | response[-1]


class PcscConnection:
    """A shared connection to the card in `reader`; every call runs on the PC/SC thread."""

    def __init__(self, thread: PcscThread, reader: str):
        self.thread = thread
        self.reader = reader
        self._card: int | None = None
        self._protocol = 0

    def open(self) -> PcscConnection:
        if self._card is None:
            self.thread.call(self._connect)
        return self

    def __enter__(self) -> PcscConnection:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> None:
        hr, card, protocol = scard.SCardConnect(
            self.thread.context(), self.reader, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        check(hr, "SCardConnect")
        self._card, self._protocol = card, protocol

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        if self._card is None:
            self.open()
        return self.thread.call(self._transmit, bytes(apdu))

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        log.log(TRAFFIC, "> %s (%d bytes)", apdu[:4].hex(" "), len(apdu))
        hr, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        data, sw = split_response(response if hresult(hr) == scard.SCARD_S_SUCCESS else [])
        if (hresult(hr) != scard.SCARD_S_SUCCESS or sw == SW_NO_DIAGNOSIS) and self._card_gone():
            # pcsc-lite says SCARD_E_NOT_TRANSACTED (80100016) or SCARD_W_REMOVED_CARD, a reader
            # may answer 6F00: what happened is that the key was pulled out
            raise CardRemovedError(f"SCardTransmit: {hresult(hr):08X}, SW {sw:04X}, card gone")
        check(hr, "SCardTransmit")
        log.log(TRAFFIC, "< %04X (%d bytes)", sw, len(data))
        return data, sw

    def _card_gone(self) -> bool:
        """Whether the card left: the service may need a poll period (pcsc-lite: 0.4 s) to
        notice, so this looks again for up to GONE_WAIT s (only after a failed command)."""
        deadline = time.monotonic() + GONE_WAIT
        while True:
            hr, _reader, state, _protocol, _atr = scard.SCardStatus(self._card)
            hr = hresult(hr)
            if hr in CARD_GONE or hr in READER_GONE:
                return True
            if hr == scard.SCARD_S_SUCCESS and card_absent(state):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


    def close(self) -> None:
        card, self._card = self._card, None
        if card is not None:
            try:
                self.thread.call(scard.SCardDisconnect, card, scard.SCARD_LEAVE_CARD)
            except Exception as err:  # the card or the service may already be gone
                log.debug("SCardDisconnect: %s", err)
