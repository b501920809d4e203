"""`clinicdesk` command line: each sub-command lives in `app/commands/<name>.py` with
`register(subparsers)`; the one chosen runs `args.run(args)` and returns the exit code.
Without a sub-command, `clinicdesk` opens the workstation app (app.ui.app.main).

Commands sit below the UI: one that opens the window (the demo) gets app.ui.app from this entry
point as `args.window()`, imported only when called."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from types import ModuleType

COMMANDS = ("nam", "support", "audit", "demo", "userdata", "export", "key")


def build_parser() -> argparse.ArgumentParser:
    import argparse  # not at the top: `clinicdesk` alone starts the app without it

    parser = argparse.ArgumentParser(prog="clinicdesk", description="ClinicDesk workstation client")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(command_module(name)).register(sub)
    parser.set_defaults(window=window)
    return parser


def command_module(name: str) -> str:
    return f"app.commands.{name}"


def window() -> ModuleType:
    """app.ui.app (`has_display`, `run`), for a command that opens the window."""
    from app.ui import app as ui_app

    return ui_app


def start_logging() -> None:
    """The redacting file log, once per process; a workstation without a writable log folder
    still runs (the failure goes to stderr)."""
    from app import logsetup

    try:
        logsetup.setup()
    except OSError as err:
        print(f"clinicdesk: no log file ({err.strerror})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # the app itself; no command module is imported (start-up time)
        from app import paths

        paths.first_run()  # private (0700) settings, store and log folders
        start_logging()
        from app.ui.app import main as gui

        return gui()
    start_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    return int(args.run(args) or 0)
