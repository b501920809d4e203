"""Logging, set up once per process: a rotating file in the platform's user log folder.

Patient data never reaches the file. Mark values as patient data where they are logged —
`log.info("opened %s", PatientData(name))` or `extra={"patient_data": [name, ...]}` — and the
formatter replaces them with `[patient]` in the message and in any exception traceback;
NAMs (`LLLL YYMM DDAC`, spaced, dashed or not, any case) become `[NAM]` everywhere, marked or
not.
`PatientData` also prints as `[patient]` if it ends up in a handler this module did not set up.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import platformdirs

LOG_DIR_ENV = "CLINICDESK_LOG_DIR"
FILE_NAME = "clinicdesk.log"
# LLLL YYMM DDAC with an optional space or dash between the three groups (as printed on the
# card, as typed, as normalised); not between other digits, so "born 1980-02-03" stays.
NAM_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{4}[ \t-]?\d{4}[ \t-]?\d{2}[A-Za-z0-9]\d"
                         r"(?![A-Za-z0-9])")
PATIENT, NAM = "[patient]", "[NAM]"
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_installed: logging.Handler | None = None


class PatientData:
    """A value that is patient data: logged as [patient]."""

    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value

    def __str__(self) -> str:
        return PATIENT

    __repr__ = __str__


def redact(text: str, values: list[str] = ()) -> str:
    """`text` with every NAM and every value of `values` replaced."""
    for value in sorted({v for v in values if v and len(v) > 1}, key=len, reverse=True):
        text = text.replace(value, PATIENT)
    return NAM_IN_TEXT.sub(NAM, text)


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


def setup(directory: Path | None = None, level: int = logging.INFO,
          max_bytes: int = 2_000_000, backups: int = 5) -> Path:
    """Install the rotating, redacting file handler on the root logger; once per process
    (a second call with another folder moves the file there). Returns the log file's path."""
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
    root.setLevel(level)
    _installed = handler
    return path


def teardown() -> None:
    """Remove and close the handler that `setup` installed (tests, shutdown)."""
    global _installed
    if _installed is not None:
        logging.getLogger().removeHandler(_installed)
        _installed.close()
        _installed = None
