"""The store's figures need a real Secret Service keyring. `measured(name, measure, quick)`
measures here when this process has one; otherwise (a headless machine, `./dev.sh bench`) it
runs `python -m bench --child NAME` inside a private D-Bus session with an unlocked
gnome-keyring, as `./dev.sh test` does, and returns the child's rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def keyring_usable() -> bool:
    import keyring

    from app.store import keys
    allowed = os.environ.pop(keys.ALLOW_INSECURE, None)  # measure the real thing only
    try:
        keys.check_backend()
        keyring.set_password("ClinicDesk bench", "probe", "x")
        keyring.delete_password("ClinicDesk bench", "probe")
        return True
    except Exception:
        return False
    finally:
        if allowed is not None:
            os.environ[keys.ALLOW_INSECURE] = allowed


def measured(name: str, measure: Callable[[bool], list[dict]], quick: bool) -> list[dict]:
    """measure(quick), in a private keyring session when this process has no keyring."""
    return measure(quick) if keyring_usable() else _in_keyring_session(name, quick)


def _in_keyring_session(name: str, quick: bool) -> list[dict]:
    home = tempfile.mkdtemp(prefix="bench-home-")
    out = Path(home) / "rows.json"
    env = {**os.environ, "HOME": home,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    script = ('printf bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null; '
              'exec "$0" -m bench --child "$1" --out "$2" $3')
    try:
        subprocess.run(["dbus-run-session", "--", "sh", "-c", script, sys.executable, name,
                        str(out), "--quick" if quick else ""], env=env, check=True,
                       cwd=Path(__file__).resolve().parents[1])
        return json.loads(out.read_text())
    finally:
        shutil.rmtree(home, ignore_errors=True)
