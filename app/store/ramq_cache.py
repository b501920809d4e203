"""The last RAMQ answer per (NAM, service) in the encrypted store (migration 0005): the JSON
of app.core.ramq.FamilyPhysician / Eligibility and the instant of the information."""

from __future__ import annotations

import json
from typing import Any

from app.store.db import Connection


def put(conn: Connection, nam: str, service: str, answer: dict[str, Any], as_of: str) -> None:
    conn.execute("INSERT INTO ramq_answer (nam, service, answer, as_of) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (nam, service) DO UPDATE SET answer = excluded.answer, "
                 "as_of = excluded.as_of", (nam, service, json.dumps(answer), as_of))


def get(conn: Connection, nam: str, service: str) -> tuple[dict[str, Any], str] | None:
    row = conn.execute("SELECT answer, as_of FROM ramq_answer WHERE nam = ? AND service = ?",
                       (nam, service)).fetchone()
    return (json.loads(row[0]), row[1]) if row else None
