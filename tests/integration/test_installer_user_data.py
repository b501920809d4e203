"""`clinicdesk user-data`: what the MSI's uninstall leaves, and how a user removes it when asked —
a real encrypted store with its entry in the real Secret Service keyring, a settings file, logs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from app.store import KdfParams, Store, keys
from app.store.throttle import Throttle

ROOT = Path(__file__).resolve().parents[2]
# The user's folders are moved into tmp_path with the XDG variables, which only Linux reads.
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders")
FAST_KDF = KdfParams(n=2**10, r=8, p=1)


@pytest.fixture
def user_files(tmp_path, monkeypatch):
    env = {"XDG_CONFIG_HOME": tmp_path / "config", "XDG_DATA_HOME": tmp_path / "data",
           "XDG_STATE_HOME": tmp_path / "state"}
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    for name in ("CLINICDESK_SETTINGS", "CLINICDESK_HOME", "CLINICDESK_LOG_DIR"):
        monkeypatch.delenv(name, raising=False)
    store = Store.create("installer-test", "correct horse battery", kdf=FAST_KDF)
    db = store.path
    store.close()
    key_file = keys.KeyFile.load(keys.key_file_path(db))
    settings = tmp_path / "config" / "ClinicDesk" / "settings.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text("[General]\nlanguage=fr\n")
    logs = tmp_path / "state" / "ClinicDesk" / "log"
    logs.mkdir(parents=True)
    (logs / "clinicdesk.log").write_text("started\n")
    Throttle().failed("installer-test")
    yield db, key_file, settings, logs
    keys.delete_keyring_entries(key_file)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "user-data", *args], cwd=ROOT,
                          env=dict(os.environ), capture_output=True, text=True, timeout=120)


def test_show_lists_the_folders_and_stores(user_files):
    db, _, settings, logs = user_files
    done = cli("show")
    assert done.returncode == 0, done.stderr[-2000:]
    shown = json.loads(done.stdout)
    assert shown["settings_file"] == str(settings) and shown["log_dir"] == str(logs)
    assert shown["store_dir"] == str(db.parent)
    assert [s["file"] for s in shown["stores"]] == [db.name]


def test_nothing_is_removed_without_the_explicit_flag(user_files):
    db, key_file, settings, logs = user_files
    done = cli("remove")
    assert done.returncode == 2 and "--yes-remove-local-charts" in done.stdout
    assert db.exists() and settings.exists() and logs.is_dir()
    assert keyring.get_password(keys.SERVICE, key_file.account) is not None


def test_remove_deletes_the_stores_their_keyring_entries_settings_and_logs(user_files):
    db, key_file, settings, logs = user_files
    assert Throttle().folder.is_dir()
    done = cli("remove", "--yes-remove-local-charts")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["removed_stores"] == [db.name]
    assert not db.exists() and not keys.key_file_path(db).exists()
    assert not settings.exists() and not logs.exists() and not Throttle().folder.exists()
    assert keyring.get_password(keys.SERVICE, key_file.account) is None
