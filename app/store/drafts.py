"""Note drafts in the encrypted store (migration 0006): one per patient, the latest text."""

from __future__ import annotations

from datetime import UTC, datetime

from app.store.db import Connection


def put(conn: Connection, patient_id: str, body: str) -> None:
    conn.execute("INSERT INTO note_draft (patient_id, body, updated) VALUES (?, ?, ?) "
                 "ON CONFLICT (patient_id) DO UPDATE SET body = excluded.body, "
                 "updated = excluded.updated",
                 (patient_id, body, datetime.now(UTC).isoformat()))


def get(conn: Connection, patient_id: str) -> str | None:
    row = conn.execute("SELECT body FROM note_draft WHERE patient_id = ?",
                       (patient_id,)).fetchone()
    return row[0] if row else None


def delete(conn: Connection, patient_id: str) -> None:
    conn.execute("DELETE FROM note_draft WHERE patient_id = ?", (patient_id,))
