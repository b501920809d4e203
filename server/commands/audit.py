"""`clinicdesk-server audit verify --data DIR [--database URL]`: check the AuditEvent hash chain.

Exit 0 when intact (prints the number of records and each lane's head: note it somewhere else,
it is what a later run can be compared with); 1 naming the first bad record by its number `n`
and its lane; 2 when the database cannot be read. Nothing of any AuditEvent's content is
printed.

Threat model. Someone with write access to the database (an administrator with SQL, a stolen
backup restored, a faulty tool) edits, deletes, inserts, reorders or truncates rows of the
audit trail (`audit_event`, its search rows `audit_identifier`: server.storage.chain; a chain
per lane, a lane per server process):
- an edit (of the body or of any column), removal, insertion or reordering of a record breaks
  a link (every link hashes the record, its place in its lane, the lane and the previous link
  of the lane) and the first record whose link fails is named (after a removal: the one that
  followed it); an edited, removed or added search row is named by the record it belongs to;
- removing a lane's last records also leaves its `audit_head` row (count and hash, moved with
  each batch) further than the lane; to hide it one must also rewrite the head;
- rewriting a whole lane and its head (the hash has no key: anyone can recompute it), or
  removing a lane with its head, is caught by the checkpoint each server writes to its data
  directory (a line per lane, at most a second behind its audit commits, and when it stops),
  outside the database: each lane must still hold its checkpointed record with the same hash.
  Renumbering records without changing their order within their lane is not detected (`n`
  only orders the lanes' records among themselves).
  A rewrite of what was stored after the last checkpoint, by someone who can also write both
  the database and the server's data directory, is not detectable here; the head printed by
  each run, kept elsewhere (a ticket, a WORM store), extends the protection to that point.
With several hosts on one PostgreSQL, run it with each host's data directory (its checkpoint
names the lanes its processes wrote; the chains are checked whichever is given).
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
    from server.storage.checkpoint import CHECKPOINT_FILE, read_checkpoint

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
        checkpoint = read_checkpoint(args.data / CHECKPOINT_FILE)
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
