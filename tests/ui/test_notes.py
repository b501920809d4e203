"""The note editor for real: a note written offline (the store and its outbox, one
transaction), shown in the chart at once, on the reference server after the next online sync;
a receptionist has no "New note" action at all."""

import base64

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.core.data_class import DataClass
from server.processes import free_port
from tests.fixtures.ui import type_text
from tests.ui.test_screens import french_texts  # noqa: F401, F811 (fixture)

NOTE = "Suivi : tension artérielle contrôlée.\nRevoir dans 3 mois."


def _my_patient(charts, username: str) -> str:
    for chart in charts:
        patient = next(r for r in chart if r["resourceType"] == "Patient")
        if any(g.get("reference") == f"Practitioner/user-{username}"
               for g in patient.get("generalPractitioner") or ()):
            return patient["id"]
    raise AssertionError("no patient of this physician in the seed")


def _window(qtbot, services, session, settings):
    from app.ui.main_window import MainWindow

    window = MainWindow(services, session, settings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_note_written_offline_is_shown_then_synced(qtbot, services, ui_settings, server,
                                                   seeded_charts):
    patient_id = _my_patient(seeded_charts, "1000001")
    services.session.sign_in(server, "1000001", "demo-medecin-1")
    services.charts.open(patient_id)  # the chart is now cached on this workstation
    services.session.sign_out()

    offline = services.session.sign_in(f"http://127.0.0.1:{free_port()}", "1000001",
                                       "demo-medecin-1")
    assert not offline.online
    window = _window(qtbot, services, offline, ui_settings)
    assert not window.actions_["new_note"].isEnabled()  # no chart open yet
    window.open_chart(patient_id)
    notes = window.chart_view.sections[DataClass.NOTES]
    qtbot.waitUntil(lambda: window.center.currentWidget() is window.chart_view
                    and window.chart_view.chart.complete, timeout=30000)
    window.chart_view.show_data_class(DataClass.NOTES)  # filled when first shown
    rows = notes.topLevelItemCount()
    assert rows > 0
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(window, "note_editor", None) is not None
                    and window.note_editor.isVisible(), timeout=5000)
    editor = window.note_editor
    editor.editor.setPlainText(NOTE)
    from PySide6.QtWidgets import QDialogButtonBox
    qtbot.mouseClick(editor.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: notes.topLevelItemCount() == rows + 1 or editor.message.text()
                    not in ("", "Saving…"), timeout=30000)
    assert editor.message.text() in ("", "Saving…")
    assert notes.topLevelItemCount() == rows + 1
    assert notes.topLevelItem(0).text(1) == "Note de consultation"
    pending = services.session.executor.call(lambda store: store.outbox_batch())
    assert [(e.resource_type, e.method) for e in pending] == [("DocumentReference", "create")]
    assert pending[0].patient_id == patient_id
    assert notes.topLevelItem(0).text(3) == "Not sent"  # marked until the server has it
    assert "1 change(s) in this chart not yet sent" in window.chart_view.status.text()
    notes.itemActivated.emit(notes.topLevelItem(0), 0)  # the note just saved is readable
    reader = next(w for w in notes.children() if w.objectName() == "ReaderDialog")
    assert reader.text.toPlainText() == NOTE and reader.unsent.isVisible()
    assert "Dre Marie Tremblay" in reader.heading.text()
    reader.close()
    assert _answer_unsent(qtbot, window.close, "Stay") == "1"
    assert window.isVisible()  # stayed: nothing lost, nothing closed
    assert _answer_unsent(qtbot, window.close, "Quit anyway") == "1"
    assert not window.isVisible()
    services.session.sign_out()

    online = services.session.sign_in(server, "1000001", "demo-medecin-1")
    assert online.online
    services.sync.sync_now()
    assert services.session.executor.call(lambda store: store.outbox_batch()) == []
    found = services.session.client.get(
        "DocumentReference", params={"subject": f"Patient/{patient_id}", "_count": "200"})
    bodies = [base64.b64decode(a["attachment"]["data"]).decode()
              for e in found.get("entry") or ()
              for a in e["resource"].get("content") or () if a["attachment"].get("data")]
    assert bodies.count(NOTE) == 1


def _answer_unsent(qtbot, leave, button: str) -> str:
    """Call `leave` (quit or sign out), answer the unsent-changes warning with `button`;
    the number of changes it said (or "" when no warning came)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    said: list[str] = []

    def answer():
        box = next((w for w in QApplication.topLevelWidgets()
                    if w.objectName() == "unsent_warning" and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(50, answer)
            return
        said.append(box.text().split(" ", 1)[0])
        next(b for b in box.buttons() if b.text() == button).click()
    QTimer.singleShot(0, answer)
    leave()
    return said[0] if said else ""


def _other_patient(charts, username: str) -> str:
    for chart in charts:
        patient = next(r for r in chart if r["resourceType"] == "Patient")
        refs = {g.get("reference") for g in patient.get("generalPractitioner") or ()}
        if f"Practitioner/user-{username}" not in refs and any(
                str(r).startswith("Practitioner/user-") for r in refs):
            return patient["id"]
    raise AssertionError("no patient of another physician in the seed")


def test_editor_says_whose_chart_and_leaves_the_banner_in_sight(qtbot, services, ui_settings,
                                                                 server, seeded_charts):
    patient_id = _my_patient(seeded_charts, "1000001")
    session = services.session.sign_in(server, "1000001", "demo-medecin-1")
    window = _window(qtbot, services, session, ui_settings)
    window.resize(1366, 768)
    window.open_chart(patient_id)
    qtbot.waitUntil(lambda: window.actions_["new_note"].isEnabled(), timeout=30000)
    window.actions_["new_note"].trigger()
    qtbot.waitUntil(lambda: getattr(window, "note_editor", None) is not None
                    and window.note_editor.isVisible(), timeout=5000)
    editor, banner = window.note_editor, window.chart_view.banner
    patient = window.chart_view.chart.patient
    assert f"{patient.family.upper()}, {patient.given}" in editor.whose_label.text()
    assert patient.nam in editor.whose_label.text() and patient.nam in editor.windowTitle()
    banner_bottom = banner.mapToGlobal(banner.rect().bottomLeft()).y()
    assert editor.frameGeometry().top() >= banner_bottom  # the header is not covered
    editor.reject()
    window.close()


def test_extern_refused_before_typing_on_another_physicians_patient(qtbot, services, ui_settings,
                                                            server, seeded_charts):
    patient_id = _other_patient(seeded_charts, "1000001")  # the extern's mandate is 1000001's
    session = services.session.sign_in(server, "1000012", "demo-externe")
    window = _window(qtbot, services, session, ui_settings)
    window.open_chart(patient_id)
    qtbot.waitUntil(lambda: window.chart_view.chart is not None
                    and window.chart_view.chart.complete, timeout=30000)
    assert DataClass.NOTES not in window.chart_view.chart.writable
    for data_class, page in window.chart_view.pages.items():  # withheld, never shown empty
        assert page.currentWidget() is page.notice, data_class
        assert "mandate" in page.notice.why.text() and page.notice.glass.isHidden()
    window.actions_["new_note"].trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "note_refused") is not None,
                    timeout=5000)
    assert window.note_editor is None  # no editor to type in
    assert "may not write notes" in window.findChild(QMessageBox, "note_refused").text()
    window.findChild(QMessageBox, "note_refused").close()
    window.close()


def test_receptionist_has_no_new_note_action(qtbot, services, ui_settings, server):
    session = services.session.sign_in(server, "1000009", "demo-reception")
    window = _window(qtbot, services, session, ui_settings)
    assert "new_note" not in window.actions_
    texts = {a.text() for m in window.menus.values() for a in m.actions()}
    assert "New note…" not in texts and texts
    window.close()


class _RefusingNotes:
    """Narrow fake: the real service's refusal of an empty note, without a store."""

    def may_write(self, profile):
        return True

    def write(self, patient_id, body):
        from app.core.errors import UserFacingError
        from app.core.text import text
        from app.workstation.notes import CTX, EMPTY

        raise UserFacingError(text(CTX, EMPTY))


def test_note_editor_in_french_with_screenshot(qtbot, french, french_texts,  # noqa: F811
                                               tmp_path):
    from PySide6.QtWidgets import QDialogButtonBox

    from app.ui.note_editor import NoteEditor
    from tests.fixtures.ui import not_translated, visible_texts

    editor = NoteEditor(_RefusingNotes(), "p1")
    qtbot.addWidget(editor)
    editor.show()
    qtbot.mouseClick(editor.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.message.text() == "La note est vide.", timeout=5000)
    assert editor.windowTitle() == "Nouvelle note"
    assert not_translated(visible_texts(editor), french_texts) == []
    shot = tmp_path / "note_editor_fr.png"
    assert editor.grab().save(str(shot))
    image = editor.grab().toImage()
    assert len({image.pixel(x, y) for x in range(0, image.width(), 7)
                for y in range(0, image.height(), 7)}) > 2


def test_draft_survives_a_crash_and_comes_back_with_the_chart(qtbot, services, ui_settings,
                                                              server, seeded_charts):
    patient_id = _my_patient(seeded_charts, "1000001")
    session = services.session.sign_in(server, "1000001", "demo-medecin-1")
    window = _window(qtbot, services, session, ui_settings)
    window.open_chart(patient_id)
    qtbot.waitUntil(lambda: window.actions_["new_note"].isEnabled()
                    and window.chart_view.chart.complete, timeout=30000)
    labs = window.chart_view.labs  # the real chart's results, grouped by test
    assert labs.tests.topLevelItemCount() == 0  # not filled before it is shown
    window.chart_view.show_data_class(DataClass.LABS)
    assert labs.tests.topLevelItemCount() > 0 and labs.trend.trend is not None
    window.actions_["new_note"].trigger()
    qtbot.waitUntil(lambda: getattr(window, "note_editor", None) is not None, timeout=5000)
    type_text(window.note_editor.editor, "Brouillon : début d’examen")
    qtbot.waitUntil(lambda: services.notes.draft(patient_id) == "Brouillon : début d’examen",
                    timeout=10000)
    # The crash: nothing is saved or closed properly; the store is closed under the window.
    window.note_editor.hide()
    window.hide()
    services.session.sign_out()

    session = services.session.sign_in(server, "1000001", "demo-medecin-1")
    window = _window(qtbot, services, session, ui_settings)
    window.open_chart(patient_id)
    qtbot.waitUntil(lambda: getattr(window, "note_editor", None) is not None
                    and window.note_editor.isVisible(), timeout=30000)
    assert window.note_editor.editor.toPlainText() == "Brouillon : début d’examen"
    window.note_editor.editor.appendPlainText("Fin.")
    window.note_editor.save()
    notes = window.chart_view.sections[DataClass.NOTES]
    qtbot.waitUntil(lambda: not window.note_editor.isVisible(), timeout=30000)
    assert notes.topLevelItem(0).text(1) == "Note de consultation"
    assert services.notes.draft(patient_id) is None
    assert _answer_unsent(qtbot, window.close, "Quit anyway") == "1"
