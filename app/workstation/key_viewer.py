"""The QHR key and viewer services (app.workstation.contracts KeyService + QhrViewer) over app.qhr.

One `KeyMonitor` for the app's life (started at first use, on the PC/SC service the process's
libpcsclite finds: the system's, or the demo's private pcscd through PCSCLITE_CSOCK_NAME), one
`QhrSession` per signed-in user (`begin`), ended at sign-out (`end`). The key state comes from
the session when there is one, else from the monitor alone; a missing smart-card service is a
state (`KeyState.NO_SERVICE`), not an error. Reads are audited in the user's store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.core.errors import UserFacingError
from app.core.events import Event
from app.core.text import QT_TRANSLATE_NOOP, text
from app.devices.errors import PinFormatError as PinFormatError  # the PIN dialog's rules
from app.devices.monitor import KeyMonitor, ServiceState
from app.devices.piv import PIN_MAX as PIN_MAX
from app.devices.piv import check_pin as check_pin
from app.qhr.session import LockReason
from app.workstation.contracts import KeyState, Unsubscribe

if TYPE_CHECKING:
    from app.core.profiles import UserProfile
    from app.qhr.session import Interaction, QhrSession
    from app.qhr.views import QhrData
    from app.store import Access
    from app.workstation.session import Session

log = logging.getLogger(__name__)
CTX = "QhrViewer"
NEEDS_SERVER = QT_TRANSLATE_NOOP(
    CTX, "The QHR can only be reached while the central server answers: sign in online.")
NO_PATIENT = QT_TRANSLATE_NOOP(CTX, "This patient has no health insurance number (NAM): the "
                               "QHR cannot be searched.")


class KeyViewer:
    """KeyService (`state`, `add_listener`, `add_clear_listener`) and the viewer's calls
    (`begin`, `open`, `view`, `touch`, `lock`, `end`), for the UI."""

    def __init__(self, remote: Session | None,
                 monitor_factory: Callable[[], KeyMonitor] | None = None):
        self.remote = remote  # the workstation's session: its HTTP client and store
        self._factory = monitor_factory
        self.monitor: KeyMonitor | None = None
        self.session: QhrSession | None = None  # the signed-in user's
        self.changed: Event[KeyState] = Event("QHR key state")
        self.cleared: Event[str] = Event("QHR viewer clear")  # the reason (LockReason value)
        self._lock = threading.Lock()

    # -- KeyService --------------------------------------------------------------------------
    def state(self) -> KeyState:
        from app.qhr.service import key_state

        monitor, session = self._monitor(), self.session
        if session is not None and key_state(session) != KeyState.ABSENT:
            return KeyState(key_state(session))
        if monitor is None or monitor.state == ServiceState.NO_SERVICE:
            return KeyState.NO_SERVICE
        if session is not None:  # present once the session has looked at the card, not before
            return KeyState.ABSENT
        return KeyState.PRESENT if monitor.devices else KeyState.ABSENT

    def add_listener(self, listener: Callable[[KeyState], None]) -> Unsubscribe:
        """`listener(state)` at each change, and once now (no change is missed between)."""
        remove = self.changed.connect(listener)
        listener(self.state())
        return remove

    def add_clear_listener(self, listener: Callable[[str], None]) -> Unsubscribe:
        return self.cleared.connect(listener)

    def _changed(self) -> None:
        self.changed.emit(self.state())

    def _monitor(self) -> KeyMonitor | None:
        with self._lock:
            if self.monitor is None:
                self.monitor = monitor = (self._factory or KeyMonitor)()
                for event in (monitor.inserted, monitor.removed, monitor.service):
                    event.connect(lambda _change: self._changed())
                try:
                    monitor.start()
                except Exception as err:  # no PC/SC library at all: a state, not a crash
                    log.warning("smart-card monitor not started (%s)", type(err).__name__)
                    self.monitor = None
            return self.monitor

    # -- the viewer's session ----------------------------------------------------------------
    def begin(self, profile: UserProfile, interaction: Interaction) -> None:
        """The signed-in user's QHR session (the key events start flowing to it)."""
        from app.qhr.gateway import QhrGateway
        from app.qhr.session import QhrSession

        self.end()
        monitor, client = self._monitor(), getattr(self.remote, "client", None)
        if monitor is None or client is None:
            return
        gateway = QhrGateway(client)
        session = QhrSession(profile, gateway, monitor, interaction, audit=self._audit)
        session.changed.connect(lambda _state: self._changed())
        session.cleared.connect(lambda reason: self.cleared.emit(str(reason)))
        self.session = session.start()
        self._changed()

    def _audit(self, access: Access) -> None:
        executor = getattr(self.remote, "executor", None)
        if executor is None:
            raise UserFacingError(text(CTX, NEEDS_SERVER))
        executor.call(lambda store: store.log_access(access))

    def _session(self) -> QhrSession:
        if self.session is None:
            raise UserFacingError(text(CTX, NEEDS_SERVER))
        return self.session

    def open(self, cancel: threading.Event | None = None) -> str:
        return self._session().open(cancel)

    def view(self, patient_id: str, nam: str | None,
             cancel: threading.Event | None = None) -> QhrData:
        if not nam:
            raise UserFacingError(text(CTX, NO_PATIENT))
        return self._session().view(patient_id, nam)

    def touch(self) -> None:
        if self.session is not None:
            self.session.touch()

    def lock(self, reason: str) -> None:
        if self.session is not None:
            self.session.lock(LockReason(reason))

    def end(self) -> None:
        """Sign-out: the viewer clears (reason "sign_out") and the session is dropped."""
        session, self.session = self.session, None
        if session is not None:
            session.sign_out()
            self._changed()

    def close(self) -> None:
        """The app quits: end the session, stop the monitor (its thread is waited on)."""
        self.end()
        monitor, self.monitor = self.monitor, None
        if monitor is not None:
            monitor.stop()
