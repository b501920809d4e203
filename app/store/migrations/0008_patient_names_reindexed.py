from app.store.db import Connection

"""The patient index rebuilt from the cached Patients with today's name normaliser
(app.store.patients.normalise_name: accents and case gone, hyphens, apostrophes and spaces
alike), so that a store whose index was written by an older or another normaliser ("MARC-ANDRE",
"CÔTÉ") finds "cote marc andre" as a new one does. It runs once, when the store is opened after
the upgrade (Store.unlock migrates); a later change of the normaliser adds a migration that calls
`reindex` again. Rows whose Patient is not cached are kept as they are, normalised again."""


def reindex(conn: Connection) -> int:
    """Every index row written again from its Patient (or from itself); the rows written."""
    import json

    from app.store import patients

    kept = {row[0]: patients.IndexEntry(*row) for row in conn.execute(
        f"SELECT {patients.COLUMNS} FROM patient_index")}
    for (text,) in conn.execute("SELECT json FROM resources WHERE type = 'Patient'").fetchall():
        resource = json.loads(text)
        kept[resource["id"]] = patients.entry_from_patient(resource)
    conn.execute("DELETE FROM patient_index")
    patients.upsert(conn, list(kept.values()))
    return len(kept)


def upgrade(conn: Connection) -> None:
    reindex(conn)
