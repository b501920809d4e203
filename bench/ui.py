"""UI figures: `clinicdesk` cold start to the sign-in window drawn, beside the floor measured in
the same run (a bare QApplication + QMainWindow, shown and drawn once) — goal: the median start
≤ 1.5× the floor's median.

Each start is a fresh process (the `clinicdesk` console script, CLINICDESK_EXIT_AFTER_SHOW=1:
the app quits once its first window has painted), offscreen, with settings in a throw-away
folder; 15 starts of each kind (quick: 5), after one unmeasured start of each that warms the OS
file cache. The two kinds of start alternate so that machine noise hits both alike; each kind
has its row, with the median and p95 of its starts (the floor's goal only checks that it is the
floor: a bare window cannot start slower than the app).

Also: a large chart opened from the cache to first paint (bench.ui_chart) and the GUI thread's
event-loop lateness during a real sync (bench.ui_sync).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench import stats

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 1.5

FLOOR = """
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, app.quit)
        return False
painted = FirstPaint()
window.installEventFilter(painted)
window.resize(1024, 720)
window.show()
app.exec()
"""


def _env(home: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CLINICDESK_EXIT_AFTER_SHOW="1",
               CLINICDESK_HOME=home)
    env.pop("CLINICDESK_SETTINGS", None)
    return env


def app_command() -> list[str]:
    """The installed `clinicdesk` console script beside this Python, else `python -m app`."""
    script = Path(sys.executable).with_name("clinicdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def measure(runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each start of the app and of the floor."""
    app, floor, command = [], [], app_command()
    bare = [sys.executable, "-c", FLOOR]
    with tempfile.TemporaryDirectory(prefix="clinicdesk-bench-ui-") as home:
        env = _env(home)
        for args in (command, bare):  # warm the OS file cache for both
            stats.process_ms(args, env=env, cwd=ROOT)
        for _ in range(runs):
            floor.append(stats.process_ms(bare, env=env, cwd=ROOT))
            app.append(stats.process_ms(command, env=env, cwd=ROOT))
    return app, floor


def run(quick: bool) -> list[dict]:
    from bench import ui_chart, ui_schedule, ui_sync

    return (cold_start(quick) + ui_chart.run(quick) + ui_schedule.run(quick)
            + ui_sync.run(quick))


def cold_start(quick: bool) -> list[dict]:
    app_ms, floor_ms = measure(5 if quick else 15)
    app_median, floor_median = statistics.median(app_ms), statistics.median(floor_ms)
    return [
        stats.row("ui cold start to sign-in window (median)", app_median, "ms",
                  f"≤ {GOAL_RATIO}× bare QApplication + QMainWindow (medians)",
                  app_median <= GOAL_RATIO * floor_median, "bare Qt window (median)",
                  floor_median, samples=app_ms),
        stats.row("bare QApplication + QMainWindow cold start to first paint (median)",
                  floor_median, "ms", "≤ the app's start (the floor above)",
                  floor_median <= app_median, samples=floor_ms),
    ]
