"""`key_state(session)`: a QhrSession's state as the UI's KeyState value ("absent", "present",
"pin_needed", "session_open", "blocked"); the UI's key service (ui/remote_qhr.RemoteQhr)
forwards it at each change.
"""

from __future__ import annotations

from app.qhr.session import QhrSession, State

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
