"""The benchmark runner's policy: a crash fails the run, a missed goal is only reported."""

import json
import subprocess

from bench import __main__ as runner
from bench import stats


def _rows(passed: bool) -> list[dict]:
    return [stats.row("a figure", 12.0, "ms", "≤ 10 ms", passed, "a peer", 6.0,
                      samples=[10.0, 11.0, 12.0, 30.0])]


def test_a_crash_fails_the_run_and_the_others_still_print(monkeypatch, tmp_path, capsys):
    def run_module(name: str, quick: bool) -> list[dict]:
        if name == "seed":
            raise subprocess.CalledProcessError(1, ["python", "-m", "bench"])
        return _rows(passed=False)

    monkeypatch.setattr(runner, "run_module", run_module)
    out = tmp_path / "r.json"
    assert runner.main(["--quick", "--only", "store", "seed", "--json", str(out)]) == 1
    report = json.loads(out.read_text())
    assert report["crashed"] == ["seed"] and [r["bench"] for r in report["results"]] == ["store"]
    table = capsys.readouterr().out
    assert "a figure" in table and "FAIL" in table and "2.00×" in table


def test_missed_goals_do_not_fail_the_run(monkeypatch):
    monkeypatch.setattr(runner, "run_module", lambda name, quick: _rows(passed=False))
    assert runner.main(["--only", "access"]) == 0


def test_a_row_carries_the_median_and_p95_of_its_samples():
    row = _rows(passed=True)[0]
    assert row["median"] == 11.5 and row["runs"] == 4
    assert 12.0 < row["p95"] <= 30.0
    assert stats.p95([7.0]) == 7.0
    assert "runs" not in stats.row("x", 1.0, "s", "stated", True)

