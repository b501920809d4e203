"""First run: where each user's files live (the owners' own locations), made private (0700)."""

import os
import stat
import sys

import pytest

from app import paths

XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    if not sys.platform.startswith("linux"):
        pytest.skip("moves the user's folders with HOME and XDG variables: Linux only")
    for var in ("CLINICDESK_SETTINGS", "CLINICDESK_HOME", "CLINICDESK_LOG_DIR", *XDG):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_every_location_is_per_user(fresh_home):
    found = paths.locations()
    for path in (found.settings_file, found.store_dir, found.log_dir):
        assert path.is_relative_to(fresh_home) and "ClinicDesk" in path.parts, path
    if sys.platform.startswith("linux"):
        assert found.settings_file == fresh_home / ".config" / "ClinicDesk" / "settings.ini"
        assert found.store_dir == fresh_home / ".local" / "share" / "ClinicDesk" / "stores"
        assert found.log_dir == fresh_home / ".local" / "state" / "ClinicDesk" / "log"


def test_the_locations_are_the_ones_their_owners_use(fresh_home, monkeypatch, tmp_path):
    from app import logsetup
    from app.store import keys

    found = paths.locations()
    assert found.store_dir == keys.default_path("someone").parent
    assert found.log_dir == logsetup.log_dir()
    settings = pytest.importorskip("app.settings")
    assert found.settings_file == settings.default_path()
    monkeypatch.setenv("CLINICDESK_SETTINGS", str(tmp_path / "x.ini"))
    monkeypatch.setenv("CLINICDESK_LOG_DIR", str(tmp_path / "logs"))
    assert paths.locations().settings_file == settings.default_path() == tmp_path / "x.ini"
    assert paths.locations().log_dir == tmp_path / "logs"
    monkeypatch.delenv("CLINICDESK_SETTINGS")
    monkeypatch.setenv("CLINICDESK_HOME", str(tmp_path / "demo"))
    assert settings.default_path() == tmp_path / "demo" / "settings.ini"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_first_run_creates_private_folders_and_tightens_old_ones(fresh_home):
    old_logs = fresh_home / ".local" / "state" / "ClinicDesk" / "log"
    old_logs.mkdir(parents=True)
    os.chmod(old_logs, 0o755)  # made by hand, by an older version or by a umask-022 mkdir
    os.chmod(old_logs.parent, 0o755)
    old = os.umask(0o022)
    try:
        found = paths.first_run()
    finally:
        os.umask(old)
    for folder in (*found.folders(), old_logs.parent, found.store_dir.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((fresh_home / ".local").stat().st_mode) != 0o700  # not ours: untouched
    assert paths.first_run() == found  # a second run changes nothing


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_override_outside_a_clinicdesk_folder_tightens_only_itself(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    os.chmod(tmp_path / "elsewhere", 0o755)
    target = paths.private_dir(tmp_path / "elsewhere" / "logs")
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "elsewhere").stat().st_mode) == 0o755
