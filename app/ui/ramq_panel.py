"""The front desk's RAMQ panel: a NAM in, the family physician (RAMQ registration) and the
insurance eligibility out — no clinical data. From the cache when the server cannot be reached,
with "information as of <date>". The service (app.ramq.service.RamqService) checks the role and
writes the access log; this panel only shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.op import Op, user_message
from app.ui.widgets import Retranslatable, data_label, named
from app.workstation.contracts import RamqDesk

if TYPE_CHECKING:
    from app.core.ramq import Eligibility, FamilyPhysician
    from app.workstation.contracts import Looked

CTX = "RamqPanel"
LOOKING = QT_TRANSLATE_NOOP(CTX, "Asking RAMQ…")


@dataclass(frozen=True)
class DeskAnswer:
    physician: Looked[FamilyPhysician]
    eligibility: Looked[Eligibility]


class RamqPanel(Retranslatable, QWidget):
    def __init__(self, ramq: RamqDesk, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ramq_panel")
        self.ramq = ramq
        self.answer: DeskAnswer | None = None
        self.error = ""
        box = QVBoxLayout(self)
        self.title = named(QLabel(self), "ramq_title")
        self.label = QLabel(self)
        self.nam = named(QLineEdit(self), "ramq_nam")
        self.nam.setMaxLength(14)
        self.label.setBuddy(self.nam)
        self.button = named(QPushButton(self), "ramq_lookup")
        form = QFormLayout()
        self.names = {k: QLabel(self) for k in ("physician", "group", "since", "place", "fmg",
                                                 "insured")}
        self.values = {k: data_label(self, f"ramq_{k}") for k in self.names}
        for key, name in self.names.items():
            form.addRow(name, self.values[key])
        self.registered = named(QLabel(self), "ramq_registered")
        self.as_of = named(QLabel(self), "ramq_as_of")
        self.as_of.setWordWrap(True)
        self.hint = named(QLabel(self), "hint")
        self.hint.setWordWrap(True)
        for w in (self.title, self.label, self.nam, self.button, self.registered):
            box.addWidget(w)
        box.addLayout(form)
        box.addWidget(self.as_of)
        box.addWidget(self.hint)
        box.addStretch(1)
        self.nam.returnPressed.connect(self.look_up)
        self.button.clicked.connect(self.look_up)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("RAMQ: family physician and insurance"))
        self.label.setText(self.tr("&Health insurance number (NAM)"))
        self.button.setText(self.tr("Look up"))
        for key, text in (("physician", self.tr("Family physician")),
                          ("group", self.tr("Group / place")),
                          ("since", self.tr("Registered since")),
                          ("place", self.tr("Place-of-follow-up number")),
                          ("fmg", self.tr("FMG")), ("insured", self.tr("Health insurance"))):
            self.names[key].setText(text)
        self._render()

    def look_up(self) -> None:
        number = self.nam.text().strip()
        if not number:
            return
        self.error, self.answer = "", None
        self.hint.setText(self.tr(LOOKING))
        self.hint.setVisible(True)

        def work() -> DeskAnswer:
            return DeskAnswer(self.ramq.family_physician(number), self.ramq.eligibility(number))
        Op(self, work).on_success(self._show).on_failure(self._failed).start()

    def _show(self, answer: DeskAnswer) -> None:
        self.answer = answer
        self._render()

    def _failed(self, err: BaseException) -> None:
        self.error = user_message(err)
        self._render()

    def _render(self) -> None:
        answer = self.answer
        for key in self.values:
            self.values[key].setText("")
        self.hint.setText(self.error)
        self.hint.setVisible(bool(self.error))
        shown = answer is not None
        for w in (*self.names.values(), *self.values.values(), self.registered):
            w.setVisible(shown)
        self.as_of.setVisible(answer is not None and (answer.physician.from_cache
                                                      or answer.eligibility.from_cache))
        if answer is None:
            return
        doc, ins = answer.physician.answer, answer.eligibility.answer
        self.registered.setText(self.tr("Registered with a family physician.") if doc.registered
                                else self.tr("Not registered with a family physician."))
        for key, value in (("physician", doc.physician), ("group", doc.group),
                           ("since", doc.since), ("place", doc.place_of_follow_up),
                           ("fmg", doc.fmg)):
            self.values[key].setText(value)
            self.values[key].setVisible(bool(value))
            self.names[key].setVisible(bool(value))
        self.values["insured"].setText(
            self.tr("Insured until {date}").format(date=ins.until) if ins.insured
            else self.tr("Not insured"))
        oldest = min(a.as_of for a in (answer.physician, answer.eligibility))
        self.as_of.setText(self.tr("The central server cannot be reached: information as of "
                                   "{date}.").format(date=oldest[:16].replace("T", " ")))
