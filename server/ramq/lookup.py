"""The front desk's look-ups on the server: family physician (from the imported registration)
and insurance eligibility (from the simulated RAMQ), each recorded as an AuditEvent."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from app.core import fhir_systems, registration
from app.core.ramq import Eligibility, FamilyPhysician
from server.ramq.source import RamqSource


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def find_patient(store: Any, nam: str) -> dict | None:
    with store.read() as tx:
        row = tx.conn.execute(store.dialect.sql(
            "SELECT c.content FROM search_token t JOIN resource_current c ON c.rtype = t.rtype "
            "AND c.rid = t.rid WHERE t.name = ? AND t.value = ? AND t.system = ? "
            "AND t.rtype = ? AND c.deleted = 0"),
            ("identifier", nam, fhir_systems.NAM, "Patient")).fetchone()
    return json.loads(row[0]) if row else None


def _display(store: Any, reference: str) -> str:
    rtype, _, rid = reference.partition("/")
    with store.read() as tx:
        found = tx.current(rtype, rid)
    if found is None or found.deleted:
        return ""
    body = found.resource()
    if rtype == "Organization":
        return body.get("name", "")
    names = body.get("name") or [{}]
    return names[0].get("text") or " ".join([*names[0].get("given", ()),
                                             names[0].get("family", "")]).strip()


def family_physician(store: Any, patient: dict | None) -> FamilyPhysician:
    now = _now()
    active = [r for r in registration.registrations_of(patient or {}) if r.active]
    if not active:
        return FamilyPhysician(registered=False, as_of=now)
    reg = active[0]
    group = ""
    for ref in (patient or {}).get("generalPractitioner") or ():
        if str(ref.get("reference", "")).startswith("Organization/"):
            group = _display(store, ref["reference"])
    return FamilyPhysician(
        registered=True, physician=_display(store, reg.physician), physician_id=reg.physician,
        group=group, since=reg.since.isoformat(), place_of_follow_up=reg.place_of_follow_up or "",
        fmg=reg.fmg or "", as_of=now)


def eligibility(source: RamqSource, nam: str) -> Eligibility:
    insured, until = source.eligibility(nam, date.today())
    return Eligibility(insured, until.isoformat() if until else "", _now())
