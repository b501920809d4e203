"""Entry point of the bundled executable: the same `clinicdesk` command line as the package.

A workstation bundle leaves the demo-only commands out (see installer/flavours.py); the command
table keeps only the sub-commands whose modules are in the bundle, so `--help` never offers one
that would fail.

In a bundle `sys.executable` is this program, not a Python, so code that starts a helper as
`[sys.executable, "-m", "server.cli", …]` (the demo's reference server) comes back here:
`-m MODULE` runs that bundled module as `python -m` would, for the modules listed in RUNNABLE.
"""

import importlib.util
import runpy
import sys

from app import cli

RUNNABLE = ("server.cli", "app.demo.virtual_key")


def run_module(module: str, args: list[str]) -> int:
    try:
        found = module in RUNNABLE and importlib.util.find_spec(module) is not None
    except ImportError:  # its package is not in this build (the workstation has no server)
        found = False
    if not found:
        print(f"clinicdesk: -m {module}: not available in this build", file=sys.stderr)
        return 2
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


def main() -> int:
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "-m":
        return run_module(argv[1], argv[2:])
    cli.COMMANDS = tuple(
        name for name in cli.COMMANDS if importlib.util.find_spec(cli.command_module(name))
    )
    return cli.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
