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
"""

from __future__ import annotations

import json
from typing import Any

from app.core import fhir_systems, registration
from app.core.profiles import practitioner_reference

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS care_team (patient TEXT NOT NULL, practitioner TEXT NOT NULL, "
    "PRIMARY KEY (practitioner, patient))",
    "CREATE INDEX IF NOT EXISTS care_team_patient ON care_team (patient)",
    # a patient's changes since a point, AuditEvents left out (most versions of a busy server;
    # not charts): the round's probe per patient of the care team, and reference data (NULL)
    "CREATE INDEX IF NOT EXISTS version_patient ON resource_version (patient, seq) "
    "WHERE rtype <> 'AuditEvent'",
    # the same probe by lastUpdated (`_since`): on PostgreSQL seq order is not ts order
    "CREATE INDEX IF NOT EXISTS version_patient_ts ON resource_version (patient, ts) "
    "WHERE rtype <> 'AuditEvent'",
]


def practitioner_refs(patient: dict) -> list[str]:
    """The Practitioner references that make someone one of this patient's physicians."""
    refs = [r.get("reference", "") for r in patient.get("generalPractitioner") or ()
            if isinstance(r, dict)]
    refs += [reg.physician for reg in registration.registrations_of(patient) if reg.active]
    return [r for r in refs if isinstance(r, str) and r.startswith("Practitioner/")]


def record(tx: Any, patient_id: str, patient: dict | None) -> None:
    """Store the care team of this Patient version (None: a deletion, the rows stay)."""
    if patient is None:
        return
    tx._x("DELETE FROM care_team WHERE patient = ?", (patient_id,))
    rows = [(patient_id, ref) for ref in sorted(set(practitioner_refs(patient)))]
    if rows:
        tx.conn.cursor().executemany(tx.store.dialect.sql(
            "INSERT INTO care_team (patient, practitioner) VALUES (?, ?)"), rows)


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
            record(tx, rid, json.loads(content))
    return len(rows)
