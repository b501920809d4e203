"""`IdleTimer`: calls `on_idle` once when `timeout` seconds pass without `touch()` while armed.
One thread waits on a condition (no polling); `touch()` arms or re-arms, `disarm()` stops the
countdown (the session is not open)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class IdleTimer:
    def __init__(self, timeout: float, on_idle: Callable[[], None]):
        self.timeout, self.on_idle = timeout, on_idle
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True, name="qhr-idle")
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def touch(self) -> None:
        with self._cond:
            self._deadline = time.monotonic() + self.timeout
            self._cond.notify_all()

    def disarm(self) -> None:
        with self._cond:
            self._deadline = None
            self._cond.notify_all()

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                self._deadline = None
                self._cond.release()
                try:
                    self.on_idle()
                finally:
                    self._cond.acquire()
