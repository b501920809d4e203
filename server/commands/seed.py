"""`clinicdesk-server seed --data DIR --patients N [--seed S] [--database URL]`: demo
institutions and staff (their passwords are printed), then N synthetic Quebec patients,
written straight into the store. The same seed gives the same data."""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("seed", help="load demo staff and synthetic Quebec patients")
    p.add_argument("--data", type=Path, required=True, help="data directory (SQLite file)")
    p.add_argument("--patients", type=int, default=100, help="how many patients (default 100)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--database", metavar="URL", help="postgresql://… instead of SQLite")
    p.add_argument("--id-prefix", default="p", help="tells this set of patients apart (ids are "
                   "UUIDs derived from seed, prefix and index; default p)")
    p.add_argument("--schedule-day", default="today", metavar="YYYY-MM-DD|today|none",
                   help="book a full day of appointments for each physician (default today)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from server.seed import load, staff
    from server.storage import open_store

    store = open_store(args.data, args.database)
    try:
        started = time.perf_counter()
        load.load_staff(store)
        try:
            count = load.load_patients(store, args.patients, args.seed, id_prefix=args.id_prefix)
            day = schedule_day(args.schedule_day)
            if day is not None:
                count += load.load_schedule(store, args.patients, args.seed, day,
                                            id_prefix=args.id_prefix)
            store.analyze()  # the planner's statistics, now rather than at autovacuum's pace
        except load.AlreadySeeded:
            print("This store already holds these patients: use another --data directory, "
                  "database or --id-prefix.")
            return 1
        elapsed = time.perf_counter() - started
    finally:
        store.close()
    print(f"Seeded {args.patients} patients ({count} resources) in {elapsed:.1f} s "
          f"on {'PostgreSQL' if args.database else 'SQLite'}.\n")
    print("Demo accounts (username / password / who):")
    for account in staff.ACCOUNTS:
        p = account.profile
        print(f"  {p.username:<10} {account.password:<21} {p.display_name} ({p.profession.value})")
    return 0


def schedule_day(value: str) -> date | None:
    if value == "none":
        return None
    return date.today() if value == "today" else date.fromisoformat(value)
