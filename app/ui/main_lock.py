"""Locking the main window (idle, or Ctrl+L) and unlocking it with the user's password, checked
below the UI off the GUI thread; wrong passwords wait as the sign-in's do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.ui.op import Op

if TYPE_CHECKING:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QLineEdit, QMenuBar, QStackedWidget

    from app.ui.lock import IdleWatcher, LockPage
    from app.workstation.contracts import Services


class Locking:
    """Mixin of MainWindow (a QMainWindow)."""

    services: Services
    pages: QStackedWidget
    lock_page: LockPage
    idle: IdleWatcher
    search: QLineEdit

    if TYPE_CHECKING:  # QMainWindow's (declared for mypy only: never shadow Qt's method)
        def menuBar(self) -> QMenuBar: ...  # noqa: N802

    def lock(self) -> None:
        if self.pages.currentWidget() is self.lock_page:
            return
        self.idle.timer.stop()
        if self.services.viewer is not None:
            self.services.viewer.lock("idle")
        self.menuBar().setEnabled(False)
        self.pages.setCurrentWidget(self.lock_page)
        self.lock_page.reset()

    def _unlock(self, password: str) -> None:
        session = self.services.session

        def check() -> tuple[bool, float]:  # the wait is enforced below (verify_password)
            ok = session.verify_password(password)
            return ok, 0.0 if ok else session.wait_left()
        owner: QObject = self  # type: ignore[assignment]  # a MainWindow
        Op(owner, check).on_success(lambda done: self._unlocked(*done)).on_failure(
            self._unlock_refused).start()

    def _unlock_refused(self, err: BaseException) -> None:
        if hasattr(err, "wait_s"):  # app.store.throttle.TooManyAttempts: tried too early
            self.lock_page.throttled(err.wait_s)
        else:
            self.lock_page.refused()

    def _unlocked(self, ok: bool, wait_s: float = 0.0) -> None:
        if not ok:
            self.lock_page.refused(wait_s)
            return
        self.menuBar().setEnabled(True)
        self.pages.setCurrentIndex(0)
        self.idle.timer.start()
        self.search.setFocus()

    @property
    def locked(self) -> bool:
        return self.pages.currentWidget() is self.lock_page
