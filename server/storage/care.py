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

Each row also keeps `changed`: the lastUpdated of the patient's chart's latest version (any
resource of the chart, deletions included), raised with every version written (`touch`), so a
round is a range scan of (practitioner, changed ≥ _since) that finds only the patients whose
chart changed — its cost follows what changed for the user, not the size of their care team.
A physician who gets a patient gets the row at that Patient version's instant: their rounds
since an earlier point return the chart's versions since that point, as before the move.
"""

from __future__ import annotations

import json
from typing import Any

from app.core import fhir_systems, registration
from app.core.profiles import practitioner_reference

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS care_team (patient TEXT NOT NULL, practitioner TEXT NOT NULL, "
    "changed TEXT, PRIMARY KEY (practitioner, patient))",
    "CREATE INDEX IF NOT EXISTS care_team_patient ON care_team (patient)",
    # a chart's versions since an instant (the round's probe per changed patient of the care
    # team), and reference data's (no patient): by lastUpdated; AuditEvents are no versions
    # any more (the predicate is written out in the queries: Tx._in_care)
    "DROP INDEX IF EXISTS version_patient",  # (patient, seq): before rounds went by ts
    "CREATE INDEX IF NOT EXISTS version_patient_ts ON resource_version (patient, ts) "
    "WHERE rtype <> 'AuditEvent'",
    "CREATE INDEX IF NOT EXISTS version_reference_ts ON resource_version (ts) "
    "WHERE patient IS NULL AND rtype <> 'AuditEvent'",
    # the round: the user's patients whose chart changed since (a care team from before
    # `changed` gets the column first: `add_changed`)
    "CREATE INDEX IF NOT EXISTS care_team_changed ON care_team (practitioner, changed)",
]


def add_changed(conn: Any, postgres: bool) -> None:
    """A care team kept before `changed`: the column, filled by `fill_changed` at migration."""
    conn.execute(f"ALTER TABLE care_team ADD COLUMN {'IF NOT EXISTS ' * postgres}changed TEXT")


def practitioner_refs(patient: dict) -> list[str]:
    """The Practitioner references that make someone one of this patient's physicians."""
    refs = [r.get("reference", "") for r in patient.get("generalPractitioner") or ()
            if isinstance(r, dict)]
    refs += [reg.physician for reg in registration.registrations_of(patient) if reg.active]
    return [r for r in refs if isinstance(r, str) and r.startswith("Practitioner/")]


def _lock(tx: Any, patient_id: str) -> None:
    """Writers of one chart's care rows one after the other (PostgreSQL, where writers of
    different rows run at once): the Patient's current row, taken before the care rows are
    read or written, so that each such statement sees the rows the previous writer inserted
    (an UPDATE does not see rows committed after it started). SQLite: one writer already."""
    if tx.store.dialect.lock_row:
        tx._q("SELECT 1 FROM resource_current WHERE rtype = 'Patient' AND rid = ?"
              f"{tx.store.dialect.lock_row}", (patient_id,))


def touch(tx: Any, patient_id: str, ts: str) -> None:
    """A version of this patient's chart was written at `ts` (never lowers `changed`)."""
    _lock(tx, patient_id)
    tx._x("UPDATE care_team SET changed = ? WHERE patient = ? AND (changed IS NULL OR "
          "changed < ?)", (ts, patient_id, ts))


def record(tx: Any, patient_id: str, patient: dict | None, ts: str | None) -> None:
    """Store the care team of this Patient version written at `ts` (None: a deletion, the rows
    stay; ts None: `fill`, then `fill_changed`)."""
    if patient is None:
        if ts is not None:
            touch(tx, patient_id, ts)
        return
    _lock(tx, patient_id)
    found = tx._q("SELECT max(changed) FROM care_team WHERE patient = ?", (patient_id,))
    changed = max(filter(None, (ts, found[0][0] if found else None)), default=None)
    tx._x("DELETE FROM care_team WHERE patient = ?", (patient_id,))
    rows = [(patient_id, ref, changed) for ref in sorted(set(practitioner_refs(patient)))]
    if rows:
        tx.conn.cursor().executemany(tx.store.dialect.sql(
            "INSERT INTO care_team (patient, practitioner, changed) VALUES (?, ?, ?)"), rows)


def seeded(tx: Any, team: list[tuple[str, str]], last: dict[str, str]) -> None:
    """The bulk seed's care rows (server.seed.load: (patient, reference) of its Patients) and
    `changed` of every chart it wrote (`last`: patient → its latest lastUpdated)."""
    if team:
        tx.conn.cursor().executemany(tx.store.dialect.sql(
            "INSERT INTO care_team (patient, practitioner, changed) VALUES (?, ?, ?)"),
            [(pid, ref, last[pid]) for pid, ref in team])
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


def fill_changed(tx: Any) -> None:
    """`changed` of the rows that have none (after `fill`, or a care team from before the
    column): the chart's latest lastUpdated."""
    tx._x("UPDATE care_team SET changed = (SELECT max(v.ts) FROM resource_version v "
          "WHERE v.patient = care_team.patient) WHERE changed IS NULL")
