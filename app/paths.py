"""Where ClinicDesk keeps each user's files (platformdirs), created on first use.

| what | Windows | Linux |
| --- | --- | --- |
| settings | %LOCALAPPDATA%\\ClinicDesk\\settings.ini | ~/.config/ClinicDesk/settings.ini |
| encrypted stores | %LOCALAPPDATA%\\ClinicDesk\\ | ~/.local/share/ClinicDesk/ |
| logs | %LOCALAPPDATA%\\ClinicDesk\\Logs\\ | ~/.local/state/ClinicDesk/log/ |

Nothing goes in the roaming profile (an encrypted chart cache must not follow a user to other
workstations) nor in the install folder (the MSI owns it and an upgrade replaces it).
Overrides, for tests and the demo: `CLINICDESK_HOME` puts all three under one folder;
`CLINICDESK_SETTINGS` names the settings file (as app/ui/settings.py reads it).
Folders are created with mode 0700 on POSIX: only their owner may list or read them.
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
    data_dir: Path
    log_dir: Path

    def as_dict(self) -> dict[str, str]:
        return {"settings_file": str(self.settings_file), "data_dir": str(self.data_dir),
                "log_dir": str(self.log_dir)}


def locations() -> Locations:
    """The current user's locations (nothing is created)."""
    home = os.environ.get("CLINICDESK_HOME")
    if home:
        base = Path(home)
        found = Locations(base / "settings.ini", base / "data", base / "logs")
    else:
        import platformdirs

        found = Locations(
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.ini",
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )
    override = os.environ.get("CLINICDESK_SETTINGS")
    if override:
        found = Locations(Path(override), found.data_dir, found.log_dir)
    return found


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) readable by its owner only; return it.

    An existing folder is tightened to 0700 too: a folder made by an older version or by hand
    with the default umask (0755) would let other local accounts list its files.
    """
    path.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
    if sys.platform != "win32" and (path.stat().st_mode & 0o777) != PRIVATE:
        path.chmod(PRIVATE)
    return path


def first_run() -> Locations:
    """Create the settings, data and log folders with private permissions; return them."""
    found = locations()
    for folder in (found.settings_file.parent, found.data_dir, found.log_dir):
        private_dir(folder)
    return found
