"""`clinicdesk audit verify [--store PATH] [--user NAME]`: check the access log's hash chain.
`clinicdesk audit report --patient NAM [--format csv|json]`: see app.commands.export.

The store is encrypted, so the command signs in like the app: the user is `--user` or the one
recorded beside `--store`; the password comes from `CLINICDESK_PASSWORD` (scripts) or is asked
on the terminal. Exit 0: the chain holds. Exit 1: it does not; the first bad entry is named by
its sequence number only (never patient data). Exit 2: the store could not be opened.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

PASSWORD_ENV = "CLINICDESK_PASSWORD"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("audit", help="access log tools")
    audit_sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser(
        "verify", help="check the access log's hash chain; exit 0 when it holds, 1 when not")
    verify.add_argument("--store", type=Path, help="database file (default: the user's store)")
    verify.add_argument("--user", help="ClinicDesk username (default: the store's own)")
    verify.set_defaults(run=run_verify)
    report = audit_sub.add_parser(
        "report", help="who accessed a patient's data: what, when, from which workstation")
    from app.commands.export import add_common, run_report
    add_common(report)
    report.add_argument("--format", choices=("csv", "json"), default="csv")
    report.set_defaults(run=run_report)


def password() -> str:
    return os.environ.get(PASSWORD_ENV) or getpass.getpass("ClinicDesk password: ")


def run_verify(args: argparse.Namespace) -> int:
    from app.store import StoreError  # here: SQLCipher and keyring, ≈ 60 ms to import
    from app.store.throttle import unlock  # Store.unlock, throttled like the sign-in

    if args.store is None and not args.user:
        print("audit verify: give --user or --store", file=sys.stderr)
        return 2
    try:
        store = unlock(args.user, password(), path=args.store)
        try:
            verdict = store.verify_access_log()
        finally:
            store.close()
    except StoreError as err:
        print(f"audit verify: {err.text}", file=sys.stderr)
        return 2
    if verdict.ok:
        print(f"access log intact: {verdict.count} entries")
        return 0
    print(f"access log broken at entry {verdict.first_bad} ({verdict.problem}); "
          f"{verdict.count} entries verified before it")
    return 1
