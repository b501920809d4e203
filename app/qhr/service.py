"""`SessionKeys`: a QhrSession seen as the UI's KeyService (app.ui.services): `state()` gives
the KeyState value ("absent", "present", "pin_needed", "session_open", "blocked"),
`add_listener(fn)` calls `fn(value)` at each change and `add_clear_listener(fn)` calls
`fn(reason)` when the viewer must clear; both return an unsubscribe callable. Callbacks come
on the thread that changed the session (the PC/SC thread for key events): the UI re-emits them
as Qt signals.
"""

from __future__ import annotations

from collections.abc import Callable

from app.qhr.session import LockReason, QhrSession, SessionListener, State

ABSENT, PRESENT, PIN_NEEDED, SESSION_OPEN = "absent", "present", "pin_needed", "session_open"
BLOCKED = "blocked"


def key_state(session: QhrSession) -> str:
    state = session.state
    if state in (State.AUTHENTICATED, State.VIEWING):
        return SESSION_OPEN
    if state == State.PIN:
        return PIN_NEEDED
    if state == State.KEY_BLOCKED and session.key_plugged:
        return BLOCKED
    return PRESENT if session.key_plugged else ABSENT


class _Forward(SessionListener):
    def __init__(self, session: QhrSession, on_state: Callable[[str], None] | None,
                 on_clear: Callable[[LockReason], None] | None):
        self.session, self.on_state, self.on_clear = session, on_state, on_clear

    def state_changed(self, state: State) -> None:
        if self.on_state is not None:
            self.on_state(key_state(self.session))

    def clear(self, reason: LockReason) -> None:
        if self.on_clear is not None:
            self.on_clear(reason)


class SessionKeys:
    def __init__(self, session: QhrSession):
        self.session = session

    def state(self) -> str:
        return key_state(self.session)

    def add_listener(self, listener: Callable[[str], None]) -> Callable[[], None]:
        return self._add(_Forward(self.session, listener, None))

    def add_clear_listener(self, listener: Callable[[LockReason], None]) -> Callable[[], None]:
        return self._add(_Forward(self.session, None, listener))

    def _add(self, forward: _Forward) -> Callable[[], None]:
        self.session.add_listener(forward)
        return lambda: self.session.remove_listener(forward)
