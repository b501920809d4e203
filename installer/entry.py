"""Entry point of the bundled executable: the same `clinicdesk` command line as the package.

A workstation bundle leaves the demo-only commands out (see installer/flavours.py); the command
table keeps only the sub-commands whose modules are in the bundle, so `--help` never offers one
that would fail. Starting the app itself (no sub-command) first creates the user's folders
with owner-only permissions (app.paths.first_run).
"""

import importlib.util
import sys

from app import cli


def main() -> int:
    cli.COMMANDS = tuple(
        name for name in cli.COMMANDS if importlib.util.find_spec(f"app.commands.{name}")
    )
    if len(sys.argv) == 1:
        from app import paths

        paths.first_run()
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
