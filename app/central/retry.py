"""Resilience: back-off with full jitter, `Retry-After`, a circuit breaker, the online state.

`Retrier.call(fn)` runs `fn` until it succeeds, fails for good (a non-transient SyncError), the
attempt budget is spent, or the cancel event is set (then app.core.errors.Cancelled). While the
circuit is open the server is not tried at all; after `reset_after` seconds one probe is let
through (half-open) and its outcome closes or re-opens the circuit. Offline is a state with
listeners, not an error dialog: `Connectivity.changed.connect(fn)` (app.core.events) hears each
new State.

Why not tenacity or stamina (issue #21, item 9; read in their docs): tenacity would replace
`Backoff` (its `wait_random_exponential` is the same full jitter) and the 25-line loop of
`Retrier.call`, but not the rest: it has no circuit breaker, so the "circuit open: wait its
remaining time or fail OFFLINE without calling the server" path, the breaker's bookkeeping and
the online/offline state would move into a wrapper and `before`/`after` hooks around it;
`Retry-After` needs a custom wait reading `retry_state.outcome`, and cancellation its `sleep=`.
About as many lines, spread over callbacks, plus a dependency. stamina (a tenacity wrapper, its
backoff hook can honour Retry-After) has no breaker either and no cancel event to wake a sleep.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from app.central.errors import Kind, SyncError, parse_retry_after
from app.core.errors import Cancelled
from app.core.events import Event

T = TypeVar("T")
__all__ = ["parse_retry_after"]  # re-exported
log = logging.getLogger(__name__)
Progress = Callable[[int, "int | None"], None]  # (done, total or None when the server gave none)


@dataclass
class Backoff:
    """Exponential back-off with full jitter (AWS blog): uniform(0, min(cap, b·2^n))."""

    base: float = 0.1
    cap: float = 10.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap, self.base * 2 ** attempt))


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after `threshold` failures in a row; lets one probe through after `reset_after` s."""

    def __init__(self, threshold: int = 5, reset_after: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self.threshold, self.reset_after, self._clock = threshold, reset_after, clock
        self.state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            if self.state is CircuitState.OPEN and self.remaining_locked() <= 0:
                self.state = CircuitState.HALF_OPEN
                return True  # the one probe
            return self.state is CircuitState.CLOSED

    def remaining(self) -> float:
        """Seconds until the next probe is allowed (0 when closed)."""
        with self._lock:
            return self.remaining_locked()

    def remaining_locked(self) -> float:
        if self.state is CircuitState.CLOSED:
            return 0.0
        return max(0.0, self._opened_at + self.reset_after - self._clock())

    def success(self) -> None:
        with self._lock:
            self.state, self._failures = CircuitState.CLOSED, 0

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self.state is CircuitState.HALF_OPEN or self._failures >= self.threshold:
                self.state, self._opened_at = CircuitState.OPEN, self._clock()


class State(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class Connectivity:
    """The online/offline state; `changed` is emitted at each change, never for a repeat."""

    def __init__(self) -> None:
        self.state = State.ONLINE
        self.changed: Event[State] = Event("central server connectivity")
        self._lock = threading.Lock()

    def set(self, state: State) -> None:
        with self._lock:
            if state is self.state:
                return
            self.state = state
        log.info("central server: %s", state.value)
        self.changed.emit(state)

    @property
    def online(self) -> bool:
        return self.state is State.ONLINE


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()


def sleep(seconds: float, cancel: threading.Event | None) -> None:
    """Sleep, waking at once (Cancelled) when the cancel event is set."""
    if cancel is None:
        time.sleep(seconds)
    elif cancel.wait(seconds):
        raise Cancelled()


class Retrier:
    """Runs calls against the server with back-off, the circuit breaker and the online state."""

    def __init__(self, attempts: int = 6, backoff: Backoff | None = None,
                 breaker: CircuitBreaker | None = None, connectivity: Connectivity | None = None,
                 max_delay: float = 60.0, sleeper: Callable[..., None] = sleep):
        self.attempts, self.max_delay = attempts, max_delay
        self.backoff = backoff or Backoff()
        self.breaker = breaker or CircuitBreaker()
        self.connectivity = connectivity or Connectivity()
        self._sleep = sleeper

    def call(self, fn: Callable[[], T], cancel: threading.Event | None = None,
             attempts: int | None = None) -> T:
        attempts = self.attempts if attempts is None else attempts
        last: SyncError | None = None
        for attempt in range(attempts):
            check_cancel(cancel)
            if not self.breaker.allow():
                wait = self.breaker.remaining()
                if attempt == attempts - 1 or wait > self.max_delay:
                    raise SyncError(Kind.OFFLINE, "circuit open") from last
                self._sleep(wait, cancel)
                continue
            try:
                result = fn()
            except SyncError as err:
                self._failed(err)
                if not err.transient or attempt == attempts - 1:
                    raise
                last = err
                self._sleep(self._delay(err, attempt), cancel)
                continue
            self.breaker.success()
            self.connectivity.set(State.ONLINE)
            return result
        raise SyncError(Kind.OFFLINE, "no attempt left") from last

    def _failed(self, err: SyncError) -> None:
        if err.transient:
            self.breaker.failure()
            if self.breaker.state is CircuitState.OPEN:
                self.connectivity.set(State.OFFLINE)
        else:  # the server answered: it is up
            self.breaker.success()
            self.connectivity.set(State.ONLINE)

    def _delay(self, err: SyncError, attempt: int) -> float:
        delay = self.backoff.delay(attempt)
        if err.retry_after is not None:
            delay = max(delay, err.retry_after)
        return min(delay, self.max_delay)
