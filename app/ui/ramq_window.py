"""The RAMQ window: the front-desk panel for those whose role reads RAMQ registration, and the
administrator's forms for an authorised administrator; `ramq_window(services, profile)` gives
None when there is nothing this user may see here."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFrame, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from app.core.access import role_classes
from app.core.account_request import may_request
from app.core.data_class import DataClass
from app.core.profiles import UserProfile
from app.ui.ramq_admin import ImportConfigForm, admin_screens
from app.ui.ramq_panel import RamqPanel
from app.ui.ramq_requests import AccountRequestForm
from app.ui.widgets import Retranslatable
from app.workstation.contracts import RamqDesk


class RamqWindow(Retranslatable, QDialog):
    def __init__(self, ramq: RamqDesk, profile: UserProfile, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ramq_window")
        self.tabs = QTabWidget(self)
        QVBoxLayout(self).addWidget(self.tabs)
        self.desk = RamqPanel(ramq, self) if DataClass.REGISTRATION in role_classes(profile) \
            else None
        if self.desk is not None:
            self.tabs.addTab(self.desk, "")
        self.forms = admin_screens(ramq, profile, self)
        for form in self.forms:  # scrolled: the window fits a 1366×768 screen
            area = QScrollArea(self)
            area.setWidget(form)
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            self.tabs.addTab(area, "")
            form.load()
        self.retranslate()
        fit_to_screen(self)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("RAMQ services"))
        names = {RamqPanel: self.tr("Family physician and insurance"),
                 ImportConfigForm: self.tr("Registration import"),
                 AccountRequestForm: self.tr("Account requests")}
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            shown = page.widget() if isinstance(page, QScrollArea) else page
            self.tabs.setTabText(i, names[type(shown)])


def fit_to_screen(dialog: QWidget) -> None:
    """Its natural size, but never taller or wider than the screen's free area."""
    screen = dialog.screen()
    free = screen.availableGeometry()
    hint = dialog.sizeHint()
    dialog.resize(min(hint.width() + 40, free.width() - 40),
                  min(hint.height() + 40, free.height() - 60))


def offered(ramq: RamqDesk | None, profile: UserProfile) -> bool:
    """Whether this user has anything in the RAMQ window (the menu entry is hidden otherwise)."""
    return ramq is not None and (DataClass.REGISTRATION in role_classes(profile)
                                 or may_request(profile))


def ramq_window(ramq: RamqDesk | None, profile: UserProfile,
                parent: QWidget | None = None) -> RamqWindow | None:
    if ramq is None or not offered(ramq, profile):
        return None
    window = RamqWindow(ramq, profile, parent)
    return window if window.tabs.count() else None
