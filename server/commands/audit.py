"""`clinicdesk-server audit verify --data DIR [--database URL]`: check the AuditEvent hash chain.

Exit 0 when intact (prints the number of records and the head hash: note it somewhere else,
it is what a later run can be compared with); 1 naming the first bad record by its chain
number; 2 when the database cannot be read. Nothing of any AuditEvent's content is printed.

Threat model. Someone with write access to the database (an administrator with SQL, a stolen
backup restored, a faulty tool) edits, deletes, inserts, reorders or truncates rows of the
audit trail (`audit_event`, its search rows `audit_identifier`: server.storage.chain):
- an edit (of the body or of any column), removal, insertion or reordering of a record breaks
  its link (every link hashes the record, its position and the previous link) and is named; an
  edited, removed or added search row is named by the record it belongs to;
- removing the last records also leaves `audit_head` (count and hash, updated in the same
  transaction as each link) further than the chain; to hide it one must also rewrite the head;
- rewriting the whole chain and its head (the hash has no key: anyone can recompute it) is
  caught by the checkpoint each server writes to its data directory (at most a second behind
  its audit commits, and when it stops),
  outside the database: the chain must still hold the checkpointed record with the same hash.
  A rewrite of what was stored after the last checkpoint, by someone who can also write both
  the database and the server's data directory, is not detectable here; the head printed by
  each run, kept elsewhere (a ticket, a WORM store), extends the protection to that point.
With several server processes on one PostgreSQL, give the data directory of one of them (each
checkpoint names a point of the one shared chain).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="check the audit trail")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="check the AuditEvent hash chain from its start")
    verify.add_argument("--data", type=Path, required=True, help="data directory")
    verify.add_argument("--database", metavar="URL", help="postgresql://… instead of SQLite")
    verify.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from server.storage import DB_FILE, chain, chain_verify, open_store

    if not args.database and not (args.data / DB_FILE).is_file():
        print("No database in this data directory.", file=sys.stderr)
        return 2
    try:
        store = open_store(args.data, args.database)
    except chain.Broken as broken:  # an old trail, checked before it is moved (numbers only)
        print(f"Audit chain broken: {broken}.")
        return 1
    except Exception as error:  # unreachable server, bad URL: the type says enough
        print(f"The database cannot be opened: {type(error).__name__}", file=sys.stderr)
        return 2
    try:
        checkpoint = chain.read_checkpoint(args.data / chain.CHECKPOINT_FILE)
        report = chain_verify.verify(store, checkpoint)
    except Exception as error:  # a database error: its text may quote rows, so not printed
        print(f"The audit chain cannot be read: {type(error).__name__}", file=sys.stderr)
        return 2
    finally:
        store.close()
    if report.intact:
        heads = ", ".join(f"lane {lane} {k} {digest}" for lane, (k, digest) in
                          sorted(report.heads.items()))
        print(f"Audit chain intact: {report.count} records; heads (lane, records, hash): "
              f"{heads}.")
        return 0
    where = f" at record {report.bad}" if report.bad else ""
    lane = f" (lane {report.lane})" if report.lane else ""
    print(f"Audit chain broken{where}{lane}: {report.problem}.")
    return 1
