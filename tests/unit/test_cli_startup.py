"""`clinicdesk <command>` start-up: building the parser imports every command module, so those
modules import their heavy parts (SQLCipher and the keyring, Qt, httpx, package metadata) inside
the functions that run, not at the top. Checked in a fresh interpreter, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# ≈ 60 ms of imports together before they moved (python -X importtime -m app nam check --help)
HEAVY = ("app.store", "sqlcipher3", "keyring", "cryptography", "PySide6", "httpx", "app.sync",
         "app.devices", "app.ui.app", "server", "importlib.metadata", "app.core.profiles")

PROBE = """
import json, sys
from app import cli
parser = cli.build_parser()
try:
    parser.parse_args(["nam", "check", "--help"])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def test_building_the_parser_imports_nothing_heavy():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert any(name.startswith("app.commands.") for name in loaded)  # the probe did build it
    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []


def test_every_command_is_registered():
    from app import cli

    assert cli.command_module("demo") == "app.commands.demo"
    listed = cli.build_parser().format_help()
    for name in ("nam", "support-bundle", "audit", "demo", "user-data", "export", "key"):
        assert f"    {name} " in listed or f"    {name}\n" in listed, name
