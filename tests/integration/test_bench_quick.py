"""CI runs every benchmark at its quick sizes: a crash fails the suite, a slow figure does not
(timings on shared machines are noisy; `python -m bench` without --quick is the real measure)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import data
from bench.__main__ import MODULES

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"figure", "value", "unit", "goal", "limit_name", "limit_value", "passed"}


# The run's own limit is 600 s; the bundle's build (the fixture) is not counted in it.
@pytest.mark.timeout(660, func_only=True)
def test_the_quick_run_measures_every_module_and_prints_no_patient(tmp_path, demo_bundle):
    out = tmp_path / "bench.json"
    env = {**os.environ, "CLINICDESK_BUNDLE": str(demo_bundle)}  # the session's build, not another
    run = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    report = json.loads(out.read_text())
    assert run.returncode == 0, f"crashed: {report['crashed']}\n{run.stderr[-4000:]}"
    rows = report["results"]
    assert {row["bench"] for row in rows} == set(MODULES)
    for row in rows:
        assert row.keys() >= KEYS, row["figure"]
        assert math.isfinite(row["value"]), row["figure"]
        assert row["limit_value"] is None or math.isfinite(row["limit_value"]), row["figure"]
        if "runs" in row:
            assert row["runs"] >= 1 and row["median"] <= row["p95"] * (1 + 1e-9), row["figure"]
    assert report["machine"]["cpus"] >= 1 and report["quick"] is True
    printed = run.stdout + run.stderr
    people = data.store_patients(quick=True)[:200] + [data.large_chart()[0]]
    names = {p["name"][0]["family"] for p in people}
    nams = {i["value"] for p in people for i in p["identifier"]}
    assert not [n for n in names | nams if n in printed], "patient data in the benchmark output"
