"""`clinicdesk audit verify [--store PATH] [--user NAME] [--server URL | --offline]`: check the
access log's hash chain, its head and keyring anchor, then (online) the server's copy.
`clinicdesk audit report --patient NAM [--format csv|json]`: see app.commands.export.

The store is encrypted, so the command signs in like the app: the user is `--user` or the one
recorded beside `--store`; the password comes from `CLINICDESK_PASSWORD` (scripts) or is asked
on the terminal. Online — `--server`, or else the server in the settings unless `--offline` —
the entries are compared with the AuditEvents the server holds for them (app.sync.audit_check);
an unreachable configured server is noted, not a failure. Exit 0: all holds. Exit 1: it does
not; bad entries are named by sequence number only (never patient data). Exit 2: the store
could not be opened, or the server given by `--server` could not be asked.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.store import Entry

PASSWORD_ENV = "CLINICDESK_PASSWORD"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("audit", help="access log tools")
    audit_sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser(
        "verify", help="check the access log's hash chain; exit 0 when it holds, 1 when not")
    verify.add_argument("--store", type=Path, help="database file (default: the user's store)")
    verify.add_argument("--user", help="ClinicDesk username (default: the store's own)")
    online = verify.add_mutually_exclusive_group()
    online.add_argument("--server", help="central server URL (default: the configured one)")
    online.add_argument("--offline", action="store_true", help="do not compare with the server")
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
    secret = password()
    try:
        store = unlock(args.user, secret, path=args.store)
        try:
            verdict = store.verify_access_log()
            entries, acknowledged = store.access_entries(0, 10**9), store.acknowledged_access()
        finally:
            store.close()
    except StoreError as err:
        print(f"audit verify: {err.text}", file=sys.stderr)
        return 2
    if verdict.ok:
        print(f"access log intact: {verdict.count} entries")
    else:
        print(f"access log broken at entry {verdict.first_bad} ({verdict.problem}); "
              f"{verdict.count} entries verified before it")
    online = 0 if args.offline else _compare_online(args, store.username, secret, entries,
                                                     acknowledged)
    return 1 if not verdict.ok or online == 1 else online


def _compare_online(args: argparse.Namespace, username: str, secret: str, entries: list[Entry],
                    acknowledged: set[int]) -> int:
    """0 the server agrees (or no server to ask), 1 mismatches, 2 `--server` unreachable."""
    server = args.server or _configured_server()
    if not server:
        return 0
    from app.central.client import ClientConfig, FhirClient
    from app.central.errors import SyncError
    from app.central.retry import Retrier
    from app.sync.audit_check import compare
    client = FhirClient(ClientConfig(server_url=server, username=username),
                        retrier=Retrier(attempts=2))
    try:
        client.sign_in(secret)
        result = compare(client, entries, acknowledged)
    except SyncError as err:
        print(f"audit verify: server not compared: {err.text}", file=sys.stderr)
        return 2 if args.server else 0
    finally:
        client.close()
    print(f"server: {result.on_server} entries match, {len(result.pending)} not pushed yet")
    for label, seqs in (("acknowledged but missing on the server", result.missing),
                        ("differing from the server's copy", result.differing),
                        ("acknowledged by the server but gone from the local log",
                         result.gone)):
        if seqs:
            print(f"server: entries {_ranges(seqs)} {label}")
    return 0 if result.ok else 1


def _configured_server() -> str:
    from app.settings import Settings as Preferences
    return Preferences().server_url


def _ranges(seqs: list[int]) -> str:
    """1,2,3,7 -> "1-3, 7"."""
    out: list[str] = []
    for seq in sorted(seqs):
        if out and out[-1].split("-")[-1] == str(seq - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{seq}"
        else:
            out.append(str(seq))
    return ", ".join(out)
