"""UI figure of the day's schedule offline (issue 20): a physician's 30 appointments of today
(server.seed.generate.day_schedule over 100 seeded patients, their charts cached as a prefetch
leaves them) from asking the store to the schedule's first paint — goal ≤ 100 ms on the median
of the runs (20; quick: 5). The read goes through the real Schedule service (store thread,
access policy, one access-log entry per patient in one transaction, the keyring anchor moved)
and the real SchedulePanel, offscreen; the limit beside it is the same store read without UI.
Needs a real keyring: measured in a child process with a private one (bench.keyring_session).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from datetime import date
from pathlib import Path

from bench import data, keyring_session, stats

GOAL_MS = 100.0
PATIENTS, USER = 100, "1000001"


class _Session:
    """What Schedule needs of a signed-in session: offline (cache only)."""

    def __init__(self, executor, profile):
        self.executor, self.profile, self.client = executor, profile, None


def measure(runs: int) -> tuple[list[float], list[float]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.store import Store, StoreExecutor, keys
    from app.store.keys import KdfParams
    from app.ui.app import create_application
    from app.ui.schedule_panel import SchedulePanel
    from app.workstation.schedule import Schedule, day_schedule
    from server.seed import generate, staff

    app = create_application()
    today = date.today()
    charts = [r for chart in generate.patients(PATIENTS, data.SEED) for r in chart]
    booked = generate.day_schedule(PATIENTS, data.SEED, today)
    profile = staff.by_username(USER).profile
    mine = [a for a in booked if any(p["actor"]["reference"].endswith(f"user-{USER}")
                                     for p in a["participant"])]
    paint_ms: list[float] = []
    read_ms: list[float] = []
    with tempfile.TemporaryDirectory(prefix="clinicdesk-bench-schedule-") as home:
        executor = StoreExecutor(lambda: Store.create("bench", "pw", path=Path(home) / "db",
                                                      kdf=KdfParams(n=2**10)))
        executor.call(lambda store: store.put_resources(data.with_meta(charts + booked)))
        cursors = {f"chart:{a['participant'][0]['actor']['reference'][8:]}": "bench"
                   for a in mine}
        executor.call(lambda store: store.apply_pull([], [], cursors))
        schedule = Schedule(_Session(executor, profile))
        panel = SchedulePanel(schedule)
        panel.resize(900, 700)
        panel.show()
        app.processEvents()
        key_file = executor.call(lambda store: store.key_file)
        try:
            for _ in range(runs):
                read_ms += stats.repeat_ms(lambda: executor.call(
                    lambda store: day_schedule(store, profile, today)), 1)
                paint_ms.append(_to_paint(app, panel, schedule, today))
            shown = panel.table.topLevelItemCount()
            if shown != len(mine) or len(mine) != 30:
                raise RuntimeError(f"the schedule shown is not the day's 30: {shown}")
        finally:
            panel.close()
            executor.close()
            keys.delete_keyring_entries(key_file)
    return paint_ms, read_ms


def _to_paint(app, panel, schedule, day: date) -> float:
    """Milliseconds from asking the store for the day to the panel's first paint with it."""
    from bench.ui_chart import ms_to_first_paint

    panel.table.clear()
    app.processEvents()
    return ms_to_first_paint(app, panel.table.viewport(),
                             lambda: panel.show_schedule(schedule.cached(day)))


def rows(quick: bool) -> list[dict]:
    paint_ms, read_ms = measure(5 if quick else 20)
    paint, read = statistics.median(paint_ms), statistics.median(read_ms)
    return [stats.row("day's schedule (30 appointments) to first paint, offline (median)",
                      paint, "ms", f"≤ {GOAL_MS:.0f} ms", paint <= GOAL_MS,
                      "same store read without UI (median)", read, samples=paint_ms)]


def run(quick: bool) -> list[dict]:
    return keyring_session.measured("ui_schedule", rows, quick)
