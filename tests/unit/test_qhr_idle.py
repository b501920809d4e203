"""app.qhr.idle.IdleTimer: fires once after the timeout without touch, not while disarmed."""

from __future__ import annotations

import threading
import time

from app.qhr.idle import IdleTimer


def test_fires_after_timeout_and_touch_postpones():
    fired: list[float] = []
    done = threading.Event()
    timer = IdleTimer(0.3, lambda: (fired.append(time.monotonic()), done.set()))
    timer.start()
    try:
        start = time.monotonic()
        timer.touch()
        time.sleep(0.2)
        timer.touch()  # postpones
        assert done.wait(2)
        assert fired[0] - start >= 0.45 and len(fired) == 1
        time.sleep(0.4)
        assert len(fired) == 1  # once, until touched again
    finally:
        timer.stop()


def test_disarmed_never_fires():
    fired = threading.Event()
    timer = IdleTimer(0.1, fired.set)
    timer.start()
    try:
        timer.touch()
        timer.disarm()
        assert not fired.wait(0.3)
    finally:
        timer.stop()
