"""A child started by server.processes dies with the process that started it, however that one
ends (killed: no clean-up of its own runs). Linux: PR_SET_PDEATHSIG through `setpriv`; Windows:
a kill-on-close job object. No `preexec_fn` (refused on Windows, unsafe with threads)."""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server import processes

ROOT = Path(__file__).resolve().parents[2]
# The child: appends a dot to a file every 50 ms, for ever.
HEARTBEAT = ("import sys, time\n"
             "while True:\n"
             "    with open(sys.argv[1], 'a') as f: f.write('.')\n"
             "    time.sleep(0.05)\n")
# The parent: starts the child through server.processes, prints its pid, then sleeps.
PARENT = ("import sys, time\n"
          "from server.processes import _popen\n"
          "child = _popen([sys.executable, '-c', sys.argv[1], sys.argv[2]])\n"
          "print(child.pid, flush=True)\n"
          "time.sleep(300)\n")


def beats(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def still_beating(path: Path, within: float) -> bool:
    before = beats(path)
    time.sleep(within)
    return beats(path) > before


@pytest.mark.skipif(sys.platform not in ("linux", "win32"), reason="Linux and Windows only")
def test_the_child_dies_when_its_parent_is_killed(tmp_path):
    heart = tmp_path / "heartbeat"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, HEARTBEAT, str(heart)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.PIPE, text=True)
    child_pid = None
    try:
        child_pid = int(parent.stdout.readline())
        end = time.monotonic() + 30
        while beats(heart) < 3 and time.monotonic() < end:  # the child runs
            time.sleep(0.05)
        assert beats(heart) >= 3, "the child never started"
        parent.kill()  # SIGKILL / TerminateProcess: nothing of the parent's runs
        parent.wait(10)
        end = time.monotonic() + 10
        while still_beating(heart, 0.5) and time.monotonic() < end:
            pass
        assert not still_beating(heart, 0.5), "the child outlived its killed parent"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        if child_pid is not None:
            with contextlib.suppress(OSError):  # only if the test failed: it should be gone
                os.kill(child_pid, signal.SIGTERM)


def test_the_job_limits_have_the_windows_sdk_layout():
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION is 144 bytes on x64 (its basic part 64): a wrong field
    makes SetInformationJobObject fail with ERROR_BAD_LENGTH, or set another limit."""
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        pytest.skip("64-bit layout")
    assert ctypes.sizeof(processes._BasicLimits) == 64
    assert ctypes.sizeof(processes._ExtendedLimits) == 144
    assert processes._ExtendedLimits.IoInfo.offset == 64


def test_no_preexec_fn_anywhere_in_the_process_starters():
    source = Path(processes.__file__).read_text()
    assert "preexec_fn=" not in source and "os.setsid" not in source
