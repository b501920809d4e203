"""Entry point of the bundled executable: the same `clinicdesk` command line as the package.

A workstation bundle leaves the demo-only commands out (see installer/flavours.py); the command
table keeps only the sub-commands whose modules are in the bundle, so `--help` never offers one
that would fail.
"""

import importlib.util
import sys

from app import cli


def main() -> int:
    cli.COMMANDS = tuple(
        name for name in cli.COMMANDS if importlib.util.find_spec(f"app.commands.{name}")
    )
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
