"""The QHR layer's error root (see the package docstring)."""

from __future__ import annotations

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, Text, text

CTX = "qhr"


class QhrError(UserFacingError):
    """Root of every error of app.qhr; the text says what to do, never names a patient."""

    source = QT_TRANSLATE_NOOP(CTX, "The QHR viewer could not be opened.")

    def __init__(self, message: Text | None = None, detail: str = ""):
        super().__init__(message or text(CTX, self.source))
        self.detail = detail  # technical, for the log; never patient data


class NotEligible(QhrError):
    """The eligibility verdict failed; `reasons` lists every unmet condition."""

    def __init__(self, reasons: tuple[Text, ...]):
        super().__init__(reasons[0] if reasons else None)
        self.reasons = reasons


class WrongKey(QhrError):
    """The key plugged in is not the one recorded in the user's profile."""

    source = QT_TRANSLATE_NOOP(
        CTX, "The QHR key plugged in is not the one in your profile: plug in your own key.")


class NoKey(QhrError):
    source = QT_TRANSLATE_NOOP(CTX, "Plug in your QHR key.")


class SessionClosed(QhrError):
    """The QHR session was locked (key removed, idle, sign-out) or never opened."""

    source = QT_TRANSLATE_NOOP(
        CTX, "The QHR session is closed: plug in your key and enter your PIN again.")


class GatewayError(QhrError):
    source = QT_TRANSLATE_NOOP(
        CTX, "The QHR service cannot be reached. Try again in a moment.")


class SessionExpired(GatewayError):
    source = QT_TRANSLATE_NOOP(
        CTX, "The QHR session has expired: enter your PIN again.")


class GatewayRefused(GatewayError):
    """The gateway refused (`error`: invalid_proof, wrong_key, not_eligible…)."""

    source = QT_TRANSLATE_NOOP(CTX, "The QHR service refused access with this key.")

    def __init__(self, error: str = "", conditions: tuple[str, ...] = (), detail: str = ""):
        super().__init__(None, detail)
        self.error, self.conditions = error, conditions
