"""Before quitting or signing out: changes written here that the clinic's server has not
accepted yet are said, and the user chooses to stay (and sync) or to leave them queued."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.text import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from app.workstation.contracts import ChartService

CTX = "UnsentChanges"
TITLE = QT_TRANSLATE_NOOP(CTX, "Changes not sent")
SAID = QT_TRANSLATE_NOOP(
    CTX, "{n} change(s) written on this workstation have not reached the clinic's server yet. "
    "They stay queued in this workstation's encrypted store and are sent at the next "
    "connection by this user; until then, colleagues do not see them.")
STAY = QT_TRANSLATE_NOOP(CTX, "Stay")
QUIT = QT_TRANSLATE_NOOP(CTX, "Quit anyway")
SIGN_OUT = QT_TRANSLATE_NOOP(CTX, "Sign out anyway")


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
    """True to go on (`leaving`: "quit" or "sign_out"); asks when changes are not sent. A
    window not on screen has nobody in front of it to ask."""
    if not parent.isVisible():
        return True
    waiting = unsent_count(charts)
    if not waiting:
        return True
    def tr(source: str) -> str:
        return QCoreApplication.translate(CTX, source)
    box = QMessageBox(QMessageBox.Icon.Warning, tr(TITLE), tr(SAID).replace("{n}", str(waiting)),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("unsent_warning")
    action = tr(QUIT if leaving == "quit" else SIGN_OUT)
    stay = box.addButton(tr(STAY), QMessageBox.ButtonRole.RejectRole)
    box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(stay)
    box.exec()
    return box.clickedButton() is not stay
