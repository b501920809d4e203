"""UI figures while a large sync runs: the GUI thread's event-loop lateness — goal: never more
than 50 ms late — and the app process's peak memory.

Data: bench.sync's server, seeded with the sync set of bench.data (`sync_charts`: N = 1,000
generated charts of ~200 resources, quick 100). The app's sync engine pulls them all
(open_charts) into a real SQLCipher store owned by its store thread (StoreExecutor, as in the
app), started through app.ui.op.Op like the window's sync. Meanwhile a QTimer fires every 10 ms
on the GUI thread and records how late each tick is:
- lateness, max and p99 over the ticks (one sync; median and p95 of the ticks shown beside),
  each beside the same timer's lateness over the same duration with no sync running (the event
  loop's own jitter here);
- peak RSS of this process (GUI, store and sync threads together) during the sync, beside its
  RSS before: the same goal as bench.sync's pull (growth ≤ 150 MiB), with Qt loaded.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench import keyring_session, stats
from bench.memory import PeakRss

GOAL_MS, TICK_MS = 50.0, 10


def _lateness(app, until) -> list[float]:
    """Run the event loop, one 10 ms timer, until `until()`; each tick's lateness in ms."""
    from PySide6.QtCore import QTimer

    late: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    timer = QTimer(interval=TICK_MS)
    timer.setTimerType(timer.timerType().PreciseTimer)
    timer.timeout.connect(tick)
    timer.start()
    while not until():
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return late


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def measure(quick: bool) -> tuple[list[float], list[float], int, float, PeakRss]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QMainWindow

    from app.store import KdfParams, Store, StoreExecutor, keys
    from app.sync.engine import SyncEngine
    from app.sync.store_cache import StoreCache
    from app.ui.app import create_application, freeze_long_lived
    from app.ui.op import Op
    from bench.sync import seed, signed_in
    from server.processes import ServerProcess

    app = create_application()  # as the app sets it up (style, font, GIL interval)
    window = QMainWindow()  # the Op's owner, as the main window is
    freeze_long_lived()  # as the app does once its main window is up
    work = Path(tempfile.mkdtemp(prefix="bench-ui-sync-"))
    proc = executor = key_file = None
    try:
        seeded = seed(work / "server", quick)
        proc = ServerProcess(work / "server", auth=False).start()
        client = signed_in(proc.base, seeded)
        executor = StoreExecutor(lambda: Store.create(
            "bench", "pw", path=work / "ws.db", kdf=KdfParams(n=2**10)))
        key_file = executor.call(lambda store: store.key_file)
        sync = SyncEngine(client, StoreCache.on_executor(executor))
        done: list = []
        with PeakRss() as peak:
            started = time.perf_counter()
            Op(window, lambda: sync.open_charts(seeded.ids)).on_success(
                done.append).on_failure(done.append).start()
            busy = _lateness(app, lambda: bool(done))
            duration = time.perf_counter() - started
        if isinstance(done[0], BaseException):
            raise done[0]
        pulled = sum(done[0].values())
        if pulled != seeded.resources:
            raise RuntimeError(f"seeded {seeded.resources} resources, pulled {pulled}")
        end = time.perf_counter() + min(duration, 10.0)
        idle = _lateness(app, lambda: time.perf_counter() >= end)
    finally:
        if proc is not None:
            proc.stop()
        if executor is not None:
            executor.close()
        if key_file is not None:
            keys.delete_keyring_entries(key_file)
        shutil.rmtree(work, ignore_errors=True)
    return busy, idle, pulled, duration, peak


def rows(quick: bool) -> list[dict]:
    from bench.sync import RSS_GROWTH_MIB
    busy, idle, pulled, duration, peak = measure(quick)
    what = f"{pulled:,} resources in {duration:.1f} s"
    goal = f"≤ {GOAL_MS:.0f} ms"
    return [
        stats.row(f"GUI event-loop lateness during a sync, max ({what})", max(busy), "ms",
                  goal, max(busy) <= GOAL_MS, "same timer, no sync (max)", max(idle or [0.0]),
                  samples=busy),
        stats.row("GUI event-loop lateness during a sync, p99", p99(busy), "ms", goal,
                  p99(busy) <= GOAL_MS, "same timer, no sync (p99)", p99(idle), samples=busy),
        stats.row(f"peak RSS of the app process during the sync ({pulled:,} resources)",
                  peak.peak_mib, "MiB", f"growth ≤ {RSS_GROWTH_MIB} MiB",
                  peak.growth_mib <= RSS_GROWTH_MIB, "RSS before the sync", peak.before_mib),
    ]


def run(quick: bool) -> list[dict]:
    return keyring_session.measured("ui_sync", rows, quick)
