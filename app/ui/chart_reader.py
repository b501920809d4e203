"""The reader of one note, document or report: its type, date, author and whole text; a PDF is
shown through Qt's PDF module when this PySide6 has it (else its text, or a notice)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.text import Text
from app.ui.i18n import translate
from app.ui.widgets import Retranslatable, data_label, named
from app.workstation.contracts import ChartEntry


def shown(value: str | Text) -> str:
    return translate(value) if isinstance(value, Text) else value


def detail_text(entry: ChartEntry) -> str:
    """The entry's detail; a measured value in the locale's format ("5,4 mmol/L" in French)."""
    if entry.quantity is not None:
        from app.ui.qhr_trend import value_with_unit

        return value_with_unit(*entry.quantity)
    return entry.detail


def when_text(entry: ChartEntry) -> str:
    if entry.when is None:
        return ""
    return entry.when.strftime("%Y-%m-%d %H:%M" if hasattr(entry.when, "hour") else "%Y-%m-%d")


class ReaderDialog(Retranslatable, QDialog):
    def __init__(self, entry: ChartEntry, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ReaderDialog")
        self.entry = entry
        layout = QVBoxLayout(self)
        self.heading = data_label(self, "reader_heading")
        self.heading.setWordWrap(True)
        self.unsent = named(QLabel(self), "reader_unsent")
        self.unsent.setVisible(entry.unsent)
        layout.addWidget(self.heading)
        layout.addWidget(self.unsent)
        self.pdf_view = _pdf_view(entry.pdf, self) if entry.pdf else None
        self.text = named(QPlainTextEdit(self), "reader_text")
        self.text.setReadOnly(True)
        self.text.setPlainText(entry.body or entry.detail)
        layout.addWidget(self.pdf_view if self.pdf_view is not None else self.text, 1)
        self.text.setVisible(self.pdf_view is None)  # else it would float over the heading
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 560)
        self.retranslate()

    def retranslate(self) -> None:
        e = self.entry
        self.setWindowTitle(shown(e.kind) or shown(e.title))
        self.heading.setText(
            f"<b>{shown(e.title)}</b><br>" + self.tr("{type} — {date} — by {author}")
            .replace("{type}", shown(e.kind) or "—").replace("{date}", when_text(e) or "—")
            .replace("{author}", e.author or self.tr("unknown author")))
        self.unsent.setText(self.tr("Not sent to the clinic's server yet."))
        if self.pdf_view is None and e.pdf and not e.body:
            self.text.setPlainText(self.tr("This PDF cannot be shown on this workstation "
                                           "(damaged, or no PDF viewer here)."))


def _pdf_view(data: bytes | None, parent: QWidget) -> QWidget | None:
    """A QPdfView over the document, or None without QtPdf or when QtPdf cannot read it (the
    text, or a notice, is shown instead)."""
    try:
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView
    except ImportError:
        return None
    document = QPdfDocument(parent)
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(data or b""))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() == QPdfDocument.Status.Error or document.pageCount() < 1:
        return None
    view = named(QPdfView(parent), "reader_pdf")
    view.setDocument(document)
    view.setPageMode(QPdfView.PageMode.MultiPage)
    return view
