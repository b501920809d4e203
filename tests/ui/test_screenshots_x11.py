"""Screenshots in CI (issue 20): the main screens of three roles (physician, receptionist,
administrator) at 1366×768 and 1920×1080, in French and English, rendered by the real app
code under a real X server (Xvfb, one per size, run side by side; one app process per role and
size: tests/ui/x11_screens.py). The PNGs are kept under artifacts/screenshots/ (git-ignored;
CLINICDESK_SCREENSHOTS overrides) for CI to upload; this test checks each was written, has the
screen's size, is not blank, and differs between the languages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(os.environ.get("CLINICDESK_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
SIZES = ("1366x768", "1920x1080")
ROLES = ("physician", "receptionist", "administrator")
SCREENS = {"physician": ("signin", "schedule", "chart", "access-log"),
           "receptionist": ("schedule", "chart"),
           "administrator": ("schedule", "chart", "access-log")}
pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb not installed")


def xvfb(size: str) -> tuple[subprocess.Popen, str]:
    """An X server of this screen size on a display it picks (-displayfd)."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        display = f.readline().strip()
    assert display, "Xvfb did not start"
    return proc, f":{display}"


def render(size: str) -> list[str]:
    """Each role's screens at this size, one process after the other on one X server."""
    proc, display = xvfb(size)
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    written = []
    try:
        for role in ROLES:
            done = subprocess.run([sys.executable, "-m", "tests.ui.x11_screens", role, size,
                                   str(OUT)], env=env, cwd=ROOT, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, done.stderr[-2000:]
            written += done.stdout.split()
    finally:
        proc.terminate()
        proc.wait(10)
    return written


def colours(image: QImage) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), 9)
                for y in range(0, image.height(), 9)})


def test_main_screens_of_three_roles_at_two_sizes_in_both_languages(qm_files):
    shutil.rmtree(OUT, ignore_errors=True)
    with ThreadPoolExecutor(len(SIZES)) as pool:
        written = [p for paths in pool.map(render, SIZES) for p in paths]
    expected = [OUT / f"{role}-{size}-{lang}-{screen}.png" for size in SIZES for role in ROLES
                for lang in ("fr", "en") for screen in SCREENS[role]]
    assert sorted(map(Path, written)) == sorted(expected)
    for path in expected:
        image = QImage(str(path))
        width, height = (int(n) for n in path.name.split("-")[1].split("x"))
        assert (image.width(), image.height()) == (width, height), path.name
        assert colours(image) > 20, f"{path.name} is blank"
        if "-fr-" in path.name:
            assert image != QImage(str(path).replace("-fr-", "-en-")), path.name
