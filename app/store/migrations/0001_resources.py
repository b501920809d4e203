from app.store.db import Connection

"""FHIR resources as their JSON, plus the columns used to find and show them.

Every id and versionId is an opaque string (servers differ); `patient_id` is the id of the
Patient the resource belongs to (the Patient itself carries its own id), NULL for shared data.
"""


def upgrade(conn: Connection) -> None:
    conn.execute("""
        CREATE TABLE resources (
            type TEXT NOT NULL,
            id TEXT NOT NULL,
            version_id TEXT,
            last_updated TEXT,
            patient_id TEXT,
            json TEXT NOT NULL,
            PRIMARY KEY (type, id)
        ) WITHOUT ROWID""")
    conn.execute("CREATE INDEX resources_patient ON resources (patient_id, type)")
