"""The account-request form (seed 003): every field, checked by the same rules as the server
(app.core.account_request), and the status of the requests this administrator made."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.account_request import AccountRequest, LabRegistration, RequestRecord
from app.core.profiles import Profession, UserProfile
from app.core.text import QT_TRANSLATE_NOOP
from app.ui.op import Op
from app.ui.ramq_admin import ProblemForm, tr_admin
from app.ui.widgets import PROFESSIONS, named, profession_name
from app.workstation.contracts import RamqDesk

REQUEST_STATES = {
    "submitted": QT_TRANSLATE_NOOP("RamqAdmin", "submitted"),
    "in-progress": QT_TRANSLATE_NOOP("RamqAdmin", "in progress"),
    "welcome-sent": QT_TRANSLATE_NOOP("RamqAdmin", "welcome e-mail sent"),
}


class AccountRequestForm(ProblemForm):
    def __init__(self, ramq: RamqDesk, profile: UserProfile, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("account_request_form")
        self.ramq, self.profile = ramq, profile
        box = QVBoxLayout(self)
        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        self.edits: dict[str, QLineEdit] = {}
        for name in ("first_name", "last_name", "email", "practice_number", "prescriber_number",
                     "reference_account", "reference_account_id", "billing"):
            self.labels[name] = QLabel(self)
            self.edits[name] = named(QLineEdit(self), name)
            form.addRow(self.labels[name], self.edits[name])
        self.had_account = named(QCheckBox(self), "had_account")
        self.administrative = named(QCheckBox(self), "administrative")
        self.occupation = named(QComboBox(self), "occupation")
        self.occupation_label = QLabel(self)
        self.institutions = {i.id: QCheckBox(i.name, self) for i in profile.institutions}
        self.primary = named(QComboBox(self), "primary_institution")
        for inst in profile.institutions:
            self.primary.addItem(inst.name, inst.id)
        self.primary_label = QLabel(self)
        self.labs = named(QPlainTextEdit(self), "lab_registrations")
        self.labs_label = QLabel(self)
        self.comment = named(QPlainTextEdit(self), "comment")
        self.comment_label = QLabel(self)
        form.addRow(self.occupation_label, self.occupation)
        for w in (self.had_account, self.administrative, *self.institutions.values()):
            form.addRow(w)
        form.addRow(self.primary_label, self.primary)
        form.addRow(self.labs_label, self.labs)
        form.addRow(self.comment_label, self.comment)
        box.addLayout(form)
        self.send = named(QPushButton(self), "send_request")
        self.message = named(QLabel(self), "form_message")
        self.message.setWordWrap(True)
        self.requests = named(QLabel(self), "requests")
        self.requests.setWordWrap(True)
        self.records: list[RequestRecord] = []
        for part in (self.send, self.message, self.requests):
            box.addWidget(part)
        self.send.clicked.connect(self.submit)
        self.retranslate()

    def retranslate(self) -> None:
        for name, text in (
                ("first_name", self.tr("First name")), ("last_name", self.tr("Last name")),
                ("email", self.tr("Personal e-mail (not shared)")),
                ("practice_number", self.tr("Practice number")),
                ("prescriber_number", self.tr("Prescriber number")),
                ("reference_account", self.tr("Reference account (last name, first name)")),
                ("reference_account_id", self.tr("Reference account id")),
                ("billing", self.tr("Billing name and client number"))):
            self.labels[name].setText(text)
        self.edits["billing"].setPlaceholderText(self.tr("Clinique Exemple - 123"))
        self.had_account.setText(self.tr("This user had an account before"))
        self.administrative.setText(self.tr("Administrative account (administrative staff only)"))
        self.occupation_label.setText(self.tr("Occupation"))
        current = self.occupation.currentIndex()
        self.occupation.clear()
        for value in PROFESSIONS:
            self.occupation.addItem(profession_name(value), value)
        self.occupation.setCurrentIndex(max(current, 0))
        self.primary_label.setText(self.tr("Primary institution"))
        self.labs_label.setText(self.tr("Laboratory registrations (one per line: laboratory: "
                                        "number)"))
        self.comment_label.setText(self.tr("Comment (special rights)"))
        self.send.setText(self.tr("Send the request"))
        self._render_requests()

    def request(self) -> AccountRequest:
        labs = []
        for line in self.labs.toPlainText().splitlines():
            lab, _, number = line.partition(":")
            if line.strip():
                labs.append(LabRegistration(lab.strip(), number.strip()))
        e = {name: edit.text().strip() for name, edit in self.edits.items()}
        return AccountRequest(
            first_name=e["first_name"], last_name=e["last_name"], email=e["email"].lower(),
            had_account=self.had_account.isChecked(),
            institutions=tuple(i for i, box in self.institutions.items() if box.isChecked()),
            primary_institution=self.primary.currentData() or "",
            occupation=Profession(self.occupation.currentData()),
            administrative=self.administrative.isChecked(),
            practice_number=e["practice_number"], prescriber_number=e["prescriber_number"],
            lab_registrations=tuple(labs), reference_account=e["reference_account"],
            reference_account_id=e["reference_account_id"], billing=e["billing"],
            comment=self.comment.toPlainText().strip())

    def submit(self) -> None:
        request = self.request()
        self.message.setText("")
        Op(self, lambda: self.ramq.submit_account_request(request)).on_success(
            self._sent).on_failure(self._problems).start()

    def _sent(self, _record: RequestRecord) -> None:
        self.message.setText(self.tr("Request sent. The account takes up to 3 business days; "
                                     "you will see here when the welcome e-mail is sent."))
        self.load()

    def load(self) -> None:
        Op(self, self.ramq.account_requests).on_success(self._loaded).on_failure(
            self._problems).start()

    def _loaded(self, records: list[RequestRecord]) -> None:
        self.records = records
        self._render_requests()

    def _render_requests(self) -> None:
        lines = [self.tr("{name}: {status} (expected by {due})").format(
            name=f"{r.request.get('first_name', '')} {r.request.get('last_name', '')}",
            status=tr_admin(REQUEST_STATES[r.status.value]), due=r.due) for r in self.records]
        self.requests.setText("\n".join(lines))
