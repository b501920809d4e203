from app.store.db import Connection

"""The draft of a note being written, per patient, autosaved by the note editor so a crash
never loses it; removed once the note is saved (or thrown away)."""


def upgrade(conn: Connection) -> None:
    conn.execute("""
        CREATE TABLE note_draft (
            patient_id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            updated TEXT NOT NULL
        )""")
