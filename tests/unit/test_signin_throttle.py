"""app.store.throttle: the schedule, the refusal of an early attempt, the file that survives a
restart (read by a new object and by a new process), tampering that only makes it forget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.store.throttle import CAP_S, FREE, Throttle, TooManyAttempts, delay_after

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(tmp_path, clock) -> Throttle:
    return Throttle(tmp_path / "throttle", clock)


def test_schedule_is_free_then_doubles_up_to_the_cap():
    assert [delay_after(n) for n in range(FREE)] == [0.0] * FREE
    assert [delay_after(FREE + k) for k in range(5)] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert delay_after(FREE + 100) == CAP_S == 300.0


def test_free_failures_then_an_early_attempt_is_refused(throttle, clock):
    for _ in range(FREE - 1):
        assert throttle.failed("1000001") == 0.0
        throttle.check("1000001")  # no wait yet
    assert throttle.failed("1000001") == 1.0
    with pytest.raises(TooManyAttempts) as early:
        throttle.check("1000001")
    assert early.value.wait_s == 1.0
    assert str(early.value.text) == "Too many wrong passwords. Try again in 1 s."
    clock.now += 0.4
    with pytest.raises(TooManyAttempts) as still:
        throttle.check("1000001")
    assert still.value.wait_s == pytest.approx(0.6)
    assert still.value.text.args["seconds"] == 1  # rounded up, never "0 s"
    clock.now += 0.6
    throttle.check("1000001")  # the wait is over
    assert throttle.failed("1000001") == 2.0  # and the next failure doubles it


def test_each_user_has_its_own_count(throttle):
    for _ in range(FREE + 2):
        throttle.failed("1000001")
    assert throttle.wait_left("1000001") == 4.0
    assert throttle.wait_left("1000009") == 0.0
    throttle.check("1000009")
    assert throttle.wait_left(" 1000001 ".upper()) == 4.0  # the key is normalised


def test_success_resets(throttle, clock):
    for _ in range(FREE + 3):
        throttle.failed("1000001")
    clock.now += CAP_S
    throttle.succeeded("1000001")
    assert not throttle.path("1000001").exists()
    assert [throttle.failed("1000001") for _ in range(FREE)] == [0.0, 0.0, 1.0]


def test_the_wait_is_capped_even_when_the_clock_goes_back(throttle, clock):
    for _ in range(FREE + 40):
        throttle.failed("1000001")
    assert throttle.wait_left("1000001") == CAP_S
    clock.now -= 86_400  # the workstation's clock set back a day
    assert throttle.wait_left("1000001") == CAP_S
    clock.now += 86_400 + CAP_S
    throttle.check("1000001")


def test_a_new_object_reads_the_wait_back(tmp_path, throttle, clock):
    for _ in range(FREE + 2):
        throttle.failed("1000001")
    again = Throttle(tmp_path / "throttle", clock)
    with pytest.raises(TooManyAttempts) as early:
        again.check("1000001")
    assert early.value.wait_s == 4.0


def test_a_new_process_reads_the_wait_back(tmp_path, throttle, clock):
    """The real default location (paths.state_dir) in a new process: XDG_STATE_HOME."""
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(ROOT)}
    env.pop("CLINICDESK_HOME", None)
    script = ("import sys; from app.store.throttle import Throttle; t = Throttle(); "
              "print(t.path('1000001')); "
              "[t.failed('1000001') for _ in range(int(sys.argv[1]))] if sys.argv[1] != '0' "
              "else print(round(t.wait_left('1000001')))")
    run = [sys.executable, "-c", script]
    first = subprocess.run([*run, str(FREE + 3)], env=env, capture_output=True, text=True,
                           check=True, timeout=60)
    path = Path(first.stdout.split()[0])
    assert path.parent == tmp_path / "state" / "ClinicDesk" / "throttle"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert set(json.loads(path.read_text())) == {"failures", "last"}  # nothing secret
    second = subprocess.run([*run, "0"], env=env, capture_output=True, text=True, check=True,
                            timeout=60)
    assert 0 < int(second.stdout.split()[1]) <= 8


@pytest.mark.parametrize("content", ["", "{", "[]", '{"failures": "x", "last": 1}',
                                     '{"failures": 1}', "\x00\xff"])
def test_a_damaged_file_makes_it_forget_never_lock_out(throttle, content):
    for _ in range(FREE + 5):
        throttle.failed("1000001")
    throttle.path("1000001").write_text(content, encoding="latin-1")
    throttle.check("1000001")
    assert throttle.failed("1000001") == 0.0  # counting starts again
