from app.store.db import Connection

"""Per cached chart, the classes the server may have withheld from this user (a Consent denied
them) since the chart was last fetched in full, and the day from which the chart is to be
evaluated again (a Consent changed, or one of its periods starts or ends): the sync engine
fetches a chart in full again once its consent blocks fewer classes than were withheld.

`withheld`: class codes, comma-separated ('' none; NULL unknown: every clinical class);
`checked`: ISO day of the last evaluation; `next_check`: ISO day it is due (NULL: not due).
Charts cached before this migration that hold a Consent are marked unknown and due, so the first
round after the upgrade fetches again those whose consent lets this user through.
"""


def upgrade(conn: Connection) -> None:
    conn.execute("""
        CREATE TABLE chart_access (
            patient_id TEXT PRIMARY KEY,
            withheld TEXT,
            checked TEXT,
            next_check TEXT
        )""")
    conn.execute("CREATE INDEX chart_access_due ON chart_access (next_check)")
    conn.execute("""
        INSERT INTO chart_access (patient_id, withheld, checked, next_check)
        SELECT DISTINCT patient_id, NULL, NULL, '0001-01-01' FROM resources
        WHERE type = 'Consent' AND patient_id IS NOT NULL""")
