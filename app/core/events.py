"""Change notification: one `Event` per kind of change, heard by any number of listeners.

    changed: Event[KeyState] = Event("key state")
    stop = changed.connect(listener)   # listener(value) at each emit; stop() disconnects
    changed.emit(KeyState.PRESENT)

Listeners run on the emitting thread (often a worker or the PC/SC thread), in the order they
connected, and must return quickly; the UI relays them to its GUI thread with its own Qt adapter
(`app.ui.widgets.on_gui_thread`). Connecting and emitting are safe from any thread; a listener
connected or stopped during an emit takes effect from the next one. A listener that raises is
logged and the others still hear: the code that changed something never fails because someone
listening did.

Why not psygnal or blinker: neither is installed, and what is needed is these 40 lines.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
Disconnect = Callable[[], None]


class Event(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name  # for the log only
        self._listeners: tuple[Callable[[T], object], ...] = ()
        self._lock = threading.Lock()

    def connect(self, listener: Callable[[T], object]) -> Disconnect:
        """`listener(value)` at each emit until the returned function is called (once or more:
        later calls do nothing)."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def disconnect() -> None:
            with self._lock:
                found = self._listeners
                if listener in found:
                    i = found.index(listener)
                    self._listeners = found[:i] + found[i + 1:]
        return disconnect

    def emit(self, value: T) -> None:
        for listener in self._listeners:  # a snapshot: the tuple is replaced, never changed
            try:
                listener(value)
            except Exception:
                log.exception("%s listener failed", self.name)  # the log is redacted

    def __len__(self) -> int:
        return len(self._listeners)
