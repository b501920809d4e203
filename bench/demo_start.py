"""`python -m bench.demo_start [RUNS]`: where `clinicdesk demo` spends its start, from outside.

Each run is a fresh `clinicdesk demo --offscreen --screenshot … --quit-after 0 --sign-in
1000001 --patients 10 --key-inserted` (the demo test's command); each line it prints is
stamped as it arrives, so the phases are: the process up to its first line (imports, the demo
folder), the private pcscd with the virtual key, the seed and the reference server up, then
the app: sign-in, main window painted and its first sync round ended (app.ui.app
_when_settled), and the exit (services closed, pcscd and server stopped). Medians of RUNS
(default 3) runs, in seconds.
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
PHASES = (  # (name, the line that ends it)
    ("process up, demo folder", "Demo data (deleted at exit): "),
    ("pcscd + virtual key", "Virtual QHR key of "),
    ("seed + server up", "Server: "),
    ("app: signed in, settled", "Screenshot: "),
)


def one_run(folder: Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["CLINICDESK_HOME"] = str(folder / "home")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "app", "demo", "--offscreen", "--screenshot",
         str(folder / "demo.png"), "--quit-after", "0", "--sign-in", "1000001",
         "--patients", "10", "--key-inserted"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        for name, prefix in PHASES:
            if line.startswith(prefix) and name not in seen:
                seen[name] = time.monotonic() - started
    if proc.wait(timeout=120) != 0 or len(seen) < len(PHASES):
        raise SystemExit(f"the demo failed (exit {proc.returncode}, phases seen: {list(seen)})")
    seen["exit"] = time.monotonic() - started
    return seen


def main(runs: int = 3) -> None:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(one_run(Path(tmp)))
    previous = 0.0
    print(f"clinicdesk demo start, median of {runs} runs (s): phase, cumulative")
    for name in [name for name, _ in PHASES] + ["exit"]:
        at = statistics.median(r[name] for r in results)
        print(f"  {name:28} {at - previous:6.2f} {at:7.2f}")
        previous = at


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
