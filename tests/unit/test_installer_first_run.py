"""First run: where each user's files live, created private (0700) on POSIX."""

import os
import stat
import sys

import pytest

from app import paths


def test_clinicdesk_home_puts_everything_under_one_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINICDESK_HOME", str(tmp_path))
    monkeypatch.delenv("CLINICDESK_SETTINGS", raising=False)
    found = paths.locations()
    assert found.settings_file == tmp_path / "settings.ini"
    assert found.data_dir == tmp_path / "data" and found.log_dir == tmp_path / "logs"


def test_default_locations_are_per_user_and_outside_the_install_folder(tmp_path, monkeypatch):
    for var in ("CLINICDESK_HOME", "CLINICDESK_SETTINGS", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                "XDG_STATE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    found = paths.locations()
    for path in (found.settings_file, found.data_dir, found.log_dir):
        assert path.is_relative_to(tmp_path) and "ClinicDesk" in path.parts
    if sys.platform.startswith("linux"):
        assert found.settings_file == tmp_path / ".config" / "ClinicDesk" / "settings.ini"
        assert found.data_dir == tmp_path / ".local" / "share" / "ClinicDesk"


def test_the_settings_override_matches_the_ui(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINICDESK_SETTINGS", str(tmp_path / "x.ini"))
    assert paths.locations().settings_file == tmp_path / "x.ini"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_first_run_creates_private_folders_and_tightens_old_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINICDESK_HOME", str(tmp_path / "cd"))
    monkeypatch.delenv("CLINICDESK_SETTINGS", raising=False)
    (tmp_path / "cd" / "logs").mkdir(parents=True, mode=0o755)
    os.chmod(tmp_path / "cd" / "logs", 0o755)  # made by hand or by an older version
    old = os.umask(0o022)
    try:
        found = paths.first_run()
    finally:
        os.umask(old)
    for folder in (found.settings_file.parent, found.data_dir, found.log_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert paths.first_run() == found  # a second run changes nothing
