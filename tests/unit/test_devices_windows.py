"""Windows 8+ stops the Smart Card service while no reader is attached: there, the stopped
service (SCARD_E_NO_SERVICE / SCARD_E_SERVICE_STOPPED, handed by pyscard as negative ints) and
no readers (SCARD_E_NO_READERS_AVAILABLE) read as "plug in your key", not a service failure.
Checked on Linux with the real libpcsclite and no service behind its socket, the monitor told it
runs on Windows; SCardAccessStartedEvent and the bundle's USB scan need a Windows runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from smartcard import scard

from app.devices.errors import NoReaderError, NoServiceError
from app.devices.pcsc import check

ROOT = Path(__file__).resolve().parents[2]


def signed(code: int) -> int:
    """The code as pyscard hands it on Windows (a negative HRESULT)."""
    return code - (1 << 32)


@pytest.mark.parametrize("code, error", [
    (scard.SCARD_E_NO_SERVICE, NoServiceError),
    (scard.SCARD_E_SERVICE_STOPPED, NoServiceError),
    (scard.SCARD_E_NO_READERS_AVAILABLE, NoReaderError),
])
@pytest.mark.parametrize("form", [int, signed])
def test_windows_codes_are_read_as_such(code, error, form):
    with pytest.raises(error):
        check(form(code), "SCardEstablishContext")


SCRIPT = """
import sys, time
from app.devices.monitor import KeyMonitor
from app.workstation.key_viewer import KeyViewer
windows = sys.argv[1] == "windows"
viewer = KeyViewer(None, lambda: KeyMonitor(wait_ms=200, windows=windows))
viewer.state()  # starts the monitor
end = time.monotonic() + 10
while viewer.monitor.state.value == "starting" and time.monotonic() < end:
    time.sleep(0.02)
print(viewer.monitor.state.value, viewer.state().value)
viewer.close()
"""


@pytest.mark.parametrize("platform, expected", [
    ("windows", ["no_readers", "absent"]),  # plug in your key
    ("linux", ["no_service", "no_service"]),  # pcscd missing: a real service failure
])
def test_a_stopped_service_on_windows_is_no_key_plugged(tmp_path, platform, expected):
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-service.comm")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, platform], env=env, cwd=ROOT,
                          timeout=60, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == expected
