from app.store.db import Connection

"""The last RAMQ answer per NAM and service (family physician, eligibility), for the front desk
when the server cannot be reached; `as_of` is the date of the information, shown with it."""


def upgrade(conn: Connection) -> None:
    conn.execute("""
        CREATE TABLE ramq_answer (
            nam TEXT NOT NULL,
            service TEXT NOT NULL,
            answer TEXT NOT NULL,
            as_of TEXT NOT NULL,
            PRIMARY KEY (nam, service)
        )""")
