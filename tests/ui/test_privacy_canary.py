"""The privacy canary (issue 16): a whole working session through the real UI (offscreen) on the
reference server, the real Secret Service and a private pcscd with the virtual QHR key — sign
in, search by NAM and by name + birth date (accented names), open the charts, write a note,
the QHR viewer, a RAMQ look-up, sync, sign out, `clinicdesk support-bundle` — then every file
the workstation wrote (settings, logs, stores folder, Qt's config/cache/state folders, the
temporary folder) and every file in the bundle is searched for every identifier, name, birth
date and phone number of the patients touched, and the note's text, in every form
(tests.privacy_scan): zero hits, with the app logging at INFO and at DEBUG.

The encrypted store files are left out of the search (tests/integration/test_store_privacy.py
reads their raw bytes); here they are only checked not to be plain SQLite."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app import logsetup
from app.core.data_class import DataClass
from app.demo.piv_applet import DEFAULT_PIN
from app.ui.i18n import set_language
from server.seed import staff
from tests.fixtures.ui import type_text
from tests.privacy_scan import Canary
from tests.ui.test_qhr_viewer import type_pin

ROOT = Path(__file__).resolve().parents[2]
USER = "1000001"
WAIT = 30_000
NOTE = "Canari-Note : Mme Émilie se plaint de céphalées depuis 3 jours, TA 128/82."
STORE_FILES = (".db", ".db-wal", ".db-shm", ".db-journal")
pytestmark = [pytest.mark.timeout(240), pytest.mark.pcscd]


def _mine(charts: list[list[dict]]) -> list[dict]:
    """Four patients of the signed-in physician: two with accents in their names; none with a
    name that is also a staff member's (the settings rightly hold "Dre Marie Tremblay")."""
    staff_names = {w for a in staff.ACCOUNTS for w in a.profile.display_name.split()}
    patients = [c[0] for c in charts if any(
        g.get("reference") == f"Practitioner/user-{USER}"
        for g in c[0].get("generalPractitioner") or ()) and not staff_names & {
        w for n in c[0]["name"] for w in [n.get("family", ""), *n.get("given", ())]}]
    accented = [p for p in patients if not json.dumps(p["name"], ensure_ascii=False).isascii()]
    plain = [p for p in patients if p not in accented]
    return [plain[0], plain[1], accented[0], accented[1]]


def _nam(patient: dict) -> str:
    return next(i["value"] for i in patient["identifier"] if i["system"].endswith("/nam"))


@pytest.fixture
def workstation(tmp_path, monkeypatch, qhr_server, qhr_key):
    """The app's folders (XDG_*), settings, logs and TMPDIR all under one private folder, set
    after the servers and pcscd started (their own files are not the workstation's)."""
    ws = tmp_path / "ws"
    env = {"XDG_CONFIG_HOME": ws / "config", "XDG_DATA_HOME": ws / "data",
           "XDG_STATE_HOME": ws / "state", "XDG_CACHE_HOME": ws / "cache", "TMPDIR": ws / "tmp",
           "CLINICDESK_SETTINGS": ws / "config" / "ClinicDesk" / "settings.ini",
           "CLINICDESK_LOG_DIR": ws / "state" / "ClinicDesk" / "log"}
    for name, path in env.items():
        (path if name != "CLINICDESK_SETTINGS" else path.parent).mkdir(parents=True,
                                                                       exist_ok=True)
        monkeypatch.setenv(name, str(path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile reads TMPDIR again
    monkeypatch.setattr("app.ui.app.freeze_long_lived", lambda: None)  # not in pytest
    return ws


def _session(qtbot, workstation: Path, server: str, patients: list[dict]) -> Path:
    """The scripted session; returns the support bundle's path."""
    from app.settings import Settings
    from app.ui.app import Shell, create_application
    from app.ui.main_window import MainWindow
    from app.workstation.wiring import build_services

    settings = Settings()
    settings.server_url = server
    create_application(settings=settings)  # as the app: French, Qt's messages to the log
    shell = Shell(lambda: build_services(settings=settings), settings)
    signin = shell.show_sign_in()  # deleted by the shell once signed in
    signin.username.setText(USER)
    signin.password.setText(staff.by_username(USER).password)
    qtbot.keyClick(signin.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=WAIT)
    main: MainWindow = shell.main
    qtbot.addWidget(main)
    store_threads = main.services.session.executor._pool._threads
    try:
        _work(qtbot, main, patients)
    finally:
        main.sign_out()
        qtbot.waitUntil(lambda: shell.signin is not None and shell.signin.isVisible(),
                        timeout=WAIT)
        qtbot.addWidget(shell.signin)
        qtbot.waitUntil(lambda: not any(t.is_alive() for t in store_threads), timeout=WAIT)
        shell.built.keys.close()
    return _bundle(workstation)


def _work(qtbot, main, patients: list[dict]) -> None:
    queries = [_nam(patients[0]), " ".join((_nam(patients[1])[:4], _nam(patients[1])[4:8],
                                            _nam(patients[1])[8:]))]
    for p in patients[2:]:
        name = p["name"][0]
        queries.append(f"{name['family']}, {name['given'][0]} {p['birthDate']}")
    for patient, query in zip(patients, queries, strict=True):
        _search_and_open(qtbot, main, query, patient["id"])
        if patient is patients[2]:
            _write_note(qtbot, main)
            _qhr_viewer(qtbot, main)
    _ramq(qtbot, main, _nam(patients[3]))
    main.actions_["sync"].trigger()
    qtbot.waitUntil(lambda: not main._syncing, timeout=WAIT)
    pending = main.services.session.executor.call(lambda store: store.outbox_batch())
    assert pending == []  # the note reached the server


def _search_and_open(qtbot, main, query: str, patient_id: str) -> None:
    panel = main.panel
    panel.search.clear()
    panel.results.clear()  # the previous search's
    panel.search.setFocus()
    type_text(panel.search, query)  # accented text typed as a person would
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.results.count() > 0, timeout=WAIT)
    ids = [panel.results.item(i).data(Qt.ItemDataRole.UserRole).id
           for i in range(panel.results.count())]
    assert patient_id in ids
    panel.results.setCurrentRow(ids.index(patient_id))
    panel.results.itemActivated.emit(panel.results.currentItem())
    qtbot.waitUntil(lambda: getattr(main, "chart_patient", None) == patient_id
                    and main.chart_view.chart.complete, timeout=WAIT)  # banner first, then all


def _write_note(qtbot, main) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    notes = main.chart_view.sections[DataClass.NOTES]
    main.chart_view.show_data_class(DataClass.NOTES)
    rows = notes.topLevelItemCount()
    qtbot.keyClick(main, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(main, "note_editor", None) is not None
                    and main.note_editor.isVisible(), timeout=WAIT)
    editor = main.note_editor
    type_text(editor.editor, NOTE)
    qtbot.mouseClick(editor.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: notes.topLevelItemCount() == rows + 1, timeout=WAIT)


def _qhr_viewer(qtbot, main) -> None:
    from app.workstation.contracts import KeyState

    panel = main.qhr_panel
    qtbot.waitUntil(lambda: panel.key_state == KeyState.PRESENT, timeout=WAIT)
    qtbot.waitUntil(lambda: panel.open_button.isVisible(), timeout=WAIT)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    type_pin(qtbot, main, DEFAULT_PIN)
    qtbot.waitUntil(lambda: panel.tabs is not None and not panel.tabs.empty, timeout=WAIT)
    assert panel.tabs.labs.topLevelItemCount() > 0


def _ramq(qtbot, main, nam: str) -> None:
    from app.ui.ramq_window import RamqWindow

    main.actions_["ramq"].trigger()
    qtbot.waitUntil(lambda: any(w.isVisible() for w in main.findChildren(RamqWindow)),
                    timeout=WAIT)
    window = next(w for w in main.findChildren(RamqWindow) if w.isVisible())
    desk = window.desk
    type_text(desk.nam, nam)
    desk.button.click()
    qtbot.waitUntil(lambda: desk.answer is not None or bool(desk.error), timeout=WAIT)
    assert desk.answer is not None and not desk.error
    window.close()


def _bundle(workstation: Path) -> Path:
    out = workstation / "bundle" / "support.zip"
    done = subprocess.run([sys.executable, "-m", "app", "support-bundle", "--output", str(out)],
                          cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def _is_store(path: Path) -> bool:
    return path.name.endswith(STORE_FILES) and path.parent.name == "stores"


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_no_patient_data_in_any_file_the_workstation_writes(
        qtbot, qm_files, workstation, qhr_server, qhr_key, seeded_charts, level, monkeypatch):
    monkeypatch.setenv(logsetup.LEVEL_ENV, level)  # the bundle's process logs at it too
    logsetup.setup(level=getattr(logging, level))
    patients = _mine(seeded_charts)
    qhr_key(USER)
    try:
        bundle = _session(qtbot, workstation, qhr_server, patients)
    finally:
        logsetup.teardown()
        set_language("en")
    canary = Canary.from_patients(patients, extra=[NOTE[:30], "céphalées depuis 3 jours"])
    assert len(canary.values) >= 30

    stores = [p for p in workstation.rglob("*.db") if _is_store(p)]
    assert stores and all(p.read_bytes()[:16] != b"SQLite format 3\0" for p in stores)
    log = (workstation / "state" / "ClinicDesk" / "log" / logsetup.FILE_NAME).read_text("utf-8")
    assert "store created" in log and "sync round" in log  # the log was written
    if level == "DEBUG":
        assert " DEBUG " in log

    hits, files = canary.scan_tree(workstation, skip=_is_store)
    in_zip, entries = canary.scan_zip(bundle)
    assert files >= 4 and entries >= 6  # settings, store key file, log(s), the zip
    assert hits + in_zip == [], f"{len(hits + in_zip)} patient values found:\n" + "\n".join(
        hits + in_zip)
