"""Every dialog of the chart's screens fits a 1366×768 screen (the taskbar's 40 px left): the
reader of a long note, break the glass, the access log, a conflict, the settings, the note
editor, in both languages (French is the longer), at the size each opens and at the least it
can take."""

from __future__ import annotations

from datetime import date

from tests.fixtures.ui import FakeAccessLog
from tests.ui.test_conflicts import conflicted  # noqa: F401 (fixture)

ROOM = (1366, 768 - 40)


def _fits(dialog) -> list[str]:
    bad = []
    for what, size in (("opens at", dialog.size()), ("at least", dialog.minimumSizeHint())):
        if size.width() > ROOM[0] or size.height() > ROOM[1]:
            bad.append(f"{dialog.objectName()} {what} {size.width()}x{size.height()}")
    return bad


def _dialogs(ui_settings, conflicted_executor):  # noqa: ANN202
    from app.ui.access_log import AccessLogDialog
    from app.ui.chart_notice import BreakGlassDialog
    from app.ui.chart_reader import ReaderDialog
    from app.ui.conflicts import ConflictDialog
    from app.ui.note_editor import NoteEditor
    from app.ui.settings_dialog import SettingsDialog
    from app.workstation.contracts import ChartEntry
    from app.workstation.sync_status import SessionSync
    from tests.ui.test_conflicts import _Session

    long_note = "\n".join(f"Ligne {i} de la note de consultation, assez longue pour déborder."
                          for i in range(200))
    return [
        ReaderDialog(ChartEntry(date(2025, 2, 3), "Note de consultation", body=long_note,
                                author="Dre Marie Tremblay", kind="Note")),
        BreakGlassDialog(),
        AccessLogDialog(FakeAccessLog(), "p1"),
        AccessLogDialog(FakeAccessLog(), None),
        ConflictDialog(SessionSync(_Session(conflicted_executor))),
        SettingsDialog(ui_settings),
        NoteEditor(_Notes(), "p1", whose="CÔTÉ, Hélène — 1928-03-14"),
    ]


class _Notes:
    def save_draft(self, *args, **kwargs):
        return None

    def write(self, *args, **kwargs):
        raise AssertionError("not written here")


def test_every_dialog_fits_1366x768(qtbot, qm_files, ui_settings, conflicted):  # noqa: F811
    from PySide6.QtWidgets import QDialog

    from app.ui.i18n import set_language

    try:
        for language in ("en", "fr_CA"):
            set_language(language)
            bad = []
            for dialog in _dialogs(ui_settings, conflicted):
                qtbot.addWidget(dialog)
                dialog.show()
                bad += _fits(dialog)
            assert bad == [], language
    finally:
        set_language("en")
    too_tall = QDialog()  # the check sees a dialog that does not fit
    qtbot.addWidget(too_tall)
    too_tall.setObjectName("too_tall")
    too_tall.resize(900, 760)
    assert _fits(too_tall) == ["too_tall opens at 900x760"]
