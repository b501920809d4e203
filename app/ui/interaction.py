"""The UI side of ARCHITECTURE rule 3: device and QHR code, running on a worker thread, asks
the person through a plain object (`request_pin`, `prompt_insert_key`) and takes a cancel event;
this implementation opens a window-modal dialog on the GUI thread (no nested event loop) and
blocks only the calling worker until the answer, or the cancel event, comes.

`ask(start)` is the general tool: `start(done)` runs on the GUI thread and calls `done(value)`
(or `done(exception)`) when it has the answer. Closing a dialog, or the cancel event, raises
app.core.errors.Cancelled in the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from app.core.errors import Cancelled
from app.core.text import Text

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

POLL_S = 0.05  # how often a waiting worker looks at its cancel event
Start = Callable[[Callable[[Any], None]], Any]


class _Call:
    def __init__(self, start: Start):
        self.start, self.done = start, threading.Event()
        self.value: Any = None
        self.widget = None  # the dialog, closed when the worker gives up

    def finish(self, value: Any) -> None:
        if not self.done.is_set():
            self.value = value
            self.done.set()


class GuiInteraction(QObject):
    _request = Signal(object)
    _abort = Signal(object)

    def __init__(self, parent_window: QObject | None = None):
        super().__init__(None)
        self.window = parent_window
        app = QCoreApplication.instance()
        assert app is not None, "the application runs"
        self.moveToThread(app.thread())
        self._request.connect(self._run)
        self._abort.connect(self._close)

    def ask(self, start: Start, cancel: threading.Event | None = None) -> Any:
        """From a worker thread only (the GUI thread would wait on itself)."""
        call = _Call(start)
        self._request.emit(call)
        while not call.done.wait(POLL_S):
            if cancel is not None and cancel.is_set():
                self._abort.emit(call)
                raise Cancelled()
        if isinstance(call.value, BaseException):
            raise call.value
        return call.value

    @Slot(object)
    def _run(self, call: _Call) -> None:
        try:
            call.widget = call.start(call.finish)
        except BaseException as err:  # noqa: BLE001 (handed to the worker)
            call.finish(err)

    @Slot(object)
    def _close(self, call: _Call) -> None:
        call.finish(Cancelled())
        if call.widget is not None:
            call.widget.reject()

    # -- what device and QHR code asks -----------------------------------------------------
    def request_pin(self, reason: Text | None = None, tries_left: int | None = None,
                    cancel: threading.Event | None = None) -> str:
        """The PIN typed by the person; Cancelled when they close the dialog."""
        from app.ui.pin_dialog import PinDialog

        def start(done: Callable[[Any], None]) -> QWidget:
            dialog = PinDialog(self._parent(), reason, tries_left)
            dialog.answered.connect(lambda pin: done(pin if pin else Cancelled()))
            dialog.open()
            return dialog
        pin: str = self.ask(start, cancel)
        return pin

    def prompt_insert_key(self, cancel: threading.Event | None = None) -> None:
        """Ask to plug the key in; returns when they confirm, Cancelled when they give up."""
        from app.ui.pin_dialog import key_prompt

        def start(done: Callable[[Any], None]) -> QWidget:
            from PySide6.QtWidgets import QMessageBox

            box = key_prompt(self._parent())
            ok = box.button(QMessageBox.StandardButton.Ok)
            box.finished.connect(
                lambda _result: done(None if box.clickedButton() is ok else Cancelled()))
            box.open()
            return box
        self.ask(start, cancel)

    def _parent(self) -> QWidget | None:
        from PySide6.QtWidgets import QWidget

        return self.window if isinstance(self.window, QWidget) else None
