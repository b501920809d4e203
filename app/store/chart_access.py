"""What the server may have withheld from this user per cached chart, and when to look again
(the table of migration 0007; the sync engine's app.sync.consent_watch decides what goes in).

A row is (withheld, checked, next_check): class codes comma-separated ('' none, None unknown),
ISO days. A chart without a row has nothing withheld and nothing due.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.store.db import Connection

Row = tuple[str | None, str | None, str | None]
CHUNK = 500  # ids per IN (…): below SQLite's bound-parameter limit


def get(conn: Connection, patient_ids: Iterable[str]) -> dict[str, Row]:
    ids, found = list(patient_ids), dict[str, Row]()
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        found.update((r[0], tuple(r[1:])) for r in conn.execute(
            "SELECT patient_id, withheld, checked, next_check FROM chart_access "
            f"WHERE patient_id IN ({','.join('?' * len(part))})", part))
    return found


def put(conn: Connection, rows: dict[str, Row | None]) -> None:
    """Write these charts' rows (None: the chart has no row any more)."""
    conn.executemany("INSERT OR REPLACE INTO chart_access VALUES (?,?,?,?)",
                     [(pid, *row) for pid, row in rows.items() if row is not None])
    conn.executemany("DELETE FROM chart_access WHERE patient_id = ?",
                     [(pid,) for pid, row in rows.items() if row is None])


def due(conn: Connection, day: str) -> list[str]:
    """The charts to evaluate on this ISO day (an index range: nothing read when none is due)."""
    return [r[0] for r in conn.execute(
        "SELECT patient_id FROM chart_access WHERE next_check <= ? ORDER BY patient_id", (day,))]


def delete(conn: Connection, patient_id: str) -> None:
    conn.execute("DELETE FROM chart_access WHERE patient_id = ?", (patient_id,))
