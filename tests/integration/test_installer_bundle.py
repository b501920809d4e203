"""The PyInstaller bundle, built for real and run: the one slow installer test (≈ 30 s, ≈ 200 MB).

Skip it with `-m "not bundle"`; CI runs it. It builds the demo flavour (the one that carries the
reference server) into a temporary folder, then runs the bundled executable as a user would.
"""

import json
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.bundle, pytest.mark.timeout(600)]


def build(dist: Path) -> Path:
    done = subprocess.run([sys.executable, str(ROOT / "installer" / "build.py"), "--no-msi",
                           "--flavour", "demo", "--dist", str(dist), "--work", str(dist / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "size" in done.stdout and "build time" in done.stdout
    return dist / "clinicdesk-demo"


def test_the_bundle_runs_without_the_source_tree(tmp_path):
    bundle = build(tmp_path / "dist")
    exe = bundle / ("clinicdesk.exe" if sys.platform == "win32" else "clinicdesk")
    internal = bundle / "_internal"
    assert not (internal / "tests").exists() and not (internal / "pytest").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    # Run from an empty folder: nothing may come from the checkout.
    run = tmp_path / "cwd"
    run.mkdir()
    done = subprocess.run([str(exe), "nam", "check", "TREM 5001 0112"], cwd=run, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {"valid": True, "birthdate": "1850-01-01", "sex": "M"}
    out = tmp_path / "support.zip"
    done = subprocess.run([str(exe), "support-bundle", "--output", str(out)], cwd=run, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with zipfile.ZipFile(out) as zf:
        versions = json.loads(zf.read("versions.json"))
    assert versions["clinicdesk"] == metadata.version("clinicdesk")  # from the bundled metadata
    assert versions["frozen"] == "True" and versions["qt"].startswith("6.")
