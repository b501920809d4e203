"""The PyInstaller bundle, built for real and run: the one slow installer test (≈ 30–60 s,
≈ 230 MB in a temporary folder). Skip it with `-m "not bundle"`; CI runs it.

It builds the demo flavour (the one that carries the reference server), then, from an empty
folder with a fresh HOME, runs the bundled executable as a user would: the demo offscreen with a
screenshot (the reference server started by the bundle itself), the first start of the app
(private folders), `audit verify` on a real encrypted store (SQLCipher, the store's migrations
and the Secret Service keyring, all from inside the bundle), `nam check`, `key diagnose`
(pyscard), `support-bundle`.
"""

import json
import os
import stat
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.store import KdfParams, Store, keys
from installer import contents

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(900)]


def distinct_colours(png: Path) -> int:
    image = QImage(str(png))
    assert not image.isNull(), "not a PNG Qt can read"
    assert image.width() >= 400 and image.height() >= 300
    step_x, step_y = max(1, image.width() // 64), max(1, image.height() // 48)
    return len({image.pixel(x, y) for x in range(0, image.width(), step_x)
                for y in range(0, image.height(), step_y)})


def test_the_bundle_runs_the_demo_and_the_app_without_the_source_tree(tmp_path, demo_bundle):
    bundle = demo_bundle
    exe = bundle / ("clinicdesk.exe" if sys.platform == "win32" else "clinicdesk")
    internal = bundle / "_internal"
    assert not (internal / "tests").exists() and not (internal / "pytest").exists()
    assert contents.missing_from_bundle(bundle) == []  # French shows French
    assert (internal / "resources" / "icons" / "clinicdesk.ico").is_file()
    dangling = [p.name for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    assert dangling == [], "links to trimmed Qt libraries left in the bundle"
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()  # an empty folder: nothing may come from the checkout
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "CLINICDESK_", "XDG_"))}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen")

    def run(*args: str, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(exe), *args], cwd=cwd, env={**env, **extra},
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{args}: {done.stderr[-2000:]}"
        return done

    png = tmp_path / "demo.png"
    run("demo", "--offscreen", "--screenshot", str(png), "--quit-after", "0", "--patients", "20",
        timeout=240)
    assert distinct_colours(png) >= 8, "the demo's screenshot is blank"

    run(CLINICDESK_EXIT_AFTER_SHOW="1")  # the app itself: first start, sign-in window, quit
    config = home / ".config" / "ClinicDesk"
    if sys.platform != "win32":
        for folder in (config, home / ".local" / "share" / "ClinicDesk" / "stores",
                       home / ".local" / "state" / "ClinicDesk" / "log"):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder

    store = Store.create("bundle-check", "correct horse", path=tmp_path / "s" / "a.db",
                         kdf=KdfParams(n=2**10, r=8, p=1))
    key_file = store.key_file
    store.close()
    try:
        done = run("audit", "verify", "--store", str(tmp_path / "s" / "a.db"),
                   CLINICDESK_PASSWORD="correct horse")
        assert "access log intact: 0 entries" in done.stdout
    finally:
        keys.delete_keyring_entries(key_file)

    assert json.loads(run("nam", "check", "TREM 5001 0112").stdout)["valid"] is True
    diagnosis = subprocess.run([str(exe), "key", "diagnose", "--json"], cwd=cwd, env=env,
                               capture_output=True, text=True, timeout=60)
    assert diagnosis.returncode in (0, 1), diagnosis.stderr[-2000:]  # 1: no usable key here
    assert json.loads(diagnosis.stdout)["verdict"]["fr"]  # pyscard works from the bundle
    out = tmp_path / "support.zip"
    run("support-bundle", "--output", str(out))
    with zipfile.ZipFile(out) as zf:
        versions = json.loads(zf.read("versions.json"))
    assert versions["clinicdesk"] == metadata.version("clinicdesk")  # from the bundled metadata
    assert versions["frozen"] == "True" and versions["qt"].startswith("6.")
