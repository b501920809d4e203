"""`clinicdesk-server` command line: each sub-command lives in `server/commands/<name>.py` with
`register(subparsers)`; the one chosen runs `args.run(args)` and returns the exit code."""

from __future__ import annotations

import argparse
import importlib

COMMANDS = ("serve", "seed", "account", "ramq-import", "audit")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinicdesk-server",
                                     description="ClinicDesk reference central EMR server")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"server.commands.{name.replace('-', '_')}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
