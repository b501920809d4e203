"""UI figures: `clinicdesk` cold start to the sign-in window drawn, beside the floor measured in
the same run (a bare QApplication + QMainWindow, shown and drawn once) — goal ≤ 1.5× the floor.

Each start is a fresh process (the `clinicdesk` console script, CLINICDESK_EXIT_AFTER_SHOW=1:
the app quits once its first window has painted), offscreen, with settings in a throw-away
folder. The two kinds of start alternate so that machine noise hits both alike; median and p95
are printed.

Also: a large chart opened from the cache to first paint (bench.ui_chart) and the GUI thread's
event-loop lateness during a real sync (bench.ui_sync).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _time(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    return time.perf_counter() - started


def app_command() -> list[str]:
    """The installed `clinicdesk` console script beside this Python, else `python -m app`."""
    script = Path(sys.executable).with_name("clinicdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def measure(runs: int) -> tuple[list[float], list[float]]:
    app, floor, command = [], [], app_command()
    with tempfile.TemporaryDirectory(prefix="clinicdesk-bench-ui-") as home:
        env = _env(home)
        _time(command, env)  # warm the OS file cache for both
        _time([sys.executable, "-c", FLOOR], env)
        for _ in range(runs):
            floor.append(_time([sys.executable, "-c", FLOOR], env))
            app.append(_time(command, env))
    return app, floor


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(quick: bool) -> list[dict]:
    from bench import ui_chart, ui_sync

    return cold_start(quick) + ui_chart.run(quick) + ui_sync.run(quick)


def cold_start(quick: bool) -> list[dict]:
    app, floor = measure(5 if quick else 15)
    floor_median = statistics.median(floor)
    app_median = statistics.median(app)
    goal = f"≤ {GOAL_RATIO}× bare QApplication + QMainWindow"
    return [
        {"figure": "ui cold start to sign-in window (median)", "value": app_median * 1000,
         "unit": "ms", "goal": goal, "limit_name": "bare Qt window (median)",
         "limit_value": floor_median * 1000,
         "passed": app_median <= GOAL_RATIO * floor_median},
        {"figure": "ui cold start to sign-in window (p95)", "value": p95(app) * 1000,
         "unit": "ms", "goal": goal, "limit_name": "bare Qt window (p95)",
         "limit_value": p95(floor) * 1000, "passed": p95(app) <= GOAL_RATIO * p95(floor)},
    ]


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        limit = row["limit_value"]
        peer = f"{row['limit_name']} {limit:.0f} {row['unit']}" if limit is not None else ""
        print(f"{row['figure']}: {row['value']:.0f} {row['unit']} ({peer}; goal {row['goal']})"
              f" {'pass' if row['passed'] else 'FAIL'}")
