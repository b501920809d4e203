"""A PDF document opened through Qt's PDF module, and the face sheet's latest vital signs, over
a real SQLCipher store and the real ChartReader (tests/ui/test_chart_screen.py's `cached`): the
PDF is a real one written in the test (QPdfWriter), the vital signs real FHIR Observations."""

from __future__ import annotations

import base64

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QPageSize, QPainter, QPdfWriter

from app.core.data_class import DataClass
from tests.fixtures.ui import PHYSICIAN
from tests.ui import chart_data
from tests.ui.chart_data import PATIENT_ID, VITALS
from tests.ui.test_chart_screen import _reader_of, _view

PDF_WORDS = "Echographie abdominale normale"
QtPdf = pytest.importorskip("PySide6.QtPdf")


def a_pdf(words: str) -> bytes:
    """A one-page A4 PDF saying `words`, written by Qt."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    font = painter.font()
    font.setPointSize(24)
    painter.setFont(font)
    painter.drawText(400, 1200, words)
    painter.end()
    buffer.close()
    return bytes(data.data())


def _pdf_document(pdf: bytes) -> dict:
    return {"resourceType": "DocumentReference", "id": "d-pdf", "status": "current",
            "subject": {"reference": f"Patient/{PATIENT_ID}"}, "date": "2025-03-01",
            "type": {"text": "Rapport d'échographie"},
            "content": [{"attachment": {"contentType": "application/pdf",
                                        "data": base64.b64encode(pdf).decode()}}]}


def test_a_pdf_document_opens_in_qts_pdf_viewer(qtbot, cached):
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    pdf = a_pdf(PDF_WORDS)
    assert pdf.startswith(b"%PDF")
    reader = cached([*chart_data.chart(PHYSICIAN.username), _pdf_document(pdf)])
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    view.show_data_class(DataClass.DOCUMENTS)
    documents = view.sections[DataClass.DOCUMENTS]
    row = next(i for i, e in enumerate(documents.entries) if e.pdf)
    assert documents.topLevelItem(row).text(1) == "Rapport d'échographie"
    dialog = _reader_of(qtbot, view, documents, row, False)
    assert isinstance(dialog.pdf_view, QPdfView) and dialog.pdf_view.isVisibleTo(dialog)
    document = dialog.pdf_view.document()
    qtbot.waitUntil(lambda: document.status() == QPdfDocument.Status.Ready, timeout=5000)
    assert document.pageCount() == 1
    assert PDF_WORDS in document.getAllText(0).text()  # the very PDF, read by QtPdf
    page = document.render(0, QSize(200, 283))
    assert len({page.pixel(x, y) for x in range(0, 200, 4) for y in range(0, 283, 4)}) > 1
    assert not dialog.text.isVisibleTo(dialog)  # the viewer, not a text box
    assert "Rapport d'échographie" in dialog.heading.text() and "2025-03-01" in (
        dialog.heading.text())


def test_a_damaged_pdf_says_so_and_loses_nothing(qtbot, cached):
    reader = cached([*chart_data.chart(PHYSICIAN.username), _pdf_document(b"%PDF-1.4 cut")])
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    view.show_data_class(DataClass.DOCUMENTS)
    documents = view.sections[DataClass.DOCUMENTS]
    row = next(i for i, e in enumerate(documents.entries) if e.pdf)
    dialog = _reader_of(qtbot, view, documents, row, False)
    assert dialog.pdf_view is None and dialog.text.isVisibleTo(dialog)
    assert dialog.text.toPlainText() == ("This PDF cannot be shown on this workstation "
                                         "(damaged, or no PDF viewer here).")
    assert [e.body for e in documents.entries if not e.pdf] == ["Congé."]  # still listed


@pytest.mark.parametrize("language", ["en", "fr_CA"])
def test_face_sheet_shows_the_latest_vital_signs(qtbot, cached, qm_files, language):
    from app.ui.i18n import set_language

    set_language(language)
    try:
        reader = cached([*chart_data.chart(PHYSICIAN.username), *VITALS])
        view = _view(qtbot, reader, reader.open(PATIENT_ID))
        assert view.stack.currentWidget() is view.summary
        vitals = view.summary.lists["vitals"]
        rows = {vitals.topLevelItem(i).text(0): vitals.topLevelItem(i)
                for i in range(vitals.topLevelItemCount())}
        assert set(rows) == {"Tension artérielle", "Poids"}  # the latest of each, once
        assert rows["Tension artérielle"].text(1) == "128/82 mmHg"
        assert rows["Poids"].text(1) == ("71,5 kg" if language == "fr_CA" else "71.5 kg")
        assert all(row.text(3) == "2025-02-03" for row in rows.values())
    finally:
        set_language("en")


def test_a_language_switch_re_renders_the_open_chart(qtbot, cached, qm_files):
    """Opened in English, switched to French with the chart open: titles, values (decimal
    comma) and the laboratory history re-rendered without reopening the chart."""
    from app.ui.i18n import set_language

    reader = cached([*chart_data.chart(PHYSICIAN.username), *VITALS])
    view = _view(qtbot, reader, reader.open(PATIENT_ID))
    vitals = view.summary.lists["vitals"]
    weight = next(i for i in range(vitals.topLevelItemCount())
                  if vitals.topLevelItem(i).text(0) == "Poids")
    assert vitals.topLevelItem(weight).text(1) == "71.5 kg"
    try:
        set_language("fr_CA")
        qtbot.waitUntil(lambda: vitals.topLevelItem(weight).text(1) == "71,5 kg", timeout=3000)
        assert view.summary.titles["vitals"].text() == "Derniers signes vitaux"
        view.show_data_class(DataClass.LABS)
        view.labs.select("2823-3")
        assert view.labs.history.topLevelItem(0).text(1) == "5,4 mmol/L"
        assert view.banner.fields["born"].text() == "Né(e) le 1928-03-14"
    finally:
        set_language("en")
