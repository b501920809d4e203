"""Before quitting or signing out: changes written here that the clinic's server has not
accepted yet are said, and the user chooses to stay (and sync) or to leave them queued."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from app.workstation.contracts import ChartService

CTX = "UnsentChanges"


def unsent_count(charts: ChartService) -> int:
    """How many changes wait (a quick count on the store's thread; 0 when it cannot tell)."""
    count = getattr(charts, "unsent", None)
    if count is None:
        return 0
    try:
        return int(count())
    except Exception:  # noqa: BLE001 — signed out already, store closed: nothing to warn of
        return 0


def may_leave(parent: QWidget, charts: ChartService, leaving: str) -> bool:
    """True to go on (`leaving`: "quit" or "sign_out"); asks when changes are not sent."""
    waiting = unsent_count(charts)
    if not waiting:
        return True
    tr = QCoreApplication.translate
    action = (tr(CTX, "Quit anyway") if leaving == "quit" else tr(CTX, "Sign out anyway"))
    box = QMessageBox(QMessageBox.Icon.Warning, tr(CTX, "Changes not sent"), tr(
        CTX, "{n} change(s) written on this workstation have not reached the clinic's server "
        "yet. They stay queued in this workstation's encrypted store and are sent at the next "
        "connection by this user; until then, colleagues do not see them.").replace(
        "{n}", str(waiting)), QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("unsent_warning")
    stay = box.addButton(tr(CTX, "Stay"), QMessageBox.ButtonRole.RejectRole)
    box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(stay)
    box.exec()
    return box.clickedButton() is not stay
