"""GuiInteraction: worker threads ask the person through dialogs on the GUI thread."""

import threading

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from app.core.errors import Cancelled
from app.ui.interaction import GuiInteraction
from app.ui.pin_dialog import PinDialog


def in_worker(fn):
    outcome = {}

    def run():
        try:
            outcome["value"] = fn()
        except BaseException as err:  # noqa: BLE001
            outcome["error"] = err
    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def modal(qtbot, kind=QDialog):
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind), timeout=5000)
    return QApplication.activeModalWidget()


def test_pin_typed_on_the_gui_reaches_the_worker(qtbot):
    interaction = GuiInteraction()
    thread, outcome = in_worker(lambda: interaction.request_pin(tries_left=2))
    dialog = modal(qtbot, PinDialog)
    assert dialog.warning.text() == "2 attempt(s) left before the key locks."
    dialog.pin.setText("123456")
    dialog.accept()
    thread.join(5)
    assert outcome == {"value": "123456"}


def test_closing_the_dialog_is_a_cancel(qtbot):
    interaction = GuiInteraction()
    thread, outcome = in_worker(lambda: interaction.request_pin())
    modal(qtbot, PinDialog).reject()
    thread.join(5)
    assert isinstance(outcome["error"], Cancelled)


def test_key_prompt_ok_returns_and_cancel_cancels(qtbot):
    from PySide6.QtWidgets import QMessageBox

    interaction = GuiInteraction()
    for button, expected in ((QMessageBox.StandardButton.Ok, None),
                             (QMessageBox.StandardButton.Cancel, Cancelled)):
        thread, outcome = in_worker(lambda: interaction.prompt_insert_key())
        modal(qtbot, QMessageBox).button(button).click()
        thread.join(5)
        if expected is None:
            assert outcome == {"value": None}
        else:
            assert isinstance(outcome["error"], expected)


def test_the_cancel_event_closes_the_dialog_and_stops_the_worker(qtbot):
    interaction, cancel = GuiInteraction(), threading.Event()
    thread, outcome = in_worker(lambda: interaction.prompt_insert_key(cancel))
    modal(qtbot)
    cancel.set()
    thread.join(5)
    assert isinstance(outcome["error"], Cancelled)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)


def test_errors_on_the_gui_thread_come_back_to_the_worker(qtbot):
    interaction = GuiInteraction()
    thread, outcome = in_worker(lambda: interaction.ask(lambda done: 1 / 0))
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)
    assert isinstance(outcome["error"], ZeroDivisionError)


@pytest.mark.parametrize("language", ["fr_CA"])
def test_pin_dialog_in_french(qtbot, french, language):
    dialog = PinDialog(None, None, 2)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Clé d'accès DSQ"
    assert dialog.warning.text() == "Il reste 2 essai(s) avant le blocage de la clé."
    last = PinDialog(None, None, 1)
    qtbot.addWidget(last)
    assert last.warning.text() == "Dernier essai : un autre NIP incorrect bloquera la clé."
