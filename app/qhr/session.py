"""`QhrSession`: the QHR viewer's session, bound to the key plugged in (docs/domain.md, "The QHR").

States: NO_KEY → KEY_PRESENT → PIN → AUTHENTICATED → VIEWING → LOCKED, and KEY_BLOCKED for a
key whose PIN is blocked (seen at insertion with an empty VERIFY, which costs no try, or when
the last try fails): `open()` refuses it (PinBlockedError, saying what to do) until another key
is plugged in. A card is KEY_PRESENT only once looked at (`inspect_card`); `open()` during that
look waits for it instead of asking for a key that is already plugged in. Driven by the key
monitor's events (app.devices.monitor: the session is a MonitorListener), by `open()` /
`view()` (called on a worker thread: they make PC/SC and HTTP calls) and by an idle timeout.
The session's own changes are app.core.events Events: `changed` (State) and `cleared`
(LockReason).

Key removed, idle, sign-out, another key plugged in: `lock(reason)` drops the session token,
releases the viewer's data and emits `cleared` at once (on the caller's thread: the PC/SC
thread for key events); closing the session at the gateway happens after, on a thread of its
own, best effort — the lock never waits for the network. QHR data is held in memory only
(`QhrData`), never written anywhere; each read is decided by app.core.access and
written to the access log (`audit`, e.g. Store.log_access) before it is returned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from app.core import access
from app.core.consent import OPEN
from app.core.data_class import DataClass
from app.core.errors import Cancelled
from app.core.events import Disconnect, Event
from app.core.profiles import Institution, UserProfile
from app.core.text import Text
from app.devices.choose import CardReport, choose, inspect_card
from app.devices.errors import PinBlockedError
from app.devices.monitor import KeyMonitor, MonitorListener
from app.devices.pcsc import Device
from app.qhr import keyflow
from app.qhr.eligibility import Verdict, eligibility
from app.qhr.errors import NoKey, NotEligible, SessionClosed, SessionExpired
from app.qhr.gateway import KINDS, QhrGateway
from app.qhr.idle import IdleTimer
from app.qhr.views import QhrData
from app.store import Access

log = logging.getLogger(__name__)
DEFAULT_IDLE_S = 300.0
KEY_WAIT_S = 10.0  # after the person confirms the insert-key prompt


class State(StrEnum):
    NO_KEY = "no_key"
    KEY_PRESENT = "key_present"
    KEY_BLOCKED = "key_blocked"
    PIN = "pin"
    AUTHENTICATED = "authenticated"
    VIEWING = "viewing"
    LOCKED = "locked"


class LockReason(StrEnum):
    KEY_REMOVED = "key_removed"
    IDLE = "idle"
    SIGN_OUT = "sign_out"
    OTHER_KEY = "other_key"
    EXPIRED = "expired"
    CLOSED = "closed"


class Interaction(Protocol):
    """Implemented by the UI (app.ui.interaction.GuiInteraction); Cancelled when given up."""

    def request_pin(self, reason: Text | None = None, tries_left: int | None = None,
                    cancel: threading.Event | None = None) -> str | None: ...

    def prompt_insert_key(self, cancel: threading.Event | None = None) -> None: ...


class SessionListener:
    """Both of a session's events at once (`QhrSession.add_listener`); called on the thread
    that changed the state (often the PC/SC thread): return quickly."""

    def state_changed(self, state: State) -> None: ...

    def clear(self, reason: LockReason) -> None: ...


class QhrSession(MonitorListener):
    def __init__(self, user: UserProfile, gateway: QhrGateway, monitor: KeyMonitor,
                 interaction: Interaction, *, audit: Callable[[Access], object],
                 institution: Institution | None = None, idle_timeout: float = DEFAULT_IDLE_S):
        self.user, self.gateway, self.monitor = user, gateway, monitor
        self.interaction, self.audit, self.institution = interaction, audit, institution
        self._lock = threading.RLock()
        self._looked = threading.Condition(self._lock)  # a card's inspection ended
        self.changed: Event[State] = Event("QHR session state")
        self.cleared: Event[LockReason] = Event("QHR session clear")  # the viewer must clear
        self._stop_monitor: Disconnect | None = None
        self._device: Device | None = None  # the chosen key (app.devices.choose)
        self._cards: dict[str, CardReport] = {}  # reader → what its card is
        self._token: str | None = None
        self._key_id: str | None = None
        self._data: QhrData | None = None
        self._cancel = threading.Event()
        self.state = State.NO_KEY
        self.idle = IdleTimer(idle_timeout, lambda: self.lock(LockReason.IDLE))

    # -- wiring -----------------------------------------------------------------------------
    def add_listener(self, listener: SessionListener) -> Disconnect:
        """`state_changed` and `clear` connected to `changed` and `cleared`; call the returned
        function to disconnect both."""
        stops = (self.changed.connect(listener.state_changed),
                 self.cleared.connect(listener.clear))

        def disconnect() -> None:
            for stop in stops:
                stop()
        return disconnect

    @property
    def key_plugged(self) -> bool:
        return self._device is not None

    def start(self) -> QhrSession:
        self._stop_monitor = self.monitor.add_listener(self)
        for device in self.monitor.devices:
            self.key_inserted(device)
        self.idle.start()
        return self

    def stop(self) -> None:
        self.lock(LockReason.CLOSED)
        self.idle.stop()
        stop, self._stop_monitor = self._stop_monitor, None
        if stop is not None:
            stop()

    def sign_out(self) -> None:
        self.lock(LockReason.SIGN_OUT)
        self.stop()

    @property
    def key_id(self) -> str | None:
        return self._key_id if self._token else None

    @property
    def data(self) -> QhrData | None:
        return self._data

    def verdict(self) -> Verdict:
        return eligibility(self.user, self.institution, key_plugged=self._device is not None)

    def touch(self) -> None:
        """User activity in the viewer: restarts the idle countdown (while a session is open)."""
        with self._lock:
            if self._token is not None:
                self.idle.touch()

    # -- key events (PC/SC thread) ----------------------------------------------------------
    def key_inserted(self, device: Device) -> None:
        """Every card is looked at (no PIN, no try used) and the key is chosen among all the
        cards plugged in as `key diagnose` chooses it (app.devices.choose): the user's key
        first, never a card that is not a key."""
        report = inspect_card(self.monitor.connect, device, self.user.qhr_key_id)
        with self._lock:
            self._cards[device.reader] = report
            self._looked.notify_all()
            if not report.is_key:
                return  # a bank card, a card in a built-in reader: not a QHR key
            if (self._device is not None and device.reader != self._device.reader
                    and (self._token is not None or self.state == State.PIN)):
                self.lock(LockReason.OTHER_KEY)
                return
            self._choose()

    def _choose(self) -> None:
        chosen = choose(list(self._cards.values()), self.user.qhr_key_id)
        self._device = chosen.device if chosen else None
        if chosen is None:
            if self.state in (State.KEY_PRESENT, State.KEY_BLOCKED):
                self._set(State.NO_KEY)
        elif self.state in (State.NO_KEY, State.LOCKED, State.KEY_BLOCKED, State.KEY_PRESENT):
            self._set(State.KEY_BLOCKED if chosen.pin_blocked else State.KEY_PRESENT)

    def key_removed(self, device: Device) -> None:
        with self._lock:
            self._cards.pop(device.reader, None)
            if self._device is None or device.reader != self._device.reader:
                return
            self._device = None
        self.lock(LockReason.KEY_REMOVED)
        with self._lock:
            if self._device is None and self._token is None:
                self._choose()  # another key still plugged in

    # -- locking ----------------------------------------------------------------------------
    def lock(self, reason: LockReason) -> None:
        """Drop the token and the data, tell listeners to clear; close at the gateway after."""
        with self._lock:
            token, data = self._token, self._data
            was_open = token is not None or self.state == State.PIN
            self._token = self._data = None
            self._cancel.set()
            self.idle.disarm()
        if data is not None:
            data.release()
        if was_open or data is not None:
            self.cleared.emit(reason)
            self._set(State.LOCKED)
        elif self._device is None:
            self._set(State.NO_KEY)
        if token is not None:
            threading.Thread(target=self._close_at_gateway, args=(token,), daemon=True,
                             name="qhr-close").start()

    def _close_at_gateway(self, token: str) -> None:
        try:
            self.gateway.close_session(token)
        except Exception as err:  # best effort: the token is already dropped here
            log.info("QHR session close at the gateway failed (%s)", type(err).__name__)

    def _set(self, state: State) -> None:
        if state == self.state:
            return
        self.state = state
        self.changed.emit(state)

    # -- opening and reading (worker thread) ------------------------------------------------
    def open(self, cancel: threading.Event | None = None) -> str:
        """Eligibility, key check, PIN, signed challenge → an open session; its key id."""
        cancel = cancel or threading.Event()
        device = self._device_or_prompt(cancel)
        with self._lock:
            if self._device is not device:
                raise NoKey()
            if self.state == State.KEY_BLOCKED:
                raise PinBlockedError()  # nothing is sent to a blocked key
            self._cancel = cancel
            self._set(State.PIN)
        try:
            opened = keyflow.authenticate(self.monitor, device, self.user, self.gateway,
                                          self.interaction, self._cancel)
        except BaseException as err:
            with self._lock:
                if self.state == State.PIN:
                    self._set(State.NO_KEY if self._device is None else State.KEY_BLOCKED
                              if isinstance(err, PinBlockedError) else State.KEY_PRESENT)
            raise
        with self._lock:
            if self._cancel.is_set() or self._device is not device:
                threading.Thread(target=self._close_at_gateway, args=(opened.token,),
                                 daemon=True).start()
                raise Cancelled()
            self._token, self._key_id = opened.token, opened.key_id
            self._set(State.AUTHENTICATED)
            self.idle.touch()
        return opened.key_id

    def _device_or_prompt(self, cancel: threading.Event) -> Device:
        """The plugged key; when only the key is missing, ask for it and wait a little."""
        if not eligibility(self.user, self.institution, key_plugged=True).eligible:
            raise NotEligible(self.verdict().reasons)  # every unmet condition, the key's too
        if self._device is None:
            self._wait_for_inspection(cancel)
        if self._device is None:
            self.interaction.prompt_insert_key(cancel=cancel)
            end = time.monotonic() + KEY_WAIT_S
            while self._device is None and time.monotonic() < end:
                if cancel.is_set():
                    raise Cancelled()
                time.sleep(0.02)
        device = self._device
        if device is None:
            raise NoKey()
        return device

    def _wait_for_inspection(self, cancel: threading.Event) -> None:
        """A card plugged in but not yet looked at (Open clicked right after plugging the key
        in): its inspection's answer, not an insert-key prompt for a key that is there."""
        end = time.monotonic() + KEY_WAIT_S
        with self._looked:
            while self._device is None and self.inspecting and time.monotonic() < end:
                if cancel.is_set():
                    raise Cancelled()
                self._looked.wait(0.05)

    @property
    def inspecting(self) -> bool:
        """A card the monitor sees that the session has not looked at yet."""
        with self._lock:
            return any(d.reader not in self._cards for d in self.monitor.devices)

    def view(self, patient_id: str, nam: str) -> QhrData:
        """The viewer's data for one patient (labs, imaging, medications), audited."""
        token, key_id = self._require_token()
        decision = access.decide(self.user, access.PatientContext(patient_id, frozenset(), OPEN),
                                 DataClass.QHR)
        if not decision.allowed:
            raise NotEligible(decision.reasons)
        fetched = {}
        for kind in KINDS:
            try:
                fetched[kind] = self.gateway.read(token, kind, nam)
            except SessionExpired:
                self.lock(LockReason.EXPIRED)
                raise
            self.audit(Access(self.user.username, patient_id, f"qhr:{kind}:{key_id}", "read"))
        data = QhrData.build(patient_id, fetched)
        with self._lock:
            if self._token != token:  # locked while reading: nothing is kept or shown
                data.release()
                raise SessionClosed()
            old, self._data = self._data, data
            self._set(State.VIEWING)
            self.idle.touch()
        if old is not None:
            old.release()
        return data

    def _require_token(self) -> tuple[str, str]:
        with self._lock:
            if self._token is None or self._key_id is None:
                raise SessionClosed()
            return self._token, self._key_id

