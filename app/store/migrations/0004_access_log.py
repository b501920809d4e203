from app.store.db import Connection

"""The access log: append-only, hash-chained; see app/store/access_log.py.

Triggers refuse UPDATE and DELETE (the app never does either; tampering needs a deliberate
DROP TRIGGER, which `verify` then catches). The head (count, last hash) sits in its own table,
written in the same transaction as each entry, to catch truncation. Server acknowledgements go
to a side table so they never touch the hashed rows.
"""


def upgrade(conn: Connection) -> None:
    conn.execute("""
        CREATE TABLE access_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            username TEXT NOT NULL,
            patient_id TEXT,
            information TEXT NOT NULL,
            action TEXT NOT NULL,
            workstation TEXT NOT NULL,
            reason TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""")
    conn.execute("""
        CREATE TABLE access_log_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            count INTEGER NOT NULL,
            hash TEXT NOT NULL
        )""")
    conn.execute("""
        CREATE TABLE access_log_ack (
            seq INTEGER PRIMARY KEY,
            acknowledged TEXT NOT NULL
        )""")
    for action in ("UPDATE", "DELETE"):
        conn.execute(f"""
            CREATE TRIGGER access_log_no_{action.lower()} BEFORE {action} ON access_log
            BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END""")
