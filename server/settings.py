"""Server settings, built by `clinicdesk-server serve` (or by tests) and kept on `app.state`."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from server.limits import DEFAULT_MAX_BODY, DEFAULT_MAX_DEPTH

ENVIRONMENT = "CLINICDESK_SERVER_SETTINGS"
MINIMAL_PAGE = 20  # entries per searchset page in minimal_r4 mode


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None  # postgresql://… ; None: SQLite file under data_dir
    host: str = "127.0.0.1"
    port: int = 8080
    auth_required: bool = True  # False only for tests of the FHIR engine and local experiments
    access_token_ttl: float = 900  # seconds; OAuth access tokens (short in tests of expiry)
    password_grant: bool = True  # the token endpoint's password grant (advertised when on)
    default_count: int = 100  # page size when the client gives no _count
    max_count: int = 1000
    qhr_ca: Path | None = None  # PEM of the CA the QHR gateway trusts (test PKI)
    qhr_session_ttl: float = 600  # seconds; QHR session tokens
    ramq_import_hour: int | None = 2  # local hour of the nightly RAMQ import; None: off
    max_body_bytes: int = DEFAULT_MAX_BODY  # larger request bodies get a 413 (server.limits)
    max_json_depth: int = DEFAULT_MAX_DEPTH  # deeper JSON bodies get a 400
    # When a read is answered, its AuditEvent is committed and "disk": flushed to disk (fsync;
    # survives a power cut), or "process": in the database, not yet flushed (SQLite WAL
    # synchronous=NORMAL, PostgreSQL synchronous_commit=off: survives the death of the server
    # process, not a power cut or an OS crash; the database flushes it within about a second).
    # A policy choice for the operator: "process" saves an fsync (~1-2 ms) per audited read.
    audit_durability: str = "disk"
    # Tests of clients: only what R4 requires of every server (`serve --minimal-r4`): no
    # CapabilityStatement, no $everything, no system _history, searchset pages cut to
    # MINIMAL_PAGE entries without a next link, as independent servers do.
    minimal_r4: bool = False

    def to_environment(self) -> None:
        """Hand these settings to worker processes (`serve --workers N`: see from_environment)."""
        os.environ[ENVIRONMENT] = json.dumps({k: str(v) if isinstance(v, Path) else v
                                             for k, v in asdict(self).items()})

    @classmethod
    def from_environment(cls) -> Settings:
        given = json.loads(os.environ[ENVIRONMENT])
        paths = {f.name for f in fields(cls) if "Path" in str(f.type)}
        values: dict[str, Any] = {k: Path(v) if k in paths and v is not None else v
                                  for k, v in given.items()}
        return cls(**values)

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"
