"""Back-off, Retry-After, circuit breaker, online state and cancellation (no network)."""

import random
import threading
import time
from email.utils import formatdate

import pytest

from app.central.errors import Kind, SyncError, parse_retry_after
from app.central.retry import Backoff, CircuitBreaker, CircuitState, Connectivity, Retrier, State
from app.core.errors import Cancelled


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_retry_after_in_seconds_and_as_an_http_date():
    assert parse_retry_after("120") == 120
    now = time.time()
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_full_jitter_stays_under_the_exponential_cap():
    backoff = Backoff(base=0.5, cap=4.0, rng=random.Random(1))
    for attempt in range(8):
        delays = [backoff.delay(attempt) for _ in range(200)]
        limit = min(4.0, 0.5 * 2 ** attempt)
        assert all(0 <= d <= limit for d in delays)
        assert max(delays) > limit * 0.8  # jitter spreads over the whole range


def test_circuit_opens_then_lets_one_probe_through():
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, reset_after=10, clock=clock)
    for _ in range(3):
        assert breaker.allow()
        breaker.failure()
    assert breaker.state is CircuitState.OPEN and not breaker.allow()
    clock.now = 10
    assert breaker.allow() and breaker.state is CircuitState.HALF_OPEN
    assert not breaker.allow()  # only one probe
    breaker.failure()  # the probe failed: open again for another period
    assert not breaker.allow()
    clock.now = 20
    assert breaker.allow()
    breaker.success()
    assert breaker.state is CircuitState.CLOSED and breaker.allow()


def failing(errors):
    it = iter(errors)

    def fn():
        err = next(it)
        if err is None:
            return "ok"
        raise err
    return fn


def test_retrier_honours_retry_after_and_reports_offline_then_online():
    slept, states = [], []
    retrier = Retrier(attempts=5, backoff=Backoff(base=0.01, cap=0.01),
                      breaker=CircuitBreaker(threshold=2, reset_after=0),
                      sleeper=lambda s, cancel: slept.append(s))
    retrier.connectivity.changed.connect(states.append)
    fn = failing([SyncError(Kind.SERVER, status=503, retry_after=3),
                  SyncError(Kind.NETWORK), None])
    assert retrier.call(fn) == "ok"
    assert slept[0] == 3
    assert states == [State.OFFLINE, State.ONLINE]


def test_retrier_stops_at_once_on_a_permanent_error():
    retrier = Retrier(attempts=5, sleeper=lambda s, c: None)
    with pytest.raises(SyncError) as caught:
        retrier.call(failing([SyncError(Kind.CONFLICT, status=412), None]))
    assert caught.value.kind is Kind.CONFLICT


def test_open_circuit_fails_fast_without_calling_the_server():
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, reset_after=600, clock=clock)
    breaker.failure()
    calls = []
    retrier = Retrier(attempts=3, breaker=breaker, max_delay=60, sleeper=lambda s, c: None)
    with pytest.raises(SyncError) as caught:
        retrier.call(lambda: calls.append(1))
    assert caught.value.kind is Kind.OFFLINE and calls == []


def test_cancel_stops_a_wait_at_once():
    cancel = threading.Event()
    retrier = Retrier(attempts=5, backoff=Backoff(base=30, cap=30))
    threading.Timer(0.05, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        retrier.call(failing([SyncError(Kind.NETWORK)] * 5), cancel)
    assert time.monotonic() - start < 2


def test_connectivity_tells_only_changes():
    conn, heard = Connectivity(), []
    remove = conn.changed.connect(heard.append)
    conn.set(State.ONLINE)
    conn.set(State.OFFLINE)
    conn.set(State.OFFLINE)
    remove()
    conn.set(State.ONLINE)
    assert heard == [State.OFFLINE] and conn.online


def test_a_failing_connectivity_listener_does_not_fail_the_call():
    retrier = Retrier(attempts=3, breaker=CircuitBreaker(threshold=1, reset_after=0),
                      sleeper=lambda s, c: None)
    heard = []

    def broken(state):
        raise RuntimeError("listener bug")
    retrier.connectivity.changed.connect(broken)
    retrier.connectivity.changed.connect(heard.append)
    assert retrier.call(failing([SyncError(Kind.NETWORK), None])) == "ok"
    assert heard == [State.OFFLINE, State.ONLINE]
