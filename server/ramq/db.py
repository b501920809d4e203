"""RAMQ tables in the resource store's database (portable SQL; SQLite and PostgreSQL).

  ramq_config(institution PK, config JSON — passwords encrypted with the server's secret, updated)
  ramq_status(institution PK, status JSON = app.core.ramq.ImportStatus)
  account_request(id PK, requester, email, status, submitted, record JSON)

Passwords are Fernet-encrypted with a key kept in `<data dir>/ramq-secret.key` (mode 0600),
never returned by any route and never logged.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from app.core.account_request import RequestRecord
from app.core.ramq import PASSWORDS, ImportConfig, ImportState, ImportStatus

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS ramq_config (institution TEXT PRIMARY KEY, config TEXT NOT NULL, "
    "updated TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ramq_status (institution TEXT PRIMARY KEY, status TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS account_request (id TEXT PRIMARY KEY, requester TEXT NOT NULL, "
    "email TEXT NOT NULL, status TEXT NOT NULL, submitted TEXT NOT NULL, record TEXT NOT NULL)",
    # One row per night whose import a server process took on (server.ramq.Scheduler).
    "CREATE TABLE IF NOT EXISTS ramq_night (night TEXT PRIMARY KEY, claimed TEXT NOT NULL)",
]
SECRET_FILE = "ramq-secret.key"


def _secret(data_dir: Path) -> Fernet:
    """The key of the stored RAMQ passwords. Created whole, then linked into place, so that
    server processes starting at once on one data directory all read the same complete key.
    Hosts sharing one PostgreSQL database need the same file (copy it to each)."""
    path = Path(data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{SECRET_FILE}.{os.getpid()}.{uuid.uuid4().hex}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(Fernet.generate_key())
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first: theirs
                os.link(draft, path)
        finally:
            draft.unlink()
    return Fernet(path.read_bytes().strip())


class RamqDb:
    def __init__(self, store: Any, data_dir: Path):
        self.store = store
        self.fernet = _secret(data_dir)
        with store.write(serial=True) as tx:  # several processes may start at once
            for statement in store.dialect.missing(tx.conn, SCHEMA):  # no DDL if up to date
                self._x(tx, statement)

    def _x(self, tx: Any, text: str, args: tuple = ()) -> Any:
        return tx.conn.execute(self.store.dialect.sql(text), args)

    def claim_night(self, night: str, claimed: str) -> bool:
        """Take on this night's import: True for exactly one of the server processes sharing
        the database (the row is the claim; the others find it there)."""
        with self.store.write() as tx:
            row = self._x(tx, "INSERT INTO ramq_night (night, claimed) VALUES (?, ?) "
                          "ON CONFLICT (night) DO NOTHING RETURNING night",
                          (night, claimed)).fetchone()
        return row is not None

    # configuration
    def put_config(self, institution: str, config: ImportConfig, updated: str) -> None:
        data = config.to_json()
        for name in PASSWORDS:
            data[name] = self.fernet.encrypt(data[name].encode()).decode()
        with self.store.write() as tx:
            self._x(tx, "INSERT INTO ramq_config (institution, config, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT (institution) DO UPDATE SET config = excluded.config, "
                    "updated = excluded.updated", (institution, json.dumps(data), updated))

    def config(self, institution: str) -> ImportConfig | None:
        with self.store.read() as tx:
            row = self._x(tx, "SELECT config FROM ramq_config WHERE institution = ?",
                          (institution,)).fetchone()
        if not row:
            return None
        data = json.loads(row[0])
        for name in PASSWORDS:
            data[name] = self.fernet.decrypt(data[name].encode()).decode()
        return ImportConfig.from_json(data)

    def configured(self) -> list[str]:
        with self.store.read() as tx:
            rows = self._x(tx, "SELECT institution FROM ramq_config "
                           "ORDER BY institution").fetchall()
        return [r[0] for r in rows]

    def aip_codes_elsewhere(self, institution: str) -> frozenset[str]:
        """AIP codes configured for the other institutions of this server."""
        found: set[str] = set()
        with self.store.read() as tx:
            rows = self._x(tx, "SELECT config FROM ramq_config WHERE institution <> ?",
                           (institution,)).fetchall()
        for (text,) in rows:
            data = json.loads(text)
            found.update(c for c in (data.get("aip1_code"), data.get("aip2_code")) if c)
        return frozenset(found)

    # import status
    def put_status(self, institution: str, status: ImportStatus) -> None:
        with self.store.write() as tx:
            self._x(tx, "INSERT INTO ramq_status (institution, status) VALUES (?, ?) "
                    "ON CONFLICT (institution) DO UPDATE SET status = excluded.status",
                    (institution, json.dumps(status.to_json())))

    def status(self, institution: str) -> ImportStatus:
        with self.store.read() as tx:
            row = self._x(tx, "SELECT status FROM ramq_status WHERE institution = ?",
                          (institution,)).fetchone()
        return ImportStatus.from_json(json.loads(row[0])) if row else ImportStatus(
            ImportState.NEVER)

    # account requests
    def put_request(self, record: RequestRecord, requester: str, email: str) -> None:
        with self.store.write() as tx:
            self._x(tx, "INSERT INTO account_request (id, requester, email, status, submitted, "
                    "record) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                    "status = excluded.status, email = excluded.email, record = excluded.record",
                    (record.id, requester, email, record.status.value, record.submitted,
                     json.dumps(record.to_json())))

    def requests(self, requester: str | None = None) -> list[RequestRecord]:
        sql, args = "SELECT record FROM account_request", tuple[str, ...]()
        if requester is not None:
            sql, args = sql + " WHERE requester = ?", (requester,)
        with self.store.read() as tx:
            rows = self._x(tx, sql + " ORDER BY submitted", args).fetchall()
        return [RequestRecord.from_json(json.loads(r[0])) for r in rows]

    def request_by_email(self, email: str) -> RequestRecord | None:
        with self.store.read() as tx:
            row = self._x(tx, "SELECT record FROM account_request WHERE email = ?",
                          (email,)).fetchone()
        return RequestRecord.from_json(json.loads(row[0])) if row else None

    def emails(self) -> frozenset[str]:
        with self.store.read() as tx:
            rows = self._x(tx, "SELECT email FROM account_request").fetchall()
        return frozenset(r[0] for r in rows)
