"""Op: results on the GUI thread, cancellation silent, failures translated or generic + logged."""

import logging
import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.core.errors import Cancelled, UserFacingError
from app.core.text import text
from app.ui.op import GENERIC_FAILURE, Op, user_message


@pytest.fixture
def owner(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_success_is_delivered_on_the_gui_thread(qtbot, owner):
    seen = {}

    def work():
        seen["worker"] = QThread.currentThread()
        return 42

    def done(value):
        seen["value"] = value
        seen["gui"] = QThread.currentThread()

    Op(owner, work).on_success(done).start()
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 42
    assert seen["gui"] is QApplication.instance().thread()
    assert seen["worker"] is not seen["gui"]


def test_cancel_event_is_passed_and_cancelled_is_not_an_error(qtbot, owner):
    started, outcome = threading.Event(), []

    def work(cancel):
        started.set()
        assert cancel.wait(5)
        raise Cancelled()

    op = (Op(owner, work).on_success(lambda v: outcome.append("success"))
          .on_failure(lambda e: outcome.append("failure"))
          .on_cancelled(lambda: outcome.append("cancelled")).start())
    assert started.wait(5)
    op.cancel()
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert outcome == ["cancelled"]
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]


def test_user_facing_error_keeps_its_text(qtbot, owner):
    errors = []
    err = UserFacingError(text("sync", "The central server cannot be reached."))
    Op(owner, lambda: (_ for _ in ()).throw(err)).on_failure(errors.append).start()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors[0] is err
    assert user_message(err) == "The central server cannot be reached."


def test_unexpected_error_is_logged_without_its_message(qtbot, owner, caplog):
    errors = []

    def work():
        raise ValueError("Tremblay Hélène TREH55510112")  # patient data in the message

    with caplog.at_level(logging.ERROR, logger="app.ui.op"):
        Op(owner, work).on_failure(errors.append).start()
        qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    assert user_message(errors[0]) == GENERIC_FAILURE
    assert "ValueError" in caplog.text
    assert "Tremblay" not in caplog.text and "TREH" not in caplog.text


def test_failure_without_handler_shows_a_message_box(qtbot, owner):
    owner.show()
    err = UserFacingError(text("sync", "The central server did not answer in time."))
    op = Op(owner, lambda: (_ for _ in ()).throw(err)).start()
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    assert [b.text() for b in boxes] == ["The central server did not answer in time."]
    boxes[0].close()


def test_closed_owner_gets_no_callback(qtbot):
    widget, release, calls = QWidget(), threading.Event(), []
    op = Op(widget, lambda: release.wait(5)).on_success(calls.append).start()
    widget.deleteLater()
    qtbot.waitUntil(lambda: not _alive(widget), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert calls == []


def test_executor_runs_the_work(qtbot, owner):
    from concurrent.futures import ThreadPoolExecutor

    results = []
    with ThreadPoolExecutor(1, thread_name_prefix="store-writer") as pool:
        Op(owner, lambda: threading.current_thread().name, executor=pool).on_success(
            results.append).start()
        qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results[0].startswith("store-writer")


def _alive(obj) -> bool:
    from shiboken6 import isValid
    return isValid(obj)


def test_long_operations_do_not_hold_up_a_quick_one(qtbot, owner):
    release, done = threading.Event(), []
    for _ in range(3):  # more than the cores of a small workstation
        Op(owner, lambda: release.wait(10)).start()
    Op(owner, lambda: "quick").on_success(done.append).start()
    qtbot.waitUntil(lambda: done == ["quick"], timeout=3000)
    release.set()


def test_work_ending_after_qt_deleted_its_op_raises_nothing(qtbot, owner, monkeypatch):
    """At exit Qt may delete an Op while its work still runs: the worker finds no one to tell
    (before, it raised "Signal source has been deleted" in the pool thread)."""
    import sys

    import shiboken6

    from app.ui.op import worker_pool

    raised: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, err, tb: raised.append(err))
    release = threading.Event()
    op = Op(owner, lambda: release.wait(5)).start()
    shiboken6.delete(op)
    release.set()
    assert worker_pool().waitForDone(5000)
    assert raised == []
