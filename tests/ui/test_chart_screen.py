"""The chart screen over a real SQLCipher store and the real ChartReader (access policy,
access log): the banner, the face sheet, the reader, imaging under Imaging, withheld sections as
notices with break-the-glass (reason logged, time-limited), unsent notes marked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.data_class import DataClass
from app.ui.chart_view import ChartView, EntryList
from app.workstation.contracts import AllergyState
from tests.fixtures.ui import PHYSICIAN
from tests.ui import chart_data
from tests.ui.chart_data import NOTE_TEXT, PATIENT_ID

REASON = "Patient inconscient à l'urgence, allergies à vérifier avant l'intubation"
CLINICAL_SECTIONS = (DataClass.PROBLEMS, DataClass.ALLERGIES, DataClass.MEDICATIONS,
                     DataClass.LABS, DataClass.NOTES, DataClass.DOCUMENTS)


def _view(qtbot, reader, chart):
    view = ChartView(reader.readable(PHYSICIAN), charts=reader)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show_chart(chart)
    view.show()
    return view


def _log(reader):
    return reader.session.executor.call(lambda store: store.access_entries())


def test_banner_says_who_the_patient_is(qtbot, cached):
    reader = cached(chart_data.chart(PHYSICIAN.username))
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    fields = {k: label.text() for k, label in view.banner.fields.items()}
    assert "CÔTÉ, Hélène" in fields["name"]
    assert fields["sex_age"].startswith("Female, ") and " years" in fields["sex_age"]
    assert fields["born"] == "Born 1928-03-14"  # unambiguous in both languages
    assert fields["nam"] == "NAM COTH28531499" and fields["chart_number"] == "Chart 100042"
    assert fields["physician"] == f"Family physician: {PHYSICIAN.display_name}"
    assert "SEVERE ALLERGIES" in view.banner.allergy.text()
    assert "Arachides (anaphylaxie)" in view.banner.allergy.text()


def test_banner_in_french_keeps_the_iso_birth_date(qtbot, cached, french):
    reader = cached(chart_data.chart(PHYSICIAN.username, gender="male"))
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    assert view.banner.fields["born"].text() == "Né(e) le 1928-03-14"
    assert view.banner.fields["sex_age"].text().startswith("Homme, ")
    assert "ALLERGIES GRAVES" in view.banner.allergy.text()


@pytest.mark.parametrize("case, state, said", [
    ("none recorded", AllergyState.NOT_RECORDED, "Allergies not recorded"),
    ("no known allergy", AllergyState.NONE_KNOWN, "No known allergies"),
    ("withheld", AllergyState.WITHHELD, "Allergies withheld from you (restricted)"),
])
def test_allergy_alert_never_confuses_none_with_unknown(qtbot, cached, case, state, said):
    resources = chart_data.chart(PHYSICIAN.username, allergies=False)
    if case == "no known allergy":
        resources.append({"resourceType": "AllergyIntolerance", "id": "nka",
                          "patient": {"reference": f"Patient/{PATIENT_ID}"},
                          "code": {"coding": [{"system": "http://snomed.info/sct",
                                               "code": "716186003"}],
                                   "text": "Aucune allergie connue"}})
    if case == "withheld":
        resources.append(chart_data.restriction(DataClass.ALLERGIES))
    reader = cached(resources)
    chart = reader.open(PATIENT_ID)
    assert chart.allergy_alert.state is state
    view = _view(qtbot, reader, chart)
    assert said in view.banner.allergy.text()


def test_face_sheet_first_with_problems_medications_results_and_visits(qtbot, cached):
    reader = cached(chart_data.chart(PHYSICIAN.username))
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    assert view.stack.currentWidget() is view.summary
    lists = view.summary.lists

    def texts(key):
        tree = lists[key]
        return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert texts("problems") == ["Hypertension"]  # the resolved sprain is not active
    assert texts("current_medications") == ["Ramipril 5 mg"]
    assert texts("stopped_medications") == ["Amlodipine 5 mg"]
    results = {lists["results"].topLevelItem(i).text(0): lists["results"].topLevelItem(i).text(2)
               for i in range(lists["results"].topLevelItemCount())}
    assert results["Potassium"] == "H" and results[chart_data.LONG_TEST] == "L"
    last, coming = (lists["visits"].topLevelItem(i) for i in range(2))
    assert last.text(1) == "2025-02-03 — Encounter — Suivi HTA"  # one wrapped column
    assert "Suivi" in coming.text(1)  # the appointment next week


def _reader_of(qtbot, view, section: EntryList, row: int, by_key: bool):
    item = section.topLevelItem(row)
    section.setCurrentItem(item)
    if by_key:
        section.setFocus()
        qtbot.keyClick(section, Qt.Key.Key_Return)
    else:
        section.itemActivated.emit(item, 0)
    dialog = next(w for w in section.children() if w.objectName() == "ReaderDialog")
    return dialog


@pytest.mark.parametrize("by_key", [False, True], ids=["double-click", "enter"])
def test_a_note_opens_in_the_reader_with_author_date_type_and_text(qtbot, cached, by_key):
    reader = cached(chart_data.chart(PHYSICIAN.username))
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    view.show_data_class(DataClass.NOTES)
    notes = view.sections[DataClass.NOTES]
    row = next(i for i, e in enumerate(notes.entries) if e.body)
    dialog = _reader_of(qtbot, view, notes, row, by_key)
    assert dialog.text.toPlainText() == NOTE_TEXT
    heading = dialog.heading.text()
    assert "Note de consultation" in heading and "2025-02-03" in heading
    assert PHYSICIAN.display_name in heading


def test_documents_listed_and_imaging_under_imaging_not_labs(qtbot, cached):
    reader = cached(chart_data.chart(PHYSICIAN.username))
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    view.show_data_class(DataClass.DOCUMENTS)
    documents = view.sections[DataClass.DOCUMENTS]
    assert [e.body for e in documents.entries] == ["Congé."]
    dialog = _reader_of(qtbot, view, documents, 0, False)
    assert dialog.text.toPlainText() == "Congé."
    view.nav.setCurrentRow(view._keys.index("imaging"))
    assert view.imaging.topLevelItem(0).text(1) == "Radiographie pulmonaire"
    view.show_data_class(DataClass.LABS)
    others = [view.labs.others.topLevelItem(i).text(1)
              for i in range(view.labs.others.topLevelItemCount())]
    assert "Radiographie pulmonaire" not in others


@pytest.mark.parametrize("section", CLINICAL_SECTIONS, ids=lambda c: c.value)
def test_refused_section_shows_notice_and_break_glass_never_an_empty_table(qtbot, cached,
                                                                           section):
    reader = cached([*chart_data.chart(PHYSICIAN.username), chart_data.refusal()])
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    view.show_data_class(section)
    page = view.pages[section]
    assert page.currentWidget() is page.notice and page.notice.isVisible()
    assert "withheld" in page.notice.title.text()
    assert "refused access" in page.notice.why.text()
    assert page.notice.glass.isVisible()


def test_break_the_glass_opens_logs_the_reason_and_closes_in_time(qtbot, cached):
    reader = cached([*chart_data.chart(PHYSICIAN.username), chart_data.refusal()])
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    view.show_data_class(DataClass.ALLERGIES)
    notice = view.pages[DataClass.ALLERGIES].notice
    notice.glass.click()
    dialog = next(w for w in notice.children() if w.objectName() == "BreakGlassDialog")
    ok = dialog.buttons.buttons()[0]
    dialog.text.setPlainText("urgence")
    assert not ok.isEnabled()  # a word is not a reason
    dialog.text.setPlainText(REASON)
    assert ok.isEnabled()
    ok.click()
    qtbot.waitUntil(lambda: view.chart.glass_broken_until is not None, timeout=5000)
    allergies = view.sections[DataClass.ALLERGIES]
    assert view.pages[DataClass.ALLERGIES].currentWidget() is allergies
    assert allergies.topLevelItem(0).text(1) == "Arachides"
    assert "Glass broken" in view.status.text()
    glass = [e for e in _log(reader) if e.action == "break-glass"]
    assert {e.information for e in glass} >= {c.value for c in CLINICAL_SECTIONS}
    assert {e.reason for e in glass} == {REASON}
    view.close_glass()  # the time is up (the timer's slot)
    qtbot.waitUntil(lambda: view.chart.glass_broken_until is None, timeout=5000)
    assert view.pages[DataClass.ALLERGIES].currentWidget() is view.pages[
        DataClass.ALLERGIES].notice
    assert view.glass_timer.isActive() is False


def test_break_glass_timer_is_armed_for_the_policy_minutes(qtbot, cached):
    from app.workstation.contracts import BREAK_GLASS_MINUTES

    reader = cached([*chart_data.chart(PHYSICIAN.username), chart_data.refusal()])
    view = _view(qtbot, reader, reader.break_glass(PATIENT_ID, REASON))
    assert view.glass_timer.isActive()
    assert abs(view.glass_timer.remainingTime() - BREAK_GLASS_MINUTES * 60_000) < 5_000


def test_no_mandate_is_withheld_without_break_glass(qtbot, cached):
    from app.core.profiles import Profession, UserProfile

    other = UserProfile("1000077", "Dr Autre", Profession.PHYSICIAN)
    reader = cached(chart_data.chart(PHYSICIAN.username), profile=other)
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    for section in CLINICAL_SECTIONS:
        page = view.pages[section]
        assert page.currentWidget() is page.notice
        assert "mandate" in page.notice.why.text()
        assert page.notice.glass.isHidden()  # the glass is for the patient's restriction only
    with pytest.raises(Exception, match="glass"):
        reader.break_glass(PATIENT_ID, REASON)


def _elided_items(tree, column: int = 0) -> list[str]:
    """Rows whose `column` is not shown whole: cut, elided, scrolled out of sight, or
    wrapped into more lines than its row shows (a name may wrap on words, never be cut)."""
    from PySide6.QtCore import QRect

    left = tree.header().sectionViewportPosition(column)
    right = left + tree.columnWidth(column)
    room = tree.columnWidth(column) - 6  # the delegate's margins
    metrics = tree.fontMetrics()
    bad = []
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        text = item.text(column)
        words_fit = all(metrics.horizontalAdvance(w) <= room for w in text.split())
        lines = metrics.boundingRect(QRect(0, 0, max(room, 1), 10_000),
                                     Qt.TextFlag.TextWordWrap, text).height()
        one_line = metrics.horizontalAdvance(text) <= room
        if left < 0 or right > tree.viewport().width() or not words_fit or (
                not one_line and not tree.wordWrap()) or lines > tree.visualItemRect(
                item).height():
            bad.append(text)
    return bad


def _cut_labels(labels) -> list[str]:
    """Word-wrapped labels too narrow for their longest word or too short for their lines."""
    return [label.objectName() for label in labels
            if label.width() < label.minimumSizeHint().width()
            or label.height() < label.heightForWidth(label.width())]


def _drag(qtbot, splitter, index: int, x: int) -> None:
    """Drag the splitter's handle `index` to `x` (in the splitter), as a person does."""
    from PySide6.QtCore import QPoint

    handle = splitter.handle(index)
    start = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    target = handle.mapFrom(splitter, QPoint(x, handle.y() + start.y()))
    qtbot.mouseMove(handle, target)
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=target)


@pytest.mark.parametrize("language", ["en", "fr_CA"])
@pytest.mark.parametrize("qhr_pane", ["as_opened", "dragged_to_half"])
def test_nothing_elided_at_1366x768(qtbot, cached, fake_services, ui_settings, qm_files,
                                    language, qhr_pane):
    from app.ui.i18n import set_language
    from app.ui.main_window import MainWindow
    from app.workstation.contracts import SignedIn

    set_language(language)
    try:
        fake_services.charts = reader = cached(chart_data.chart(PHYSICIAN.username))
        window = MainWindow(fake_services, SignedIn(PHYSICIAN, "https://emr.test", True),
                            ui_settings)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        window.open_chart(PATIENT_ID)
        qtbot.waitUntil(lambda: window.chart_view.chart is not None
                        and window.chart_view.chart.complete, timeout=10000)
        view = window.chart_view
        face = view.summary.lists  # the face sheet first: every column of every row seen
        for key, tree in face.items():
            assert tree.header().length() <= tree.viewport().width(), key
            assert _elided_items(tree, 1 if key == "visits" else 0) == [], key
        assert face["results"].topLevelItemCount() == 2
        view.show_data_class(DataClass.LABS)
        if qhr_pane == "dragged_to_half":  # the QHR pane pulled to the window's middle
            _drag(qtbot, window.work, 2, window.work.width() // 2)
            assert window.work.sizes()[2] > 300  # the pane did widen
        qtbot.wait(50)
        assert view.labs.tests.topLevelItemCount() == 2
        assert _elided_items(view.labs.tests) == []
        assert _cut_labels([*view.banner.fields.values(), view.banner.allergy]) == []
        assert reader is fake_services.charts
    finally:
        set_language("en")


def test_a_role_without_clinical_access_is_told_so_never_none_recorded(qtbot, cached):
    from tests.fixtures.ui import RECEPTIONIST

    reader = cached(chart_data.chart(PHYSICIAN.username), profile=RECEPTIONIST)
    view = ChartView(reader.readable(RECEPTIONIST), charts=reader)
    qtbot.addWidget(view)
    view.show_chart(reader.open(PATIENT_ID))
    face = view.summary
    assert face.role_notice.text() == "Clinical information is not available to your role."
    assert not face.role_notice.isHidden()
    for key in ("problems", "allergies", "current_medications", "stopped_medications",
                "vitals", "results"):  # not drawn at all, so never "None recorded"
        assert face.lists[key].isHidden() and face.titles[key].isHidden(), key
    assert not face.lists["visits"].isHidden()  # the appointments are the reception's
    assert "Suivi" in face.lists["visits"].topLevelItem(1).text(1)
    assert "withheld" in view.banner.allergy.text()


def test_banner_and_face_sheet_first_then_the_rest_each_section_logged_once(qtbot, cached):
    reader = cached(chart_data.chart(PHYSICIAN.username))
    before = len(_log(reader))
    first = reader.open_first(PATIENT_ID)
    assert not first.complete and first.trends == () and first.allergy_alert.items
    view = _view(qtbot, reader, first)  # the view asks for the rest itself
    results = view.summary.lists["results"]
    assert "Arachides" in view.banner.allergy.text()
    qtbot.waitUntil(lambda: view.chart.complete, timeout=5000)
    assert results.topLevelItem(0).text(0) != "Loading…"
    view.show_data_class(DataClass.LABS)
    assert view.labs.tests.topLevelItemCount() == 2
    logged = [e.information for e in _log(reader)[before:] if e.patient_id == PATIENT_ID]
    assert sorted(logged) == sorted(set(logged))  # each section once over the two reads
    assert {DataClass.LABS.value, DataClass.ALLERGIES.value} <= set(logged)
