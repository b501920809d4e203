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


# -- the forms a program writes values in (issue 16) ---------------------------------------
NAM_FORMS = [
    "GET /fhir/Patient?identifier=https%3A%2F%2Fwww.ramq.gouv.qc.ca%2Fnam%7CTREJ80010112",
    "identifier=https://www.ramq.gouv.qc.ca/nam|TREJ80010112",
    "q=TREJ+8001+0112", "q=TREJ%208001%200112", "q=trej%2D8001%2D0112",
    '{"value": "x\\nTREJ80010112"}', '"\\u00e9TREJ80010112"', "nam TREJ\\u00208001\\u00200112",
]


@pytest.mark.parametrize("line", NAM_FORMS)
def test_nam_forms_in_urls_and_escapes(line):
    assert "8001" not in logsetup.NAM_IN_TEXT.sub(NAM, line)  # the NAM rule alone
    assert "8001" not in logsetup.redact(line)


FIELD_LINES = [
    ('{"name": [{"family": "C\\u00f4t\\u00e9", "given": ["H\\u00e9l\\u00e8ne"]}], '
     '"birthDate": "1955-01-01", "id": "p1"}', ("C\\u00f4t", "H\\u00e9l", "1955-01-01"),
     '"id": "p1"'),
    ("{'family': 'Côté', 'given': ['Hélène'], 'birthDate': '1955-01-01', 'id': 'p1'}",
     ("Côté", "Hélène", "1955-01-01"), "'id': 'p1'"),
    ('"telecom": [{"system": "phone", "value": "514-555-0199"}]', ("555-0199",), "telecom"),
    ("POST /fhir/Patient/_search family=C%C3%B4t%C3%A9&given=H%C3%A9l%C3%A8ne&birthdate=1955-01-01"
     "&_count=50", ("C%C3%B4t", "H%C3%A9l", "1955-01-01"), "&_count=50"),
    ("GET /fhir/Patient?family=Cote&given=Helene+Marie&birthdate=1955-01-01",
     ("Cote", "Helene", "1955-01-01"), "/fhir/Patient?"),
    ("call the patient at (514) 555-0199 or 514.555.0199", ("555-0199", "555.0199"), "call"),
]


@pytest.mark.parametrize(("line", "values", "kept"), FIELD_LINES)
def test_fhir_fields_query_parameters_and_phones(line, values, kept):
    out = logsetup.redact(line)
    assert not [v for v in values if v in out], out
    assert kept in out


@pytest.mark.parametrize("form", [
    "Hélène Côté", "H%C3%A9l%C3%A8ne+C%C3%B4t%C3%A9", "H%C3%A9l%C3%A8ne%20C%C3%B4t%C3%A9",
    "H\\u00e9l\\u00e8ne C\\u00f4t\\u00e9", "HÉLÈNE CÔTÉ", "h%c3%a9l%c3%a8ne%20c%c3%b4t%c3%a9"])
def test_marked_values_in_every_form(form):
    assert logsetup.redact(f"chart of {form} opened", ["Hélène Côté"]) == \
        f"chart of {PATIENT} opened"


def test_libraries_that_print_urls_stay_at_warning_even_at_debug(tmp_path):
    import httpx

    path = logsetup.setup(tmp_path / "logs", level=logging.DEBUG)
    try:
        client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
        client.get("https://emr.test/fhir/Patient", params={"family": "Zyxwvu"})
        logging.getLogger("app.test").debug("own debug line")
        text = read(path)
    finally:
        logsetup.teardown()
    assert "own debug line" in text  # DEBUG is on for the app…
    assert "HTTP Request" not in text and "Zyxwvu" not in text  # …not for httpx
    assert all(logging.getLogger(n).level == logging.WARNING for n in logsetup.QUIET)


def test_level_from_the_environment(monkeypatch):
    monkeypatch.setenv(logsetup.LEVEL_ENV, "debug")
    assert logsetup.level_from_env() == logging.DEBUG
    monkeypatch.setenv(logsetup.LEVEL_ENV, "nonsense")
    assert logsetup.level_from_env() == logging.INFO


def test_qt_messages_redacted_and_chatter_dropped(log_file, qapp):
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    previous = qInstallMessageHandler(logsetup.qt_message)
    try:
        logsetup.qt_message(QtMsgType.QtWarningMsg, None, "cannot open TREJ 8001 0112.pdf")
        logsetup.qt_message(QtMsgType.QtDebugMsg, None, "debug chatter Zyxwvu")
    finally:
        qInstallMessageHandler(previous)
    text = read(log_file)
    assert f"WARNING qt [MainThread] cannot open {NAM}.pdf" in text
    assert "8001" not in text and "Zyxwvu" not in text


CRASHING = """
import sys, threading, faulthandler
from app import logsetup
logsetup.setup(sys.argv[1])
kind = sys.argv[2]
if kind == "thread":
    t = threading.Thread(target=lambda: {}["Hélène Côté TREJ80010112"], name="worker")
    t.start(); t.join()
    raise ValueError("no chart for Hélène Côté TREJ80010112")
faulthandler._sigsegv()
"""


@pytest.mark.parametrize("kind", ["thread", "segfault"])
def test_crash_output_holds_no_patient_data(tmp_path, kind):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", CRASHING, str(tmp_path), kind],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    files = {p.name: p.read_text("utf-8") for p in tmp_path.iterdir()}
    everything = done.stdout + done.stderr + "".join(files.values())
    assert "Hélène" not in everything and "8001" not in everything
    if kind == "thread":  # both uncaught: logged with their type and stack, redacted
        assert files["clinicdesk.log"].count("CRITICAL app.uncaught") == 2
        assert "KeyError" in done.stderr and "ValueError" in done.stderr
    else:
        assert "Fatal Python error" in files[logsetup.CRASH_FILE]
