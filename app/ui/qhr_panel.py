"""QHR (DSQ) viewer panel: the eligibility verdict (every reason when the user may not use the
QHR), the key state, and for an eligible user with the key in, the session (PIN through the
GuiInteraction) and the current patient's laboratory results, imaging reports and medication
profile (app.ui.qhr_tabs). Every fetch runs in a background Op; a late answer after the session
ended is dropped. When the session ends (key removed, idle, sign-out) the data widgets are
emptied at once and the panel says why, and it tells the window (`data_cleared`) so that the
space the data took goes back to the chart.

A user whose role can never use the QHR (`unusable_reason`: receptionist, administrator,
extern…) gets that one line, not the list of every other unmet condition (which would tell an
administrator to "ask your administrator"); the main window shows it in place of the panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.i18n import translate
from app.ui.op import Op, user_message
from app.ui.widgets import Retranslatable, data_label, named
from app.workstation.contracts import (
    KeyState,
    PatientSummary,
    QhrData,
    QhrEligibility,
    QhrViewer,
)

if TYPE_CHECKING:
    from app.ui.qhr_tabs import QhrTabs

KEY_HINTS = {
    KeyState.ABSENT: QT_TRANSLATE_NOOP(
        "QhrPanel", "Insert your QHR access key to open the viewer."),
    KeyState.PRESENT: QT_TRANSLATE_NOOP("QhrPanel", "QHR access key detected."),
    KeyState.PIN_NEEDED: QT_TRANSLATE_NOOP("QhrPanel", "Enter your PIN to open the QHR session."),
    KeyState.SESSION_OPEN: QT_TRANSLATE_NOOP("QhrPanel", "QHR session open."),
    KeyState.NO_SERVICE: QT_TRANSLATE_NOOP(
        "QhrPanel", "The smart-card service is not running: the access key cannot be read. "
        "Call technical support."),
    KeyState.BLOCKED: QT_TRANSLATE_NOOP(
        "QhrPanel", "Your QHR access key is blocked: its PIN was entered wrong too many times. "
        "Contact the issuer of your QHR key (or your clinic's support) to have it unblocked "
        "with its PUK, then plug it in again."),
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
    data_shown = Signal()  # a patient's QHR data is on screen (the window may give it room)
    data_cleared = Signal()  # no QHR data on screen any more (the room may go back)

    def __init__(self, eligibility: QhrEligibility | None, parent: QWidget | None = None,
                 viewer: QhrViewer | None = None):
        super().__init__(parent)
        self.setObjectName("QhrPanel")
        self.eligibility, self.viewer = eligibility, viewer
        self.key_state = KeyState.ABSENT
        self.cleared_reason: str | None = None
        self.patient: PatientSummary | None = None
        self.tabs: QhrTabs | None = None  # made for an eligible user's first data
        self._generation = 0  # bumped at each clear: answers of an older one are dropped
        self._loading = self._opening = False
        self._error: BaseException | None = None  # the message's, shown in today's language
        self.layout_ = layout = QVBoxLayout(self)
        self.title = named(QLabel(self), "qhr_title")
        self.labels = {n: named(QLabel(self), f"qhr_{n}")
                       for n in ("cleared", "verdict", "reasons", "key", "message")}
        for label in self.labels.values():
            label.setWordWrap(True)
        self.cleared, self.verdict = self.labels["cleared"], self.labels["verdict"]
        self.reasons, self.key_hint = self.labels["reasons"], self.labels["key"]
        self.message = self.labels["message"]
        self.message.setProperty("kind", "error")
        self.open_button = named(QPushButton(self), "qhr_open")
        self.open_button.clicked.connect(self.open_session)
        self.patient_label = data_label(self, "qhr_patient")
        for w in (self.title, self.cleared, self.verdict, self.reasons, self.key_hint,
                  self.open_button, self.message, self.patient_label):
            layout.addWidget(w)
        layout.addStretch(1)
        self.retranslate()

    # -- texts -------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Québec Health Record (QHR)"))
        elig = self.eligibility
        if elig is None:
            self.verdict.setText(self.tr("QHR eligibility cannot be checked on this workstation."))
        elif elig.eligible and self.key_state == KeyState.BLOCKED:
            self.verdict.setText(self.tr("The QHR viewer cannot be opened: your access key is "
                                         "blocked."))
        elif elig.eligible:
            self.verdict.setText(self.tr("You may use the QHR viewer."))
        else:
            self.verdict.setText(self.tr("You may not use the QHR viewer, because:"))
        reasons = [translate(r) for r in self._final_reasons() or (elig.reasons if elig else ())]
        self.reasons.setText("\n".join(f"• {r}" for r in reasons))
        self.reasons.setVisible(bool(reasons))
        self.key_hint.setVisible(self.eligible or self.key_state in (KeyState.NO_SERVICE,
                                                                     KeyState.BLOCKED))
        kind = "error" if self.key_state == KeyState.BLOCKED else ""
        if self.key_hint.property("kind") != kind:
            self.key_hint.setProperty("kind", kind)
            self.key_hint.style().polish(self.key_hint)
        self.key_hint.setText(self.tr(KEY_HINTS[self.key_state]))
        why = CLEARED.get(self.cleared_reason or "")
        self.cleared.setText(self.tr(why) if why else "")
        self.cleared.setVisible(bool(why))
        self.open_button.setText(self.tr("Open the QHR session"))
        if self.message.text() and self._error is not None:
            self.message.setText(user_message(self._error))
        self._update_controls()

    def _final_reasons(self) -> tuple:
        """The unmet conditions no one at the clinic can change (role, extern, test account):
        app.qhr.eligibility.Verdict's `unmet` entries marked `final`."""
        unmet = getattr(self.eligibility, "unmet", ())
        return tuple(u.text for u in unmet if getattr(u, "final", False))

    @property
    def unusable_reason(self) -> str | None:
        """One line when this user can never use the QHR viewer (else None)."""
        final = self._final_reasons()
        if not final:
            return None
        return self.tr("QHR viewer: {reason}").format(reason=translate(final[0]))

    @property
    def eligible(self) -> bool:
        return bool(self.eligibility and self.eligibility.eligible)

    def _update_controls(self) -> None:
        is_open = self.key_state == KeyState.SESSION_OPEN
        self.open_button.setVisible(self.eligible and self.viewer is not None and not is_open
                                    and self.key_state not in (KeyState.NO_SERVICE,
                                                               KeyState.BLOCKED))
        self.open_button.setEnabled(not self._opening)
        self.message.setVisible(bool(self.message.text()))
        shown = self.tabs is not None and is_open and self.eligible and not self.tabs.empty
        if self.tabs is not None:
            self.tabs.setVisible(shown)
        self.layout_.setStretch(self.layout_.count() - 1, 0 if shown else 1)
        patient = self.patient
        self.patient_label.setText(
            f"{patient.family}, {patient.given}" + (f" — {patient.nam}" if patient.nam else "")
            if patient and shown else "")
        self.patient_label.setVisible(bool(shown))

    # -- what the main window tells ----------------------------------------------------------
    def set_key_state(self, state: KeyState, eligibility: QhrEligibility | None) -> None:
        if state == KeyState.SESSION_OPEN:
            self.cleared_reason = None
        elif self.tabs is not None and not self.tabs.empty:
            self.clear(self.cleared_reason or "closed")
        self.key_state, self.eligibility = state, eligibility
        if state == KeyState.BLOCKED:
            self.message.setText("")  # the key hint says it, with what to do
        self.retranslate()
        self._fetch_if_ready()

    def set_patient(self, patient: PatientSummary | None) -> None:
        if patient == self.patient:
            return
        self.patient = patient
        self._generation += 1
        had_data = self.tabs is not None and not self.tabs.empty
        if self.tabs is not None:
            self.tabs.clear_data()
        self._loading = False
        self._update_controls()
        if had_data:
            self.data_cleared.emit()
        self._fetch_if_ready()

    def clear(self, reason: str) -> None:
        """The QHR session ended: whatever was shown goes at once, and the panel says why."""
        self._generation += 1
        self._loading = False
        if self.tabs is not None:
            self.tabs.clear_data()
            self.tabs.hide()
        self.cleared_reason = str(reason)
        self.message.setText("")
        self.retranslate()
        self.data_cleared.emit()

    # -- session and data (background) -------------------------------------------------------
    def open_session(self) -> None:
        if self.viewer is None or self._opening or self.key_state == KeyState.BLOCKED:
            return  # a blocked key is refused below too (app.qhr.session)
        self._opening = True
        self.message.setText("")
        self._update_controls()
        Op(self, self.viewer.open).on_success(self._opened).on_failure(
            self._failed).on_cancelled(self._open_ended).start()

    def _open_ended(self) -> None:
        self._opening = False
        self._update_controls()

    def _opened(self, _key_id: str) -> None:
        self._open_ended()  # the key state (session open) comes from the key service

    def _failed(self, err: BaseException) -> None:
        self._opening = self._loading = False
        if self.key_state != KeyState.BLOCKED:  # else the key hint says it already
            self._error = err  # re-rendered when the language changes
            self.message.setText(user_message(err))
        self._update_controls()

    def _fetch_if_ready(self) -> None:
        patient, viewer = self.patient, self.viewer
        if (patient is None or viewer is None or self._loading or not self.eligible
                or self.key_state != KeyState.SESSION_OPEN
                or (self.tabs is not None and not self.tabs.empty)):
            return
        self._loading = True
        generation = self._generation
        Op(self, lambda cancel: viewer.view(patient.id, patient.nam, cancel)).on_success(
            lambda data: self._show(data, generation)).on_failure(self._failed).start()

    def _show(self, data: QhrData, generation: int) -> None:
        if generation != self._generation or self.key_state != KeyState.SESSION_OPEN:
            return  # the session ended (or the patient changed) while reading: nothing shown
        self._loading = False
        if self.tabs is None:
            from app.ui.qhr_tabs import QhrTabs

            self.tabs = tabs = QhrTabs(self)
            tabs.currentChanged.connect(self._touched)
            self.layout_.insertWidget(self.layout_.count() - 1, tabs, 1)
        self.tabs.show_data(data)
        self._update_controls()
        self.data_shown.emit()

    def _touched(self, _index: int) -> None:
        if self.viewer:
            self.viewer.touch()
