"""`clinicdesk user-data show` and `clinicdesk user-data remove --yes-remove-local-charts`.

Uninstalling the MSI never touches a user's files (settings, logs, encrypted stores): they are
per user and outside the install folder. This command is the "unless asked": run by the user
(or by IT in the user's session) it removes them, with the stores' keyring entries. Charts
changed offline and not yet synced are lost with the store: sign in and let sync finish first.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

CONFIRM = "--yes-remove-local-charts"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("user-data", help="where this user's files are; remove them")
    actions = parser.add_subparsers(dest="user_data_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="the folders and the stores in them (JSON)")
    show.set_defaults(run=run_show)
    remove = actions.add_parser("remove", help="delete this user's settings, logs and stores")
    remove.add_argument(CONFIRM, dest="confirmed", action="store_true",
                        help="required: the encrypted chart cache cannot be recovered")
    remove.set_defaults(run=run_remove)


def stores(store_dir: Path) -> list[Path]:
    return sorted(store_dir.glob("*.db")) if store_dir.is_dir() else []


def describe() -> dict:
    from app import paths  # here: every command's parser imports this module

    where = paths.locations()
    found = [{"file": p.name, "bytes": p.stat().st_size} for p in stores(where.store_dir)]
    return {**where.as_dict(), "stores": found, "settings_exists": where.settings_file.exists(),
            "logs_exist": where.log_dir.is_dir()}


def run_show(args: argparse.Namespace) -> int:
    print(json.dumps(describe(), indent=2, ensure_ascii=False))
    return 0


def remove_all() -> dict:
    """Delete every store (files and keyring entries), the settings file, the logs and the
    password throttle's files (they name the app users who signed in here)."""
    from app import logsetup, paths
    from app.store import keys
    from app.store.store import remove_files
    from app.store.throttle import Throttle

    where = paths.locations()
    removed = []
    for db in stores(where.store_dir):
        key_file = keys.key_file_path(db)
        if key_file.exists():
            keys.delete_keyring_entries(keys.KeyFile.load(key_file))
        remove_files(db)
        removed.append(db.name)
    logsetup.teardown()  # the handler would re-create the file it holds open
    if where.log_dir.is_dir():
        shutil.rmtree(where.log_dir)
    if where.settings_file.exists():
        where.settings_file.unlink()
    throttle = Throttle().folder
    if throttle.is_dir():
        shutil.rmtree(throttle)
    return {"removed_stores": removed, "settings": str(where.settings_file),
            "logs": str(where.log_dir)}


def run_remove(args: argparse.Namespace) -> int:
    if not args.confirmed:
        print(f"Nothing removed. This deletes the encrypted chart cache of every ClinicDesk user "
              f"of this account, with changes not yet synced; add {CONFIRM} to go ahead.")
        return 2
    print(json.dumps(remove_all(), indent=2, ensure_ascii=False))
    return 0
