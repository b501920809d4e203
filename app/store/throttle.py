"""Local password guessing, slowed down: one small JSON file per app user remembers the failed
attempts (sign-in online or offline, the lock screen), and an attempt made before the wait is
over is refused without checking the password.

Schedule: the first `FREE` failures cost nothing; from then on each failure doubles the wait
(1 s, 2 s, 4 s …) up to `CAP_S` (5 minutes). The cap is what keeps the user in: whatever
happened, a correct password typed after at most `CAP_S` works, and a success forgets the
failures. A clock moved backwards never stretches the wait beyond the cap either.

`unlock()` is Store.unlock under the same throttle, for the command-line tools that take the
password (`clinicdesk audit verify`, `clinicdesk export`): they are offline guessing paths too.

The file (`paths.state_dir()/throttle/<username>.json`, written atomically: temporary file then
rename) holds a count and a time, nothing secret. Deleting or editing it only makes the throttle
forget (it can never lock anybody out): acceptable for a local throttle, which only has to slow
down someone typing guesses at this workstation. The real protection of the store is its key
(scrypt, keyring secret); the central server keeps its own limits for online sign-in.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.text import QT_TRANSLATE_NOOP
from app.store.errors import StoreError

if TYPE_CHECKING:
    from app.store.store import Store

FREE = 3
FIRST_WAIT_S = 1.0
CAP_S = 300.0


class TooManyAttempts(StoreError):
    """An attempt made before the wait after failed ones was over; `wait_s` is what is left."""

    source = QT_TRANSLATE_NOOP(
        "store", "Too many wrong passwords. Try again in {seconds} s.")

    def __init__(self, wait_s: float):
        super().__init__(f"throttled {wait_s:.1f} s", seconds=seconds_shown(wait_s))
        self.wait_s = wait_s


def seconds_shown(wait_s: float) -> int:
    """Whole seconds, rounded up: "0 s" is never shown while a wait remains."""
    return max(1, int(-(-wait_s // 1))) if wait_s > 0 else 0


def delay_after(failures: int) -> float:
    """The wait imposed after `failures` consecutive failed attempts."""
    if failures < FREE:
        return 0.0
    return float(min(FIRST_WAIT_S * 2 ** (failures - FREE), CAP_S))


@dataclass(frozen=True)
class Record:
    failures: int = 0
    last: float = 0.0  # wall-clock time of the last failure (survives restarts)

    def wait_left(self, now: float) -> float:
        delay = delay_after(self.failures)
        return max(0.0, min(self.last + delay - now, delay))  # a clock set back: still ≤ delay


class Throttle:
    """`check(user)` before an attempt (TooManyAttempts if too early), then `failed(user)` or
    `succeeded(user)`. `clock` is injectable (tests); wall-clock seconds by default."""

    def __init__(self, folder: Path | None = None, clock: Callable[[], float] = time.time):
        self._folder = folder
        self.clock = clock
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        if self._folder is None:
            from app.paths import state_dir

            self._folder = state_dir() / "throttle"
        return self._folder

    def path(self, username: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", username.strip().casefold()) or "_"
        return self.folder / f"{safe}.json"

    def wait_left(self, username: str) -> float:
        return self._read(username).wait_left(self.clock())

    def check(self, username: str) -> None:
        wait = self.wait_left(username)
        if wait > 0:
            raise TooManyAttempts(wait)

    def failed(self, username: str) -> float:
        """Count one failure; the wait before the next attempt."""
        with self._lock:
            record = Record(self._read(username).failures + 1, self.clock())
            self._write(username, record)
        return record.wait_left(record.last)

    def succeeded(self, username: str) -> None:
        with self._lock:
            path = self.path(username)
            if path.exists():
                path.unlink(missing_ok=True)

    def _read(self, username: str) -> Record:
        try:
            data = json.loads(self.path(username).read_text(encoding="utf-8"))
            return Record(max(0, int(data["failures"])), float(data["last"]))
        except (OSError, ValueError, KeyError, TypeError):
            return Record()  # missing or tampered with: the throttle forgets, never locks out

    def _write(self, username: str, record: Record) -> None:
        from app.paths import private_dir

        path = self.path(username)
        private_dir(path.parent)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"failures": record.failures, "last": record.last}),
                       encoding="utf-8")
        os.replace(tmp, path)


def unlock(username: str | None, password: str, *, path: Path | None = None,
           throttle: Throttle | None = None) -> Store:
    """`Store.unlock`, refused during a wait, a WrongPassword counted, a success resetting.
    Keyed by `username`, or by the one recorded beside `path`."""
    from app.store import keys
    from app.store.errors import WrongPassword
    from app.store.store import Store

    throttle = throttle or Throttle()
    user = username
    if user is None and path is not None:
        try:
            user = keys.KeyFile.load(keys.key_file_path(Path(path))).username
        except StoreError:
            user = None  # Store.unlock says what is wrong with the store
    if user:
        throttle.check(user)
    try:
        store = Store.unlock(username, password, path=path)
    except WrongPassword:
        if user:
            throttle.failed(user)
        raise
    if user:
        throttle.succeeded(user)
    return store
