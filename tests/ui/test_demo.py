"""`clinicdesk demo` and `clinicdesk` as a person runs them: real processes (reference server,
seed, app), offscreen; without a display they say what to do instead of crashing."""

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def clinicdesk(*args: str, display: bool, tmp_path: Path, timeout: float = 90):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["CLINICDESK_HOME"] = str(tmp_path / "home")
    if display:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([sys.executable, "-m", "app", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_without_a_display_both_say_what_to_do(tmp_path):
    for args in ((), ("demo",)):
        done = clinicdesk(*args, display=False, tmp_path=tmp_path)
        assert done.returncode == 2, done.stderr
        assert "No display found" in done.stderr and "--offscreen" in done.stderr
        assert "Traceback" not in done.stderr


def test_demo_offscreen_signs_in_and_writes_a_screenshot(tmp_path):
    """`--quit-after 0` with `--sign-in`: the screenshot once the main window has painted and
    its first sync round ended (app.ui.app._when_settled), however long a loaded machine takes
    to get there (a fixed 4 s once caught the sign-in window); bench/demo_start.py times it."""
    shot = tmp_path / "demo.png"
    done = clinicdesk("demo", "--offscreen", "--screenshot", str(shot), "--quit-after", "0",
                      "--sign-in", "1000001", "--patients", "10", "--language", "fr_CA",
                      "--key-inserted", display=False, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Virtual QHR key of Dre Marie Tremblay (QHR-0001-TREM" in done.stdout
    said = next(line for line in done.stdout.splitlines() if line.startswith("Screenshot: "))
    assert said.endswith("Clé DSQ : présente"), done.stderr[-2000:]  # the status bar's key
    assert "Dernière synchro : " in said  # settled: its first sync round ended
    image = QImage(str(shot))
    assert image.width() >= 1000
    colours = {image.pixel(x, y) for x in range(0, image.width(), 9)
               for y in range(0, image.height(), 9)}
    assert len(colours) > 20
    folder = next(line.split(": ", 1)[1] for line in done.stdout.splitlines()
                  if line.startswith("Demo data (deleted at exit): "))
    assert not Path(folder).exists()
    gone = subprocess.run(["pgrep", "-f", folder], capture_output=True)  # its pcscd, server
    assert gone.returncode == 1, gone.stdout
