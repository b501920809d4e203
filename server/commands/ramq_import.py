"""`clinicdesk-server ramq-import --data DIR [--database URL]`: run the RAMQ registration
import now for every configured institution (as the nightly job does), then print each
institution's status. Exit code 1 when an import stopped on its credentials."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("ramq-import", help="import RAMQ registrations now")
    p.add_argument("--data", type=Path, required=True, help="data directory (SQLite file)")
    p.add_argument("--database", metavar="URL", help="postgresql://… instead of SQLite")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import threading

    from server.ramq import Services, import_all
    from server.ramq.db import RamqDb
    from server.ramq.source import RamqSource
    from server.storage import open_store

    store = open_store(args.data, args.database)
    try:
        svc = Services(RamqDb(store, args.data), RamqSource(args.data), threading.Lock())
        done = import_all(store, svc)
        for institution, state in done.items():
            status = svc.db.status(institution)
            failing = f", credential {status.credential} since {status.since}" \
                if status.since else ""
            print(f"{institution}: {state} (registrations {status.imported}, "
                  f"updated {status.updated}{failing})")
    finally:
        store.close()
    if not done:
        print("No institution has a RAMQ import configuration.")
    return 1 if any(s not in ("ok", "ok-second-aip") for s in done.values()) else 0
