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
