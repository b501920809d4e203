"""Background operations: `Op(parent, fn).on_success(cb).on_failure(cb).start()`.

`fn` runs on a worker thread (the Ops' own thread pool, or an `executor` such as the one that owns
the store's write connection); its result or exception comes back to the GUI thread by a queued
signal. When `fn` takes a `cancel` parameter it receives a `threading.Event` that `Op.cancel()`
sets; `app.core.errors.Cancelled` is never reported as an error. Failures without an
`on_failure` callback are shown over `parent`: a `UserFacingError` with its translated text,
anything else with a generic message; unexpected errors are logged by type and stack only
(their messages could hold patient data).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from app.core.errors import Cancelled, UserFacingError
from app.core.text import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from concurrent.futures import Executor

log = logging.getLogger(__name__)

GENERIC_FAILURE = QT_TRANSLATE_NOOP(
    "op", "Something went wrong. Try again; if it happens again, call technical support.")

_running: set[Op] = set()  # keeps every Op alive until its result is delivered
MAX_WORKERS = 8  # mostly waiting on the network or the store thread, not on the CPU
_workers: QThreadPool | None = None


def worker_pool() -> QThreadPool:
    """The Ops' own pool: Qt's global one has one thread per core, so a long sync round on a
    two-core workstation would make a search wait."""
    global _workers
    if _workers is None:
        _workers = QThreadPool()
        _workers.setMaxThreadCount(MAX_WORKERS)
    return _workers


def user_message(err: BaseException) -> str:
    """What to tell the user about `err`, in the UI's language."""
    if isinstance(err, UserFacingError):
        return err.text.render(QCoreApplication.translate)
    return QCoreApplication.translate("op", GENERIC_FAILURE)


def log_unexpected(err: BaseException) -> None:
    """Type and stack of an unexpected error, never its message (it may hold patient data)."""
    import traceback

    stack = "\n".join(f"  {f.filename}:{f.lineno} in {f.name}"
                      for f in traceback.extract_tb(err.__traceback__))
    log.error("background operation failed: %s.%s\n%s",
              type(err).__module__, type(err).__qualname__, stack)


def _accepts_cancel(fn: Callable[..., object]) -> bool:
    import inspect

    try:
        return "cancel" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class _Job(QRunnable):
    def __init__(self, call: Callable[[], None]):
        super().__init__()
        self._call = call
        self.setAutoDelete(True)

    def run(self) -> None:
        self._call()


class Op(QObject):
    """One background call of `fn`; chain the set-up, then `start()`."""

    _delivered = Signal(bool, object)  # (succeeded, result or exception)

    def __init__(self, parent: QObject | None, fn: Callable[..., Any], *,
                 executor: Executor | None = None):
        super().__init__(None)  # not parented: the parent may close before fn returns
        self._owner = parent
        self._fn = fn
        self._executor = executor
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._cancelled: Callable[[], None] | None = None
        self.cancel_event = threading.Event()
        self.done = False
        self._delivered.connect(self._deliver)

    def on_success(self, cb: Callable[[Any], None]) -> Op:
        self._success = cb
        return self

    def on_failure(self, cb: Callable[[BaseException], None]) -> Op:
        self._failure = cb
        return self

    def on_cancelled(self, cb: Callable[[], None]) -> Op:
        self._cancelled = cb
        return self

    def cancel(self) -> None:
        self.cancel_event.set()

    def start(self) -> Op:
        _running.add(self)
        if self._executor is not None:
            self._executor.submit(self._work)
        else:
            worker_pool().start(_Job(self._work))
        return self

    def _work(self) -> None:
        try:
            fn = self._fn
            result = fn(cancel=self.cancel_event) if _accepts_cancel(fn) else fn()
        except BaseException as err:  # noqa: BLE001 (every failure is delivered)
            self._emit(False, err)
        else:
            self._emit(True, result)

    def _emit(self, ok: bool, value: Any) -> None:
        try:
            self._delivered.emit(ok, value)
        except RuntimeError:  # Qt deleted this Op with its owner meanwhile: nobody to tell
            _running.discard(self)

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: Any) -> None:
        self.done = True
        _running.discard(self)
        if not self._owner_alive():
            return
        if ok:
            if self.cancel_event.is_set() and self._cancelled:
                self._cancelled()
            elif self._success:
                self._success(value)
        elif isinstance(value, Cancelled) or self.cancel_event.is_set():
            if self._cancelled:
                self._cancelled()
        else:
            self._fail(value)

    def _fail(self, err: BaseException) -> None:
        if not isinstance(err, UserFacingError):
            log_unexpected(err)
        if self._failure:
            self._failure(err)
        else:
            show_error(self._owner, err)

    def _owner_alive(self) -> bool:
        if self._owner is None:
            return True
        from shiboken6 import isValid
        return isValid(self._owner)


def show_error(parent: QObject | None, err: BaseException) -> None:
    """A window-modal message over `parent` that does not block the event loop."""
    from PySide6.QtWidgets import QMessageBox, QWidget

    box = QMessageBox(parent if isinstance(parent, QWidget) else None)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("op", "ClinicDesk"))
    box.setText(user_message(err))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
