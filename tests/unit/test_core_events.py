"""app.core.events: every listener hears every emit in order, a failing one is logged and the
others still hear, disconnect is idempotent, and connecting during an emit is safe."""

import logging
import threading

from app.core.events import Event


def test_each_listener_hears_each_emit_in_connection_order():
    heard = []
    event: Event[int] = Event("numbers")
    event.connect(lambda v: heard.append(("a", v)))
    event.connect(lambda v: heard.append(("b", v)))
    event.emit(1)
    event.emit(2)
    assert heard == [("a", 1), ("b", 1), ("a", 2), ("b", 2)]


def test_disconnect_stops_one_listener_and_may_be_called_twice():
    heard = []
    event: Event[int] = Event("numbers")
    stop = event.connect(heard.append)
    event.connect(lambda v: heard.append(-v))
    event.emit(1)
    stop()
    stop()
    event.emit(2)
    assert heard == [1, -1, -2] and len(event) == 1


def test_the_same_listener_twice_is_called_twice_and_stopped_one_at_a_time():
    heard = []
    event: Event[int] = Event("numbers")
    first = event.connect(heard.append)
    event.connect(heard.append)
    event.emit(1)
    first()
    event.emit(2)
    assert heard == [1, 1, 2]


def test_a_failing_listener_is_logged_and_the_others_still_hear(caplog):
    heard = []
    event: Event[str] = Event("sync status")

    def broken(_value: str) -> None:
        raise RuntimeError("boom")
    event.connect(broken)
    event.connect(heard.append)
    with caplog.at_level(logging.ERROR, logger="app.core.events"):
        event.emit("x")  # the emitter does not fail
    assert heard == ["x"]
    assert [r.getMessage() for r in caplog.records] == ["sync status listener failed"]


def test_connecting_and_stopping_during_an_emit_take_effect_from_the_next():
    heard = []
    event: Event[int] = Event("numbers")
    stops = []

    def first(v: int) -> None:
        heard.append(("first", v))
        stops.append(event.connect(lambda w: heard.append(("late", w))))
        stop_first()
    stop_first = event.connect(first)
    event.emit(1)
    event.emit(2)
    assert heard == [("first", 1), ("late", 2)]


def test_listeners_connect_and_emit_from_many_threads():
    event: Event[int] = Event("numbers")
    counts = [0] * 8
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        def count(_v: int, i: int = i) -> None:
            counts[i] += 1
        barrier.wait()
        stop = event.connect(count)
        event.emit(i)
        stop()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(event) == 0 and all(c >= 1 for c in counts)
