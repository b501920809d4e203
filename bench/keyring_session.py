"""Run a benchmark module's `measure` in a child process with a private D-Bus session and an
unlocked gnome-keyring, for machines whose own keyring is not usable (headless CI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def in_keyring_session(module: str, quick: bool) -> list[dict]:
    """`python -m MODULE --child --out FILE [--quick]` inside dbus-run-session; its rows."""
    home = tempfile.mkdtemp(prefix="bench-home-")
    out = Path(home) / "rows.json"
    env = {**os.environ, "HOME": home,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    script = ('printf bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null; '
              'exec "$0" -m "$1" --child --out "$2" $3')
    try:
        subprocess.run(["dbus-run-session", "--", "sh", "-c", script, sys.executable, module,
                        str(out), "--quick" if quick else ""], env=env, check=True,
                       cwd=Path(__file__).resolve().parents[1])
        return json.loads(out.read_text())
    finally:
        shutil.rmtree(home, ignore_errors=True)
