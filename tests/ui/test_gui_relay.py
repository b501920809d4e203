"""app.ui.widgets.on_gui_thread, the Qt adapter of app.core.events: an event emitted on a
worker thread reaches its slot on the GUI thread, and nothing after disconnect."""

import threading

from PySide6.QtCore import QObject

from app.core.events import Event
from app.ui.widgets import on_gui_thread


def test_an_event_from_a_worker_thread_is_heard_on_the_gui_thread(qapp, qtbot):
    owner = QObject()
    seen: list[tuple[int, bool]] = []
    event: Event[int] = Event("numbers")
    stop = event.connect(on_gui_thread(owner, lambda v: seen.append(
        (v, threading.current_thread() is threading.main_thread()))))
    worker = threading.Thread(target=event.emit, args=(7,))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: seen == [(7, True)], timeout=2000)
    stop()
    event.emit(8)
    qtbot.wait(50)
    assert seen == [(7, True)]
