"""QHR (DSQ) viewer panel. For now: the eligibility verdict and the key state; the viewer itself
(laboratory results, imaging reports, medication profile) plugs in when app.qhr provides it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.i18n import translate
from app.ui.services import Eligibility, KeyState
from app.ui.widgets import Retranslatable

KEY_HINTS = {
    KeyState.ABSENT: QT_TRANSLATE_NOOP(
        "QhrPanel", "Insert your QHR access key to open the viewer."),
    KeyState.PRESENT: QT_TRANSLATE_NOOP("QhrPanel", "QHR access key detected."),
    KeyState.PIN_NEEDED: QT_TRANSLATE_NOOP("QhrPanel", "Enter your PIN to open the QHR session."),
    KeyState.SESSION_OPEN: QT_TRANSLATE_NOOP("QhrPanel", "QHR session open."),
}


CLEARED = {  # app.qhr.session.LockReason values → why the viewer was just cleared
    "key_removed": QT_TRANSLATE_NOOP(
        "QhrPanel", "The QHR viewer was cleared: the key was removed."),
    "idle": QT_TRANSLATE_NOOP("QhrPanel", "The QHR viewer was cleared after a period without "
                              "activity."),
    "sign_out": QT_TRANSLATE_NOOP("QhrPanel", "The QHR viewer was cleared: you signed out."),
    "other_key": QT_TRANSLATE_NOOP(
        "QhrPanel", "The QHR viewer was cleared: another person's key was plugged in."),
    "expired": QT_TRANSLATE_NOOP("QhrPanel", "The QHR viewer was cleared: the session expired."),
    "closed": QT_TRANSLATE_NOOP("QhrPanel", "The QHR viewer was closed."),
}


class QhrPanel(Retranslatable, QWidget):
    def __init__(self, eligibility: Eligibility | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("QhrPanel")
        self.eligibility = eligibility
        self.key_state = KeyState.ABSENT
        self.cleared_reason: str | None = None
        layout = QVBoxLayout(self)
        self.title = QLabel(self, objectName="qhr_title")
        self.verdict = QLabel(self, objectName="qhr_verdict")
        self.verdict.setWordWrap(True)
        self.reasons = QLabel(self, objectName="qhr_reasons")
        self.reasons.setWordWrap(True)
        self.key_hint = QLabel(self, objectName="qhr_key")
        self.key_hint.setWordWrap(True)
        self.cleared = QLabel(self, objectName="qhr_cleared")
        self.cleared.setWordWrap(True)
        for w in (self.title, self.cleared, self.verdict, self.reasons, self.key_hint):
            layout.addWidget(w)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Québec Health Record (QHR)"))
        elig = self.eligibility
        if elig is None:
            self.verdict.setText(self.tr("QHR eligibility cannot be checked on this workstation."))
        elif elig.eligible:
            self.verdict.setText(self.tr("You may use the QHR viewer."))
        else:
            self.verdict.setText(self.tr("You may not use the QHR viewer, because:"))
        reasons = [translate(r) for r in (elig.reasons if elig else ())]
        self.reasons.setText("\n".join(f"• {r}" for r in reasons))
        self.reasons.setVisible(bool(reasons))
        self.key_hint.setVisible(bool(elig and elig.eligible))
        self.key_hint.setText(self.tr(KEY_HINTS[self.key_state]))
        why = CLEARED.get(self.cleared_reason or "")
        self.cleared.setText(self.tr(why) if why else "")
        self.cleared.setVisible(bool(why))

    def clear(self, reason: str) -> None:
        """The QHR session ended: whatever was shown goes at once, and the panel says why."""
        self.cleared_reason = str(reason)
        self.retranslate()

    def set_key_state(self, state: KeyState, eligibility: Eligibility | None) -> None:
        if state == KeyState.SESSION_OPEN:
            self.cleared_reason = None
        self.key_state = state
        self.eligibility = eligibility
        self.retranslate()
