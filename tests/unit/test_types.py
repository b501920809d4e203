"""mypy over app/ and server/ (pyproject's [tool.mypy]: strict below the UI, the UI with
PySide6's stubs, the server with the default flags): zero errors, in CI like every other rule of
the house."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(240)
def test_mypy_finds_no_error():
    if shutil.which("mypy", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("mypy is not installed (the test extra brings it)")
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT,
                          capture_output=True, text=True, timeout=230)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
