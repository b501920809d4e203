"""`clinicdesk-server serve --data DIR [--host H] [--port P] [--database URL]
[--max-body-bytes N] [--trusted-proxy IP …]`.

One uvicorn process by default; `--workers N`: N processes on one port (server.workers: a
listening socket each on Linux, uvicorn's workers elsewhere), sharing everything through the
database (tokens and their revocation, sign-in throttling, the audit chain, the nightly RAMQ
import claimed by one of them), so that hosts can also be added behind any HTTP load balancer.
Who waits for whom among writers: server.storage.sql. SIGTERM/SIGINT: uvicorn stops
accepting, finishes the requests in flight, then the store is closed.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import IO

from server.limits import DEFAULT_MAX_BODY

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="run the FHIR server")
    p.add_argument("--data", type=Path, required=True, help="data directory (SQLite file)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--database", metavar="URL", help="postgresql://… instead of SQLite")
    p.add_argument("--no-auth", action="store_true",
                   help="serve FHIR without authorisation (tests of the FHIR engine only)")
    p.add_argument("--access-token-ttl", type=float, default=900, metavar="SECONDS",
                   help="lifetime of OAuth access tokens (default 900: 15 minutes)")
    p.add_argument("--no-password-grant", action="store_true",
                   help="sign-in through the authorization endpoint only (code + PKCE): the "
                   "token endpoint refuses the password grant and discovery omits it")
    p.add_argument("--ramq-import-hour", type=int, default=2, metavar="HOUR",
                   help="local hour of the nightly RAMQ registration import (-1: off)")
    p.add_argument("--qhr-ca", type=Path, metavar="PATH",
                   help="CA certificate (PEM) the QHR gateway trusts for access keys")
    p.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY, metavar="BYTES",
                   help="larger request bodies are refused with 413 (default 8 MiB)")
    p.add_argument("--trusted-proxy", action="append", default=[], metavar="IP",
                   help="a reverse proxy whose X-Forwarded-For names the client (repeatable); "
                   "without one, the client address is the TCP peer's (sign-in throttling)")
    p.add_argument("--audit-durability", choices=("disk", "process"), default="disk",
                   help="a read is answered once its AuditEvent is on disk (default), or once "
                   "committed but not yet flushed: survives a kill of the server, not a power "
                   "cut (saves an fsync per audited read)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="server processes sharing the port and the database (default 1); "
                   "PostgreSQL only (--database), not with --qhr-ca (QHR sessions live in one "
                   "process's memory)")
    p.add_argument("--pin-cpus", action="store_true",
                   help="Linux: each server process runs all its threads on one CPU (worker k "
                   "on CPU k mod the CPUs the server may use; without --workers, the first)")
    p.add_argument("--minimal-r4", action="store_true",
                   help="answer only what FHIR R4 requires of every server (tests of clients): "
                   "no CapabilityStatement, no $everything, no system _history, searchset pages "
                   "cut to 20 entries without a next link (the total tells what was left out)")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.set_defaults(run=run)


# An idle workstation connection is kept this long (uvicorn's default, 5 s, is shorter than a
# clinician's pause between two actions: each request paid a new connection, a TLS handshake
# behind a real proxy). Longer than the client's own (app.central.client.KEEP_ALIVE_S), so the
# client, not the server, closes an idle connection: never a request sent on one just closed.
KEEP_ALIVE_S = 75


# SQLite's change fence (Store.fence) knows only its own process's writer: a second process's
# write could be stamped before a fence already served, and a workstation syncing from that
# fence would never get the change. So one `serve` per SQLite file, held by a lock on a file
# beside it for the life of the process (the kernel drops it however the process ends).
_held: list[IO[bytes]] = []


def _sole_server(data_dir: Path) -> bool:
    """Lock `data_dir`'s server lock file for this process; False if another process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / "serve.lock", "a+b")  # noqa: SIM115 (held until the process ends)
    try:
        if sys.platform == "win32":
            import msvcrt
            handle.seek(0)  # its first byte, whatever the file holds (append mode starts at end)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _held.append(handle)
    return True


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from server import workers
    from server.app import create_app
    from server.settings import Settings

    logging.basicConfig(level=args.log_level.upper(), format=LOG_FORMAT)
    settings = Settings(data_dir=args.data, database_url=args.database, host=args.host,
                        port=args.port, auth_required=not args.no_auth,
                        access_token_ttl=args.access_token_ttl, qhr_ca=args.qhr_ca,
                        password_grant=not args.no_password_grant,
                        ramq_import_hour=None if args.ramq_import_hour < 0
                        else args.ramq_import_hour, max_body_bytes=args.max_body_bytes,
                        audit_durability=args.audit_durability, minimal_r4=args.minimal_r4)
    if args.no_auth:
        logging.getLogger("server").warning("authorisation is OFF (--no-auth)")
    if args.workers < 1 or (args.workers > 1 and args.qhr_ca):
        print("--workers: 1 or more, and 1 with --qhr-ca (QHR sessions are per process)")
        return 2
    if args.workers > 1 and not args.database:
        print("--workers: more than 1 needs PostgreSQL (--database); a SQLite file is served "
              "by one process")
        return 2
    if not args.database and not _sole_server(args.data):
        print(f"another server already serves {args.data}: stop it first (a SQLite file is "
              "served by one process)")
        return 2
    if args.pin_cpus and not workers.supported():
        print("--pin-cpus: Linux only")
        return 2
    # No access log: request lines carry search parameters (NAM, names, birth dates).
    # HTTP parser: uvicorn's default takes httptools (the server extra installs it; ~0.5 M
    # instructions a request less than h11) when it is there, else h11.
    options = dict(host=args.host, port=args.port, access_log=False, log_level=args.log_level,
                   timeout_graceful_shutdown=10, log_config=None,
                   timeout_keep_alive=KEEP_ALIVE_S, proxy_headers=bool(args.trusted_proxy),
                   forwarded_allow_ips=",".join(args.trusted_proxy) or None)
    if args.workers == 1:
        if args.pin_cpus:
            workers.pin(workers.allowed_cpus()[0])
        uvicorn.run(create_app(settings), **options)
        return 0
    settings.to_environment()  # each process builds its app from it
    if workers.supported():
        return workers.run(args.workers, options, LOG_FORMAT, args.pin_cpus)
    uvicorn.run("server.app:from_environment", factory=True, workers=args.workers, **options)
    return 0
