"""`KeyMonitor`: PC/SC status changes → `key_inserted(device)` / `key_removed(device)`.

Event-driven: the PC/SC thread sits in `SCardGetStatusChange` on every reader plus the
`\\\\?PnP?\\Notification` pseudo-reader (readers added or removed). The changes are three
app.core.events Events (`inserted`, `removed`, `service`), emitted on the PC/SC thread: their
listeners must return quickly (the UI relays them to its GUI thread). `add_listener` connects a
`MonitorListener`'s three methods at once. A missing or stopped smart-card service is a state
(`ServiceState.NO_SERVICE`), and the monitor re-establishes its context with back-off until the
service is back.
"""

from __future__ import annotations

import logging
import queue
import sys
import time
from dataclasses import dataclass
from enum import StrEnum

from smartcard import scard

from app.core.events import Disconnect, Event
from app.core.text import QT_TRANSLATE_NOOP, Text, text
from app.devices.connection import PcscConnection
from app.devices.errors import CTX, DeviceError, NoServiceError
from app.devices.pcsc import PNP_READER, Device, PcscThread, check, device, hresult, list_readers

log = logging.getLogger(__name__)


class ServiceState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    NO_READERS = "no_readers"
    NO_SERVICE = "no_service"

    @property
    def text(self) -> Text:
        return text(CTX, _STATE_TEXTS[self])


_STATE_TEXTS = {
    ServiceState.STARTING: QT_TRANSLATE_NOOP(CTX, "Looking for the access key…"),
    ServiceState.RUNNING: QT_TRANSLATE_NOOP(CTX, "The smart-card service is running."),
    ServiceState.NO_READERS: QT_TRANSLATE_NOOP(
        CTX, "The smart-card service is running but sees no reader or access key."),
    ServiceState.NO_SERVICE: QT_TRANSLATE_NOOP(
        CTX, "The smart-card service is not running: the access key cannot be read."),
}


class MonitorListener:
    """Override what you need; called on the PC/SC thread."""

    def key_inserted(self, device: Device) -> None: ...

    def key_removed(self, device: Device) -> None: ...

    def service_changed(self, state: ServiceState) -> None: ...


@dataclass(frozen=True)
class DeviceEvent:
    kind: str  # "inserted", "removed", "service"
    device: Device | None = None
    state: ServiceState | None = None
    at: float = 0.0  # time.monotonic() when the monitor saw it


class QueueListener(MonitorListener):
    """Puts every event on `events` (for code that prefers to pull, and for tests)."""

    def __init__(self) -> None:
        self.events: queue.Queue[DeviceEvent] = queue.Queue()

    def key_inserted(self, device: Device) -> None:
        self.events.put(DeviceEvent("inserted", device, at=time.monotonic()))

    def key_removed(self, device: Device) -> None:
        self.events.put(DeviceEvent("removed", device, at=time.monotonic()))

    def service_changed(self, state: ServiceState) -> None:
        self.events.put(DeviceEvent("service", state=state, at=time.monotonic()))

    def wait_for(self, kind: str, timeout: float = 5.0, state: ServiceState | None = None
                 ) -> DeviceEvent:
        """The next event of `kind` (and `state`), skipping others; queue.Empty on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            if event.kind == kind and (state is None or event.state == state):
                return event


class KeyMonitor:
    """`windows`: Windows 8+ stops the Smart Card service (SCardSvr) while no reader is
    attached and starts it when one arrives: there, a stopped service (SCARD_E_NO_SERVICE /
    SCARD_E_SERVICE_STOPPED) is `NO_READERS` — the key is just not plugged in — and the back-off
    re-establishes the context once the token's arrival has started the service."""

    def __init__(self, wait_ms: int = 2000, backoff: tuple[float, float] = (0.05, 1.0),
                 windows: bool = sys.platform == "win32"):
        self.wait_ms = wait_ms
        self.windows = windows
        self.thread = PcscThread(self._watch, self._service_lost, backoff)
        self.inserted: Event[Device] = Event("key inserted")
        self.removed: Event[Device] = Event("key removed")
        self.service: Event[ServiceState] = Event("smart-card service")
        self._states: dict[str, int] | None = None  # reader → last event state
        self._pnp = scard.SCARD_STATE_UNAWARE
        self._devices: dict[str, Device] = {}
        self.state = ServiceState.STARTING

    def add_listener(self, listener: MonitorListener) -> Disconnect:
        """The listener's three methods connected to the three events; call the returned
        function to disconnect them."""
        stops = (self.inserted.connect(listener.key_inserted),
                 self.removed.connect(listener.key_removed),
                 self.service.connect(listener.service_changed))

        def disconnect() -> None:
            for stop in stops:
                stop()
        return disconnect

    def start(self) -> KeyMonitor:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.thread.stop()

    def __enter__(self) -> KeyMonitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def devices(self) -> list[Device]:
        return list(self._devices.values())

    @property
    def readers(self) -> list[str]:
        return list(self._states or ())

    def connect(self, device: Device | str) -> PcscConnection:
        """An opened connection to the card (a Device or a reader name)."""
        reader = device.reader if isinstance(device, Device) else device
        return PcscConnection(self.thread, reader).open()

    def _set_state(self, state: ServiceState) -> None:
        if state != self.state:
            self.state = state
            self.service.emit(state)

    def _watch(self, context: int) -> None:
        if self._states is None:
            self._refresh_readers(context)
        known = self._states or {}
        states = [(PNP_READER, self._pnp), *known.items()]
        hr, changed = scard.SCardGetStatusChange(context, self.wait_ms, states)
        hr = hresult(hr)
        if hr in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            return
        if hr in (scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE):
            self._refresh_readers(context)
            return
        check(hr, "SCardGetStatusChange")
        readers_changed = False
        for reader, state, atr in changed:
            if reader == PNP_READER:
                readers_changed = bool(state & scard.SCARD_STATE_CHANGED)
                self._pnp = state & ~scard.SCARD_STATE_CHANGED
            elif reader in known:
                self._reader_changed(reader, state, atr)
        if readers_changed:
            self._refresh_readers(context)

    def _reader_changed(self, reader: str, state: int, atr: list[int]) -> None:
        if self._states is not None:
            self._states[reader] = state & ~scard.SCARD_STATE_CHANGED
        present = bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE
        old = self._devices.get(reader)
        new = device(reader, atr) if present and atr else None
        if old == new:
            return
        if old:
            del self._devices[reader]
            self.removed.emit(old)
        if new:
            self._devices[reader] = new
            self.inserted.emit(new)

    def _refresh_readers(self, context: int) -> None:
        readers = list_readers(context)
        states = self._states or {}
        for gone in set(states) - set(readers):
            self._reader_changed(gone, scard.SCARD_STATE_EMPTY, [])
        self._states = {r: states.get(r, scard.SCARD_STATE_UNAWARE) for r in readers}
        self._set_state(ServiceState.RUNNING if readers else ServiceState.NO_READERS)

    def _service_lost(self, err: DeviceError) -> None:
        for reader in list(self._devices):
            self._reader_changed(reader, scard.SCARD_STATE_EMPTY, [])
        self._states = None
        self._pnp = scard.SCARD_STATE_UNAWARE
        stopped = isinstance(err, NoServiceError) and not self.windows
        self._set_state(ServiceState.NO_SERVICE if stopped else ServiceState.NO_READERS)
