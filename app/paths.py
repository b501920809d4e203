"""Where ClinicDesk keeps each user's files, in one place for the installer, the support
bundle and the first run. Each location is the one its owner uses (no second opinion here):

    settings  (app/settings.py)     Windows %LOCALAPPDATA%\\ClinicDesk\\settings.ini
                                    Linux   ~/.config/ClinicDesk/settings.ini
    stores    (app/store/keys.py)   Windows %LOCALAPPDATA%\\ClinicDesk\\stores\\
                                    Linux   ~/.local/share/ClinicDesk/stores/
    logs      (app/logsetup.py)     Windows %LOCALAPPDATA%\\ClinicDesk\\Logs\\
                                    Linux   ~/.local/state/ClinicDesk/log/
    state     (app/store/throttle)  Windows %LOCALAPPDATA%\\ClinicDesk\\
                                    Linux   ~/.local/state/ClinicDesk/ (throttle/: the failed
                                    password attempts per app user, nothing secret)

All per user, none in the roaming profile (an encrypted chart cache must not follow a user to
other workstations) nor in the install folder (the MSI owns it; an upgrade replaces it; an
uninstall removes it and leaves these). Overrides: `CLINICDESK_SETTINGS` (the settings file),
`CLINICDESK_HOME` (the demo's folder: settings.ini in it), `CLINICDESK_LOG_DIR` (the logs).
On POSIX the folders are made 0700: only their owner may list or read them (Windows gives
%LOCALAPPDATA% an owner-only ACL already).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "ClinicDesk"
PRIVATE = 0o700


@dataclass(frozen=True)
class Locations:
    settings_file: Path
    store_dir: Path
    log_dir: Path

    def as_dict(self) -> dict[str, str]:
        return {"settings_file": str(self.settings_file), "store_dir": str(self.store_dir),
                "log_dir": str(self.log_dir)}

    def folders(self) -> tuple[Path, ...]:
        return (self.settings_file.parent, self.store_dir, self.log_dir)


def settings_file() -> Path:
    """The settings file (app/settings.py `default_path()` asks here)."""
    override = os.environ.get("CLINICDESK_SETTINGS")
    if override:
        return Path(override)
    if os.environ.get("CLINICDESK_HOME"):  # the demo's throw-away folder
        return Path(os.environ["CLINICDESK_HOME"]) / "settings.ini"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.ini"


def store_dir() -> Path:
    """The folder of app/store/keys.py `default_path()` (a test keeps them equal): computed
    here, not imported, because importing app.store loads SQLCipher, ≈ 90 ms of start-up."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "stores"


def state_dir() -> Path:
    """Small per-user state that must survive a restart (the password throttle)."""
    if os.environ.get("CLINICDESK_HOME"):  # the demo's throw-away folder
        return Path(os.environ["CLINICDESK_HOME"]) / "state"
    import platformdirs

    return platformdirs.user_state_path(APP_NAME, appauthor=False)


def locations() -> Locations:
    """The current user's locations (nothing is created)."""
    from app.logsetup import log_dir

    return Locations(settings_file(), store_dir(), log_dir())


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) readable by its owner only; return it.

    Existing folders from `path` up to the ClinicDesk folder are tightened to 0700 too: one made
    by an older version, by hand or by `mkdir` with the default umask (0755) would let other
    local accounts list the files in it. Folders above ClinicDesk's own are never touched.
    """
    path.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
    if sys.platform == "win32":
        return path
    chain = [path, *path.parents]
    top = next((n for n, folder in enumerate(chain) if folder.name == APP_NAME), 0)
    for folder in chain[: top + 1]:
        if (folder.stat().st_mode & 0o777) != PRIVATE:
            folder.chmod(PRIVATE)
    return path


def first_run() -> Locations:
    """Create the settings, store and log folders with private permissions; return them."""
    found = locations()
    for folder in found.folders():
        private_dir(folder)
    return found
