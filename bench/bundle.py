"""Bundle figures: size and build time of the PyInstaller bundle, and the bundled app's cold start
beside the same command run from source (`python -m app …`), measured in the same run.

The bundle is built into a temporary folder (≈ 20–30 s), or taken from `CLINICDESK_BUNDLE`
(a built `clinicdesk-demo` folder) when set, in which case no build time is reported.

- build time: ≤ 120 s (one build); size on disk: ≤ 250 MB;
- cold start of three commands, each a fresh process run several times after one run that only
  warms the disk (3, quick; 7; the whole demo 1, quick; 3): the bundled median at most
  OVERHEAD_MS per process it starts above the median of the same command from source (the
  bundle's cost is the bootloader and its archive, a fixed cost per process: a ratio would fail
  a 60 ms command-line tool and excuse a slow window). No synthetic data beyond the demo's own
  20 patients.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import row

ROOT = Path(__file__).resolve().parents[1]
SIZE_GOAL_MB = 250.0
BUILD_GOAL_S = 120.0
OVERHEAD_MS = 150.0  # what the bundle may add to a process's start (bootloader, archive)
NAM_CHECK = ["nam", "check", "TREM 5001 0112"]


def _build(dist: Path) -> tuple[Path, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "installer" / "build.py"), "--no-msi",
                    "--flavour", "demo", "--dist", str(dist), "--work", str(dist / "work")],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)
    return dist / "clinicdesk-demo", time.perf_counter() - started


def _size_mb(bundle: Path) -> float:
    """Bytes on disk: the bundle's symlinks (Qt libraries on Linux) are not counted twice."""
    files = (p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 1e6


def cold_start(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall times of `cmd` (ms), each a fresh process; the first run only warms the disk."""
    times = []
    for n in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        if n:
            times.append((time.perf_counter() - started) * 1000)
    return times


def _startup_rows(bundle: Path, runs: int, quick: bool) -> list[dict]:
    exe = str(bundle / ("clinicdesk.exe" if sys.platform == "win32" else "clinicdesk"))
    with tempfile.TemporaryDirectory(prefix="clinicdesk-bench-home-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": home}
        # (label, arguments, extra environment, runs, interpreters started): the app to its
        # first painted window, a command-line tool, and the whole demo (the app, then the
        # seed and the server as two more processes), which is long.
        cases = [("(the app, to its first painted window)", [], {"CLINICDESK_EXIT_AFTER_SHOW": "1"},
                  runs, 1),
                 ("nam check", NAM_CHECK, {}, runs, 1),
                 ("demo --offscreen --quit-after 0 --patients 20",
                  ["demo", "--offscreen", "--quit-after", "0", "--patients", "20"], {},
                  1 if quick else 3, 3)]
        rows = []
        for label, args, extra, n, interpreters in cases:
            source = statistics.median(
                cold_start([sys.executable, "-m", "app", *args], n, {**env, **extra}))
            bundled = cold_start([exe, *args], n, {**env, **extra})
            value, allowed = statistics.median(bundled), OVERHEAD_MS * interpreters
            rows.append(row(f"cold start, bundled `clinicdesk {label}` (median)", value, "ms",
                            f"median ≤ source run's + {allowed:.0f} ms", value <= source + allowed,
                            "same from source (python -m app), median", source,
                            samples=bundled))
    return rows


def run(quick: bool) -> list[dict]:
    runs = 3 if quick else 7
    given = os.environ.get("CLINICDESK_BUNDLE")
    with tempfile.TemporaryDirectory(prefix="clinicdesk-bench-") as tmp:
        rows = []
        if given:
            bundle = Path(given)
        else:
            bundle, seconds = _build(Path(tmp))
            rows.append(row("bundle build time (PyInstaller, demo flavour)", seconds, "s",
                            f"≤ {BUILD_GOAL_S:.0f} s", seconds <= BUILD_GOAL_S))
        size = _size_mb(bundle)
        rows.append(row("bundle size (one folder, demo flavour)", size, "MB",
                        f"≤ {SIZE_GOAL_MB:.0f} MB", size <= SIZE_GOAL_MB))
        rows += _startup_rows(bundle, runs, quick)
    return rows
