"""The administrator's RAMQ forms: the registration import configuration (every item of seed
000; passwords typed, sent, never shown again; the last import's status) here, and account
requests in app.ui.ramq_requests. Built only for an authorised administrator (`admin_screens`);
the service and the server refuse everyone else anyway."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.account_request import may_request
from app.core.profiles import UserProfile
from app.core.ramq import ImportConfig, ImportStatus
from app.core.text import QT_TRANSLATE_NOOP
from app.ui.op import Op, user_message
from app.ui.widgets import Retranslatable, named
from app.workstation.contracts import RamqDesk

if TYPE_CHECKING:
    from app.workstation.contracts import ConfigView

STATES = {
    "never": QT_TRANSLATE_NOOP("RamqAdmin", "No import yet."),
    "ok": QT_TRANSLATE_NOOP("RamqAdmin", "Last import succeeded."),
    "ok-second-aip": QT_TRANSLATE_NOOP(
        "RamqAdmin", "Last import succeeded with the second AIP identifier: the first one fails."),
    "credentials-invalid": QT_TRANSLATE_NOOP(
        "RamqAdmin", "Imports stopped: the access codes are refused ({credential})."),
    "credentials-expired": QT_TRANSLATE_NOOP(
        "RamqAdmin", "Imports stopped: the access codes have expired ({credential})."),
    "ce-owner-left": QT_TRANSLATE_NOOP(
        "RamqAdmin", "Imports stopped: the CE identifier's owner has left; enter the new "
        "authorised CE identifier."),
    "failed": QT_TRANSLATE_NOOP("RamqAdmin", "The last import failed."),
}
CONFIG_FIELDS = ("establishment_name", "fmg_reference", "aip1_code", "aip1_password",
                 "aip2_code", "aip2_password", "place_of_follow_up", "ce_identifier",
                 "ce_owner_name", "ce_password")
PASSWORD_FIELDS = ("aip1_password", "aip2_password", "ce_password")


def local_time(stamp: str) -> str:
    """An ISO instant (UTC from the server) in this workstation's time, 2026-12-07 09:05."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return (moment.astimezone() if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M")


def tr_admin(source: str) -> str:
    return QCoreApplication.translate("RamqAdmin", source)


class ProblemForm(Retranslatable, QWidget):
    """A form with a problem list under it, each problem also shown under its field (the field
    marked `invalid`, the first one focused)."""

    message: QLabel
    edits: dict[str, QLineEdit]

    def load(self) -> None:
        """Fill the form from the server (the window calls it once, after building it)."""

    def _problems(self, err: BaseException) -> None:
        problems = getattr(err, "problems", None)
        self._mark_fields(problems or {})
        if problems:
            lines = [t.render(QCoreApplication.translate) for t in problems.values()]
            self.message.setText("\n".join(f"• {line}" for line in lines))
        else:
            self.message.setText(user_message(err))
        self.message.setProperty("kind", "error")

    def _mark_fields(self, problems: dict) -> None:
        """Each field's problem in a line under it; the fields without one unmarked."""
        errors: dict[str, QLabel] = self.__dict__.setdefault("field_errors", {})
        first = None
        for name, edit in getattr(self, "edits", {}).items():
            problem = problems.get(name)
            shown = problem.render(QCoreApplication.translate) if problem else ""
            edit.setProperty("invalid", bool(shown))
            edit.style().polish(edit)
            edit.setToolTip(shown)
            if shown and name not in errors:
                errors[name] = self._error_row(edit)
            if name in errors:
                errors[name].setText(shown)
                errors[name].setVisible(bool(shown))
            first = first or (edit if shown else None)
        if first is not None:
            first.setFocus()

    def _error_row(self, edit: QLineEdit) -> QLabel:
        label = named(QLabel(self), f"{edit.objectName()}_error")
        label.setWordWrap(True)
        label.setProperty("kind", "error")
        for form in self.findChildren(QFormLayout):
            row = form.getWidgetPosition(edit)[0]  # type: ignore[index]  # (row, role)
            if row >= 0:
                form.insertRow(row + 1, "", label)
                break
        return label


class ImportConfigForm(ProblemForm):
    def __init__(self, ramq: RamqDesk, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ramq_config_form")
        self.ramq = ramq
        self.configured = False
        self.status: ImportStatus | None = None
        box = QVBoxLayout(self)
        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        self.edits: dict[str, QLineEdit] = {}
        self.kind = named(QComboBox(self), "import_type")
        self.kind_label = QLabel(self)
        form.addRow(self.kind_label, self.kind)
        for name in CONFIG_FIELDS:
            self.labels[name] = QLabel(self)
            self.edits[name] = named(QLineEdit(self), name)
            if name in PASSWORD_FIELDS:
                self.edits[name].setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(self.labels[name], self.edits[name])
        box.addLayout(form)
        self.save = named(QPushButton(self), "save_config")
        self.run = named(QPushButton(self), "run_import")
        self.state = named(QLabel(self), "import_status")
        self.state.setWordWrap(True)
        self.message = named(QLabel(self), "form_message")
        self.message.setWordWrap(True)
        for w in (self.save, self.run, self.state, self.message):
            box.addWidget(w)
        box.addStretch(1)
        self.save.clicked.connect(self.submit)
        self.run.clicked.connect(self.import_now)
        self.retranslate()

    def retranslate(self) -> None:
        names = {
            "establishment_name": self.tr("Full name of the establishment"),
            "fmg_reference": self.tr("FMG reference number (1XXX)"),
            "aip1_code": self.tr("AIP access code (first identifier)"),
            "aip1_password": self.tr("Password of the first AIP code"),
            "aip2_code": self.tr("AIP access code (second identifier)"),
            "aip2_password": self.tr("Password of the second AIP code"),
            "place_of_follow_up": self.tr("RAMQ place-of-follow-up number (5XXXX or 6XXXX)"),
            "ce_identifier": self.tr("CE identifier (or IP identifier, solo physician)"),
            "ce_owner_name": self.tr("Full name of the CE identifier's owner"),
            "ce_password": self.tr("CE identifier password"),
        }
        for name, text in names.items():
            self.labels[name].setText(text)
        self.kind_label.setText(self.tr("Import type (one per institution)"))
        current = self.kind.currentIndex()
        self.kind.clear()
        self.kind.addItem(self.tr("FMG"), "fmg")
        self.kind.addItem(self.tr("Non-FMG"), "non-fmg")
        self.kind.setCurrentIndex(max(current, 0))
        hint = self.tr("unchanged (never shown again)") if self.configured else ""
        for name in PASSWORD_FIELDS:
            self.edits[name].setPlaceholderText(hint)
        self.save.setText(self.tr("Save the configuration"))
        self.run.setText(self.tr("Import now"))
        self._render_status()

    def load(self) -> None:
        Op(self, self.ramq.import_config).on_success(self._loaded).on_failure(
            self._problems).start()

    def _loaded(self, view: ConfigView) -> None:
        self.configured = view.config is not None
        for name, value in (view.config or {}).items():
            if name in self.edits:
                self.edits[name].setText(value)
        if view.config:
            self.kind.setCurrentIndex(max(self.kind.findData(view.config["import_type"]), 0))
        self.status = view.status
        self.retranslate()

    def config(self) -> ImportConfig:
        data = {name: edit.text() for name, edit in self.edits.items()}
        return ImportConfig.from_json({**data, "import_type": self.kind.currentData()})

    def submit(self) -> None:
        config, first = self.config(), not self.configured
        self.message.setText("")
        Op(self, lambda: self.ramq.save_import_config(config, first)).on_success(
            self._saved).on_failure(self._problems).start()

    def _saved(self, view: ConfigView) -> None:
        for name in PASSWORD_FIELDS:
            self.edits[name].clear()  # sent to the server; never shown again
        self._loaded(view)
        self.message.setText(self.tr("Configuration saved."))
        self.message.setProperty("kind", "info")

    def import_now(self) -> None:
        Op(self, self.ramq.run_import).on_success(self._imported).on_failure(
            self._problems).start()

    def _imported(self, status: ImportStatus) -> None:
        self.status = status
        self._render_status()

    def _render_status(self) -> None:
        status = self.status
        if status is None:
            self.state.setText("")
            return
        label = self.labels.get(status.credential or "")
        credential = label.text() if label is not None else (status.credential or "")
        text = tr_admin(STATES[status.state.value]).format(credential=credential)
        if status.at:
            text += " " + self.tr("Last attempt: {at}.").format(at=local_time(status.at))
        if status.since:
            text += " " + self.tr("Failing since {since}.").format(since=local_time(status.since))
        self.state.setText(text)


def admin_screens(ramq: RamqDesk | None, profile: UserProfile,
                  parent: QWidget | None = None) -> list[ProblemForm]:
    """The administrator's forms, or nothing for anyone else."""
    if ramq is None or not may_request(profile):
        return []
    from app.ui.ramq_requests import AccountRequestForm
    return [ImportConfigForm(ramq, parent), AccountRequestForm(ramq, profile, parent)]
