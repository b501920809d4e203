"""Who cares for each patient, kept in SQL so that a workstation's sync round selects its own
patients' changes in the database instead of reading every change on the server.

`care_team(patient, practitioner)`: one row per Practitioner reference a Patient names as its
physician — `generalPractitioner` and the physicians of its active RAMQ registrations
(app.core.registration), exactly what server.identity.patients decides a patient's physicians
by. Rewritten with every stored Patient version; a deletion keeps the rows (a deleted Patient's
physicians are those it had, as `physicians_of_record` says). The table holds references, not
usernames: a reference maps to an account by the id convention or by the Practitioner's
USERNAME identifier, resolved when a round asks (`references`), so a Practitioner written
later is taken into account at once.

Beside it, `care_change(practitioner, changed, patient)`: a row per version of a chart and
physician of the chart (`changed`: the version's lastUpdated), appended, never updated (two
writers of one chart never wait for each other's row), so a round is a range scan of
(practitioner, changed ≥ _since) that finds only the patients whose chart changed — its cost
follows what changed for the user, not the size of their care team. A physician who gets a
patient gets a row at that Patient version's instant: their rounds since an earlier point
return the chart's versions since that point, as before the move.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.core import fhir_systems, registration
from app.core.profiles import practitioner_reference
from server.storage.index import utc_instant

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS care_team (patient TEXT NOT NULL, practitioner TEXT NOT NULL, "
    "PRIMARY KEY (practitioner, patient))",
    "CREATE INDEX IF NOT EXISTS care_team_patient ON care_team (patient)",
    "CREATE TABLE IF NOT EXISTS care_change (practitioner TEXT NOT NULL, "
    "changed TEXT NOT NULL, patient TEXT NOT NULL)",
    # the round: the user's patients whose chart changed since
    "CREATE INDEX IF NOT EXISTS care_change_at ON care_change (practitioner, changed)",
    # a chart's versions since an instant (the round's probe per changed patient of the care
    # team), and reference data's (no patient): by lastUpdated; AuditEvents are no versions
    # any more (the predicate is written out in the queries: changed_since)
    "DROP INDEX IF EXISTS version_patient",  # (patient, seq): before rounds went by ts
    "CREATE INDEX IF NOT EXISTS version_patient_ts ON resource_version (patient, ts) "
    "WHERE rtype <> 'AuditEvent'",
    "CREATE INDEX IF NOT EXISTS version_reference_ts ON resource_version (ts) "
    "WHERE patient IS NULL AND rtype <> 'AuditEvent'",
]
CHANGE = "INSERT INTO care_change (practitioner, changed, patient) VALUES (?, ?, ?)"
UNTIL = utc_instant(datetime.max.replace(tzinfo=UTC))  # after every lastUpdated


def practitioner_refs(patient: dict) -> list[str]:
    """The Practitioner references that make someone one of this patient's physicians."""
    refs = [r.get("reference", "") for r in patient.get("generalPractitioner") or ()
            if isinstance(r, dict)]
    refs += [reg.physician for reg in registration.registrations_of(patient) if reg.active]
    return [r for r in refs if isinstance(r, str) and r.startswith("Practitioner/")]


def _lock(tx: Any, patient_id: str, share: bool) -> None:
    """PostgreSQL, where writers run at once: the Patient's current row, shared by the writers
    of its chart's other resources (`share`: they never wait for each other), exclusive for a
    Patient version (as Tx.current takes it): a chart's writer appends its care_change rows
    after any Patient version in flight committed, so that it sees the physician that version
    added (a statement does not see rows committed after it started). SQLite: one writer."""
    if tx.store.dialect.lock_row:
        mode = " FOR SHARE" if share else tx.store.dialect.lock_row
        tx._x("SELECT 1 FROM resource_current WHERE rtype = 'Patient' AND rid = ?" + mode,
              (patient_id,))


def touch(tx: Any, patient_id: str, ts: str) -> None:
    """A version of this patient's chart was written at `ts`: a care_change row for each of
    its physicians."""
    _lock(tx, patient_id, share=True)
    tx._x("INSERT INTO care_change (practitioner, changed, patient) SELECT practitioner, ?, "
          "patient FROM care_team WHERE patient = ?", (ts, patient_id))


def record(tx: Any, patient_id: str, patient: dict | None, ts: str | None) -> None:
    """Store the care team of this Patient version written at `ts` (None: a deletion, the rows
    stay; ts None: `fill`, then `fill_changes`)."""
    if patient is None:
        if ts is not None:
            touch(tx, patient_id, ts)
        return
    _lock(tx, patient_id, share=False)
    tx._x("DELETE FROM care_team WHERE patient = ?", (patient_id,))
    refs = sorted(set(practitioner_refs(patient)))
    cursor = tx.conn.cursor()
    if refs:
        cursor.executemany(tx.store.dialect.sql(
            "INSERT INTO care_team (patient, practitioner) VALUES (?, ?)"),
            [(patient_id, ref) for ref in refs])
    if refs and ts is not None:
        cursor.executemany(tx.store.dialect.sql(CHANGE), [(ref, ts, patient_id) for ref in refs])


def seeded(tx: Any, team: list[tuple[str, str]], last: dict[str, str]) -> None:
    """The bulk seed's care rows (server.seed.load: (patient, reference) of its Patients) and
    a care_change row for every chart it wrote (`last`: patient → its latest lastUpdated)."""
    if team:
        cursor = tx.conn.cursor()
        cursor.executemany(tx.store.dialect.sql(
            "INSERT INTO care_team (patient, practitioner) VALUES (?, ?)"), team)
        cursor.executemany(tx.store.dialect.sql(CHANGE),
                           [(ref, last[pid], pid) for pid, ref in team])
    new = {pid for pid, _ in team}
    for pid, ts in last.items():
        if pid not in new:  # a chart the seed added to (a day's appointments)
            touch(tx, pid, ts)


def references(tx: Any, usernames: list[str]) -> list[str]:
    """Every Practitioner reference that names one of these accounts: the id convention and
    the Practitioners carrying their USERNAME identifier."""
    if not usernames:
        return []
    marks = ", ".join("?" for _ in usernames)
    found = tx._q("SELECT rid FROM search_token WHERE name = 'identifier' AND rtype = "
                  f"'Practitioner' AND system = ? AND value IN ({marks})",
                  [fhir_systems.USERNAME, *usernames])
    # an id of the convention names its own account, whatever identifier it carries
    return sorted({*(practitioner_reference(u) for u in usernames),
                   *(f"Practitioner/{rid}" for (rid,) in found if not rid.startswith("user-"))})


def fill(tx: Any) -> int:
    """The care team of every stored Patient (a database written before the table existed);
    the number of Patients read."""
    rows = tx._q("SELECT c.rid, c.content, c.deleted FROM resource_current c "
                 "WHERE c.rtype = 'Patient'")
    for rid, content, deleted in rows:
        if deleted:  # the physicians it had: its last version that was not a deletion
            before = tx._q("SELECT content FROM resource_version WHERE rtype = 'Patient' AND "
                           "rid = ? AND content IS NOT NULL ORDER BY version DESC LIMIT 1",
                           (rid,))
            content = before[0][0] if before else None
        if content:
            record(tx, rid, json.loads(content), None)
    return len(rows)


def fill_changes(tx: Any) -> None:
    """care_change for a database written before it (or after `fill`): a row per care row at
    its chart's latest lastUpdated."""
    if tx._q("SELECT 1 FROM care_change LIMIT 1"):
        return
    tx._x("INSERT INTO care_change (practitioner, changed, patient) SELECT t.practitioner, "
          "coalesce((SELECT max(v.ts) FROM resource_version v WHERE v.patient = t.patient "
          "AND v.rtype <> 'AuditEvent'), ''), "  # the predicate: the index version_patient_ts
          "t.patient FROM care_team t")


def changed_since(tx: Any, accounts: list[str], since: str,
                  before_seq: int | None) -> tuple[str, list]:
    """The seqs of the versions a user's round may hold (server.storage.tx.Tx.history), as a
    subquery: a range of care_change_at per reference (the patients whose chart changed
    since), for each such patient still in the care team a range of version_patient_ts, and
    one range of version_reference_ts (SCHEMA) — what the user's changes are, not what the
    server's are. Keyed on lastUpdated only: it returns what `ts >= since` holds in this
    snapshot. The `rtype <> 'AuditEvent'` is written out (always true since AuditEvents left
    the versions): it selects the partial indexes."""
    # resolved first: as a subquery of the statement, PostgreSQL may scan all of care_team
    refs = references(tx, accounts)
    if tx.store.dialect.name == "postgres":
        return _changed_since_postgres(refs, since, before_seq)
    team = ", ".join("?" for _ in refs) or "NULL"
    upper = " AND v.seq < ?" if before_seq is not None else ""
    bound = [since, *([before_seq] if before_seq is not None else [])]
    changed = ("SELECT DISTINCT practitioner, patient FROM care_change "
               f"WHERE practitioner IN ({team}) AND changed >= ?")
    parts = [f"SELECT v.seq FROM ({changed}) c CROSS JOIN care_team t "
             "CROSS JOIN resource_version v WHERE t.practitioner = c.practitioner "
             "AND t.patient = c.patient AND v.patient = c.patient "
             f"AND v.rtype <> 'AuditEvent' AND v.ts >= ?{upper}",
             "SELECT v.seq FROM resource_version v WHERE v.patient IS NULL "
             f"AND v.rtype <> 'AuditEvent' AND v.ts >= ?{upper}"]
    return " UNION ".join(parts), [*refs, since, *bound, *bound]


def _changed_since_postgres(refs: list[str], since: str,
                            before_seq: int | None) -> tuple[str, list]:
    """`changed_since` on PostgreSQL, whatever its statistics. With `since` written in, the
    planner estimates the user's changes since as their share of all care_change rows times
    the share changed since (it has no joint statistics): after a burst of other charts'
    changes it expects hundreds and reads every row of care_change, and it probed each
    changed chart's every version (or read every change of the server since, by version_ts).
    Here the reference and the bounds are parameters of LATERAL subqueries (the CTE `b`,
    `until`: past every instant): a range between two unknown values, which the planner
    takes for a small part of any table, so each read is the range of its index — per
    reference, per changed patient (its care row checked by one probe first: the EXISTS, a
    one-time filter)."""
    upper = " AND v.seq < ?" if before_seq is not None else ""
    paged = [before_seq] if before_seq is not None else []
    text = ("WITH b AS MATERIALIZED (SELECT ?::text AS since, ?::text AS until) "
            "SELECT v.seq FROM b CROSS JOIN unnest(?::text[]) r(ref) CROSS JOIN LATERAL "
            "(SELECT DISTINCT practitioner, patient FROM care_change WHERE practitioner = r.ref "
            "AND changed >= b.since AND changed <= b.until) c "
            "CROSS JOIN LATERAL (SELECT v.seq FROM resource_version "
            "v WHERE v.patient = c.patient AND v.rtype <> 'AuditEvent' AND v.ts >= b.since "
            f"AND v.ts <= b.until{upper} AND EXISTS (SELECT 1 FROM care_team t WHERE "
            "t.practitioner = c.practitioner AND t.patient = c.patient) OFFSET 0) v "
            "UNION SELECT v.seq FROM b CROSS JOIN LATERAL (SELECT v.seq FROM resource_version "
            "v WHERE v.patient IS NULL AND v.rtype <> 'AuditEvent' AND v.ts >= b.since "
            f"AND v.ts <= b.until{upper} OFFSET 0) v")
    return text, [since, UNTIL, refs, *paged, *paged]
