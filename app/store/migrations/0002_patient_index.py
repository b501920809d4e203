from app.store.db import Connection

"""The patient index: one row per patient, for single-individual search.

Names are stored normalised (accents stripped, upper case, one space between words) so that
`Hélène` finds `HELENE`; lookups are by exact NAM, exact chart number, or surname + given name
+ birth date.
"""


def upgrade(conn: Connection) -> None:
    conn.execute("""
        CREATE TABLE patient_index (
            patient_id TEXT PRIMARY KEY,
            nam TEXT,
            surname TEXT NOT NULL DEFAULT '',
            given TEXT NOT NULL DEFAULT '',
            birthdate TEXT,
            chart_number TEXT
        ) WITHOUT ROWID""")
    conn.execute("CREATE INDEX patient_index_nam ON patient_index (nam)")
    conn.execute("CREATE INDEX patient_index_name ON patient_index (surname, birthdate, given)")
    conn.execute("CREATE INDEX patient_index_chart ON patient_index (chart_number)")
