from app.store.db import Connection

"""Outbox (durable local changes), sync cursors and conflicts.

`uuid` is made by the client and sent as the resource identifier so a retry never creates a
duplicate. State: pending → acknowledged | failed (retried) | conflict. A conflict keeps both
the local and the server version until the user resolves it.
"""


def upgrade(conn: Connection) -> None:
    conn.execute("""
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            uuid TEXT NOT NULL UNIQUE,
            resource_type TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            patient_id TEXT,
            method TEXT NOT NULL,
            body TEXT,
            base_version TEXT,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX outbox_state ON outbox (state, seq)")
    conn.execute("CREATE INDEX outbox_patient ON outbox (patient_id)")
    conn.execute("""
        CREATE TABLE sync_state (
            stream TEXT PRIMARY KEY,
            cursor TEXT,
            updated TEXT NOT NULL
        )""")
    conn.execute("""
        CREATE TABLE conflicts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            outbox_uuid TEXT NOT NULL,
            resource_type TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            patient_id TEXT,
            local_json TEXT,
            server_json TEXT,
            reason TEXT,
            created TEXT NOT NULL,
            resolved TEXT
        )""")
    conn.execute("CREATE INDEX conflicts_open ON conflicts (resolved, id)")
