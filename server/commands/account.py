"""`clinicdesk-server account list|add --data DIR [--database URL]`.

`add --profile FILE` reads a profile in the /api/me JSON shape (app.core.profiles.profile_to_json)
and the password from standard input (never from the command line, which others can see); the
account is created or replaced, with its FHIR Practitioner.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("account", help="list or add user accounts")
    sub = p.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    for name, help_text in (("list", "usernames and professions"),
                            ("add", "create or replace an account from a profile JSON file")):
        action = sub.add_parser(name, help=help_text)
        action.add_argument("--data", type=Path, required=True, help="data directory")
        action.add_argument("--database", metavar="URL", help="postgresql://… instead of SQLite")
        action.set_defaults(run=run_list if name == "list" else run_add)
    sub.choices["add"].add_argument("--profile", type=Path, required=True,
                                    help="JSON file in the /api/me shape")


def run_list(args: argparse.Namespace) -> int:
    from server.identity.store import IdentityStore
    from server.storage import open_store

    store = open_store(args.data, args.database)
    try:
        identity = IdentityStore(store)
        for username in identity.usernames():
            account = identity.account(username)
            if account is None:  # removed since it was listed
                continue
            profile = account[0]
            print(f"{username:<12} {profile.profession.value:<20} "
                  f"{'administrative' if profile.is_administrative else ''}".rstrip())
    finally:
        store.close()
    return 0


def run_add(args: argparse.Namespace) -> int:
    from app.core.profiles import profile_from_json
    from server.identity.accounts import add_account
    from server.storage import open_store

    try:
        profile = profile_from_json(json.loads(args.profile.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"The profile file cannot be read: {type(error).__name__}", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("Give a password of at least 8 characters on standard input.", file=sys.stderr)
        return 2
    store = open_store(args.data, args.database)
    try:
        add_account(store, profile, password)
    finally:
        store.close()
    print(f"Account {profile.username} saved.")
    return 0
