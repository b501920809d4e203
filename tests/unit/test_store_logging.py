"""The logging set-up's redaction: NAMs (any spacing or case) and values marked as patient data
disappear from messages and from exception tracebacks."""

from __future__ import annotations

import logging

import pytest

from app import logsetup
from app.logsetup import NAM, PATIENT, PatientData


@pytest.fixture
def log_file(tmp_path):
    path = logsetup.setup(tmp_path / "logs", level=logging.DEBUG)
    yield path
    logsetup.teardown()


def read(path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("form", ["TREJ80010112", "trej 8001 0112", "TREJ-8001-0112",
                                  "Trej 8001\t01A2", "x:TREJ80010112."])
def test_nam_forms_are_redacted(form):
    assert "8001" not in logsetup.redact(f"looked up {form} today")
    assert NAM in logsetup.redact(form)


def test_ordinary_text_is_left_alone():
    for text in ("store unlocked in 182 ms", "born 1980-02-03", "ABCD 2026-11-25",
                 "HTTP 412 on Patient/123", "2026-11-25T10:00:00Z",
                 "uuid 9f2c29c9-3e5e-48cc-b95b-8591622a6b1d"):
        assert logsetup.redact(text) == text


def test_marked_values_and_tracebacks(log_file):
    log = logging.getLogger("test.redaction")
    log.info("opened chart of %s born %s", PatientData("Hélène Côté"), "1980-02-03")
    log.info("search", extra={"patient_data": ["Bérubé"]})
    try:
        raise KeyError("no chart for Hélène Côté, NAM COTH 8052 0312")
    except KeyError:
        log.exception("lookup failed for %s", PatientData("Hélène Côté"))
    text = read(log_file)
    assert "Hélène" not in text and "Côté" not in text and "8052" not in text
    assert f"opened chart of {PATIENT} born 1980-02-03" in text
    assert "KeyError" in text and "Traceback" in text


def test_setup_once_and_rotating(tmp_path):
    try:
        first = logsetup.setup(tmp_path / "a")
        assert logsetup.setup(tmp_path / "a") == first
        installed = [h for h in logging.getLogger().handlers
                     if isinstance(h, logsetup.RotatingFile) and h.baseFilename == str(first)]
        assert len(installed) == 1
    finally:
        logsetup.teardown()


def test_the_file_rotates_by_size_keeping_the_backups_asked(tmp_path):
    path = logsetup.setup(tmp_path / "logs", max_bytes=400, backups=2)
    log = logging.getLogger("test.rotation")
    try:
        for n in range(40):
            log.info("line %02d of the rotation test, NAM TREJ 8001 0112", n)
    finally:
        logsetup.teardown()
    files = sorted(p.name for p in path.parent.iterdir() if p.name != logsetup.CRASH_FILE)
    assert files == ["clinicdesk.log", "clinicdesk.log.1", "clinicdesk.log.2"]
    texts = [(path.parent / name).read_text(encoding="utf-8") for name in files]
    assert all(0 < len(t.encode()) < 400 for t in texts)
    assert "line 39 " in texts[0] and "line 00 " not in "".join(texts)  # the oldest dropped
    newest_backup, oldest_backup = (int(t.split("line ")[1][:2]) for t in texts[1:])
    assert oldest_backup < newest_backup < 39
    assert all("8001" not in t and NAM in t for t in texts)  # redacted in every file


def test_patient_data_prints_redacted_anywhere():
    assert str(PatientData("Roy")) == PATIENT and repr(PatientData("Roy")) == PATIENT
