"""CI runs every benchmark at its quick sizes: a crash fails the suite, a slow figure does not
(timings on shared machines are noisy; `python -m bench` without --quick is the real measure).

Only `bundle` needs the session's PyInstaller build: the other modules run (two at a time: the
figures are not judged here) while it is built, then `bundle` runs on it."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import data
from bench.__main__ import MODULES

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"figure", "value", "unit", "goal", "limit_name", "limit_value", "passed"}
JOBS = 2
LIMIT_S = 600  # each run's


class Run:
    """`python -m bench --quick --only MODULES` in the background, in a process group of its own
    (its benchmark children ended with it), its output in files (never a full pipe)."""

    def __init__(self, where: Path, modules: list[str], jobs: int = 1,
                 env: dict[str, str] | None = None):
        self.json, self.out, self.err = (where.with_suffix(suffix)
                                         for suffix in (".json", ".out", ".err"))
        self.deadline = time.monotonic() + LIMIT_S
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench", "--quick", "--jobs", str(jobs), "--json",
                 str(self.json), "--only", *modules], cwd=ROOT, env=env, stdout=out,
                stderr=err, start_new_session=True)

    def report(self) -> dict:
        try:
            self.proc.wait(max(0.0, self.deadline - time.monotonic()))
        finally:
            self.end()
        report = json.loads(self.json.read_text())
        assert self.proc.returncode == 0, \
            f"crashed: {report['crashed']}\n{self.err.read_text()[-4000:]}"
        assert report["machine"]["cpus"] >= 1 and report["quick"] is True
        return report

    def printed(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def end(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# Each run's own limit is 600 s; the bundle's build (a session fixture) is counted here too.
@pytest.mark.timeout(1500, func_only=True)
def test_the_quick_run_measures_every_module_and_prints_no_patient(tmp_path, request):
    others = Run(tmp_path / "others", [m for m in MODULES if m != "bundle"], jobs=JOBS)
    try:
        bundle = request.getfixturevalue("demo_bundle")  # built meanwhile
        env = {**os.environ, "CLINICDESK_BUNDLE": str(bundle)}  # the session's build
        last_run = Run(tmp_path / "bundle", ["bundle"], env=env)
        last = last_run.report()
        report = others.report()
    finally:
        others.end()
    assert report["jobs"] == JOBS
    rows = report["results"] + last["results"]
    assert {row["bench"] for row in rows} == set(MODULES)
    for row in rows:
        assert row.keys() >= KEYS, row["figure"]
        assert math.isfinite(row["value"]), row["figure"]
        assert row["limit_value"] is None or math.isfinite(row["limit_value"]), row["figure"]
        if "runs" in row:
            assert row["runs"] >= 1 and row["median"] <= row["p95"] * (1 + 1e-9), row["figure"]
    printed = others.printed() + last_run.printed()
    people = data.store_patients(quick=True)[:200] + [data.large_chart()[0]]
    names = {p["name"][0]["family"] for p in people}
    nams = {i["value"] for p in people for i in p["identifier"]}
    assert not [n for n in names | nams if n in printed], "patient data in the benchmark output"
