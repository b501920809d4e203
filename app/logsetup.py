"""Logging, set up once per process: a rotating file in the platform's user log folder.

Patient data never reaches the file. Mark values as patient data where they are logged —
`log.info("opened %s", PatientData(name))` or `extra={"patient_data": [name, ...]}` — and the
formatter replaces them with `[patient]` in the message and in any exception traceback, as
written and URL-encoded (`%C3%A9`, `+`) or JSON-escaped (`\u00e9`). Whatever the marking, these
are recognised and replaced everywhere: NAMs (`LLLL YYMM DDAC`, spaced, dashed, `+`/`%20`
separated, after `%7C` or a JSON escape, any case) become `[NAM]`; the values of FHIR patient
fields in JSON or a Python repr (`"family": …`, `'birthDate': …`) and of search parameters in a
query string (`family=…&birthdate=…`) become `[patient]`; phone numbers become `[phone]`.

Libraries that print URLs, headers or bodies (httpx, httpcore, urllib3…) are kept at WARNING
and pass through the same redaction; Qt's own messages come here too (`qt_message`, installed
by app.ui.app), below WARNING dropped. A traceback is written with each exception's type and
stack, its message only for ClinicDesk's own errors (`exception_text`); uncaught exceptions
(main thread and others) go to the log and to stderr that way; a hard crash (faulthandler)
writes file names and line numbers to `crash.log`, no values.
`PatientData` also prints as `[patient]` if it ends up in a handler this module did not set up.
`CLINICDESK_LOG_LEVEL` (DEBUG, INFO…) sets the level of the app's own loggers.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import platformdirs

LOG_DIR_ENV, LEVEL_ENV = "CLINICDESK_LOG_DIR", "CLINICDESK_LOG_LEVEL"
FILE_NAME, CRASH_FILE = "clinicdesk.log", "crash.log"
# Loggers of libraries that write request lines, headers or bodies at INFO or DEBUG.
QUIET = ("httpx", "httpcore", "urllib3", "hpack", "h2", "h11", "asyncio", "keyring",
         "secretstorage", "charset_normalizer", "multipart", "PIL")
# LLLL YYMM DDAC with an optional separator between the three groups (as printed on the card,
# as typed, as normalised, as URL-encoded); not between other digits, so "born 1980-02-03"
# stays. Before it: not a letter or digit, unless that ends a %XX or a JSON \n, \t, \uXXXX.
_SEP = r"(?:[ \t+-]|%20|%2[dD]|\\u0020)?"
NAM_IN_TEXT = re.compile(
    r"(?:(?<![A-Za-z0-9])|(?<=%[0-9A-Fa-f]{2})|(?<=\\[nrt])|(?<=\\u[0-9A-Fa-f]{4}))"
    rf"[A-Za-z]{{4}}{_SEP}\d{{4}}{_SEP}\d{{2}}[A-Za-z0-9]\d(?![A-Za-z0-9])")
PATIENT, NAM = "[patient]", "[NAM]"
# FHIR Patient fields whose values are patient data, in JSON ("…") or a Python repr ('…').
_FHIR_FIELDS = ("family", "given", "birthDate", "name", "telecom", "address", "line", "city",
                "postalCode", "text", "div", "display", "value", "valueString", "note")
_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\])"""
FHIR_FIELD = re.compile(rf"""(?P<q>["'])(?:{'|'.join(_FHIR_FIELDS)})(?P=q)\s*:\s*{_STRING}""")
# Search parameters that carry patient data, in a query string or a form body.
QUERY_PARAM = re.compile(
    r"(?<![\w.%-])(?P<key>identifier|family|given|name|birthdate|phone|telecom|email|address"
    r"""|address-[a-z]+)=(?:'[^']*'|"[^"]*"|[^&\s"']+)""", re.IGNORECASE)
PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d)")
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_installed: RotatingFile | None = None


class PatientData:
    """A value that is patient data: logged as [patient]."""

    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value

    def __str__(self) -> str:
        return PATIENT

    __repr__ = __str__


def redact(text: str, values: Sequence[str] = ()) -> str:
    """`text` with every value of `values` (in its written, URL-encoded and JSON-escaped forms,
    any case), every NAM, FHIR patient field, patient search parameter and phone replaced."""
    forms = {f for v in values if v and len(v) > 1 for f in _forms(v)}
    if forms:
        alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        text = re.sub(alternatives, PATIENT, text, flags=re.IGNORECASE)
    text = FHIR_FIELD.sub(lambda m: m[0][:m[0].index(":") + 1] + f' "{PATIENT}"', text)
    text = QUERY_PARAM.sub(lambda m: f"{m['key']}={PATIENT}", text)
    return PHONE.sub("[phone]", NAM_IN_TEXT.sub(NAM, text))


def _forms(value: str) -> set[str]:
    import json
    from urllib.parse import quote, quote_plus

    return {value, quote(value, safe=""), quote_plus(value, safe=""),
            json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


class RedactingFormatter(logging.Formatter):
    """Formats the record (message + traceback), then redacts the whole output."""

    def format(self, record: logging.LogRecord) -> str:
        marked = [str(v) for v in getattr(record, "patient_data", None) or ()]
        args = record.args if isinstance(record.args, tuple) else ()
        marked += [str(a.value) for a in args if isinstance(a, PatientData)]
        saved = record.exc_text
        record.exc_text = None  # a cached traceback of another handler is not redacted
        try:
            return redact(super().format(record), marked)
        finally:
            record.exc_text = saved

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return exception_text(ei[1])


def exception_text(exc: BaseException | None) -> str:
    """A traceback (chained ones too) with each exception's type, and its message only for
    ClinicDesk's own errors (app.core.errors: their text never holds patient data); another
    library's message may quote a value (KeyError('Côté'), a file name, a JSON document)."""
    import traceback

    from app.core.errors import ClinicDeskError

    chain: list[BaseException] = []
    while exc is not None and exc not in chain and len(chain) < 8:
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    parts = []
    for e in reversed(chain):
        kind = f"{type(e).__module__}.{type(e).__qualname__}"
        said = f"{kind}: {e}" if isinstance(e, ClinicDeskError) else \
            f"{kind} (message left out: it may hold patient data)"
        parts.append("Traceback (most recent call last):\n"
                     + "".join(traceback.format_tb(e.__traceback__)) + said)
    return "\n\nwhich led to:\n\n".join(parts)


class RotatingFile(logging.FileHandler):
    """logging.handlers.RotatingFileHandler's rotation by size (the file → .1 → … → .backups,
    the oldest dropped), without importing logging.handlers: its socket and pickle imports
    cost ~5 ms at every start of the app, before the sign-in window paints."""

    def __init__(self, path: Path, max_bytes: int, backups: int):
        super().__init__(path, encoding="utf-8")
        self.max_bytes, self.backups = max_bytes, backups

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._full(record):
                self._rotate()
        except Exception:  # noqa: BLE001 (logging never raises: reported as the stdlib does)
            self.handleError(record)
            return
        super().emit(record)

    def _full(self, record: logging.LogRecord) -> bool:
        if self.max_bytes <= 0 or self.backups <= 0 or not os.path.isfile(self.baseFilename):
            return False  # no rotation asked, or not a regular file (never /dev/null…)
        if self.stream is None:
            self.stream = self._open()
        self.stream.seek(0, 2)
        return self.stream.tell() + len(self.format(record)) + 1 >= self.max_bytes

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = None
        base = self.baseFilename
        for n in range(self.backups - 1, 0, -1):  # .backups (the oldest) is replaced
            if os.path.exists(f"{base}.{n}"):
                os.replace(f"{base}.{n}", f"{base}.{n + 1}")
        os.replace(base, f"{base}.1")
        self.stream = self._open()


def log_dir(override: Path | None = None) -> Path:
    if override:
        return Path(override)
    if os.environ.get(LOG_DIR_ENV):
        return Path(os.environ[LOG_DIR_ENV])
    return platformdirs.user_log_path("ClinicDesk", appauthor=False)


def level_from_env(default: int = logging.INFO) -> int:
    """CLINICDESK_LOG_LEVEL (a name: DEBUG, INFO, WARNING…), else `default`."""
    value = logging.getLevelName(os.environ.get(LEVEL_ENV, "").strip().upper() or default)
    return value if isinstance(value, int) else default


def setup(directory: Path | None = None, level: int | None = None,
          max_bytes: int = 2_000_000, backups: int = 5) -> Path:
    """Install the rotating, redacting file handler on the root logger; once per process
    (a second call with another folder moves the file there). Returns the log file's path.
    `level` None: CLINICDESK_LOG_LEVEL, else INFO. The QUIET libraries stay at WARNING."""
    global _installed
    path = log_dir(directory) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    if _installed is not None:
        if Path(_installed.baseFilename) == path:
            return path
        teardown()
    handler = RotatingFile(path, max_bytes, backups)
    handler.setFormatter(RedactingFormatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level_from_env() if level is None else level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    _installed = handler
    _catch_uncaught(path.parent / CRASH_FILE)
    return path


def teardown() -> None:
    """Remove and close the handler that `setup` installed (tests, shutdown)."""
    global _installed
    if _installed is not None:
        logging.getLogger().removeHandler(_installed)
        _installed.close()
        _installed = None
        _release_uncaught()


# -- crash output ---------------------------------------------------------------------------
_crash_file = None
_faulthandler_was_on = False


def _catch_uncaught(crash_path: Path) -> None:
    """Uncaught exceptions (any thread) go to the log and to stderr as type and stack
    (`exception_text`). faulthandler writes a hard crash's stacks (file, line, function: no
    values) to `crash_path`."""
    import faulthandler
    import sys
    import threading

    global _crash_file, _faulthandler_was_on
    if _crash_file is None:
        _faulthandler_was_on = faulthandler.is_enabled()
    sys.excepthook = _uncaught
    threading.excepthook = lambda a: _uncaught(a.exc_type, cast(BaseException, a.exc_value),
                                               a.exc_traceback,
                                               a.thread.name if a.thread else "?")
    if _crash_file is None or _crash_file.name != str(crash_path):
        try:
            new = open(crash_path, "a", encoding="utf-8")  # noqa: SIM115 (open for the process)
        except OSError:
            return
        faulthandler.enable(new, all_threads=True)
        if _crash_file is not None:
            _crash_file.close()
        _crash_file = new


def _release_uncaught() -> None:
    import faulthandler
    import sys
    import threading

    global _crash_file
    sys.excepthook, threading.excepthook = sys.__excepthook__, threading.__excepthook__
    if _crash_file is not None:
        faulthandler.disable()
        if _faulthandler_was_on and sys.__stderr__ is not None:  # as it was (-X faulthandler)
            faulthandler.enable(sys.__stderr__, all_threads=True)
        _crash_file.close()
        _crash_file = None


def _uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None,
              thread: str = "MainThread") -> None:
    import sys

    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    logging.getLogger("app.uncaught").critical("uncaught exception in %s", thread,
                                               exc_info=(kind, value, tb))
    print(f"Uncaught exception in {thread}\n{exception_text(value)}", file=sys.stderr)


# -- Qt's messages ---------------------------------------------------------------------------
_QT_LEVELS = {"QtDebugMsg": logging.DEBUG, "QtInfoMsg": logging.INFO,
              "QtWarningMsg": logging.WARNING, "QtCriticalMsg": logging.ERROR,
              "QtFatalMsg": logging.CRITICAL, "QtSystemMsg": logging.ERROR}


def qt_message(mode: Any, context: Any, message: str) -> None:
    """A qInstallMessageHandler handler (app.ui.app installs it): Qt's warnings and worse go
    to the log, redacted like any line; its debug and info messages are dropped."""
    level = _QT_LEVELS.get(getattr(mode, "name", str(mode)).rsplit(".", 1)[-1], logging.ERROR)
    if level >= logging.WARNING:
        logging.getLogger("qt").log(level, "%s", message)
