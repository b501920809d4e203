"""The registration import: RAMQ's registrations of an institution's patients into their
Patient resources (app.core.registration), nightly and on demand.

With the first AIP identifier failing it uses the second; with invalid or expired codes (or a
CE owner who left) it stops, keeps what earlier imports wrote, and records which credential
fails and since when. Changed patients are written in batches, one transaction each.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from typing import Any

from app.core import registration
from app.core.account_request import AccountRequest, RequestRecord, Status
from app.core.ramq import ImportConfig, ImportState, ImportStatus
from server.ramq.accounts import fulfil
from server.ramq.db import RamqDb
from server.ramq.source import RamqSource

log = logging.getLogger(__name__)
BATCH = 1000
FAILED = (ImportState.CREDENTIALS_INVALID, ImportState.CREDENTIALS_EXPIRED,
          ImportState.CE_OWNER_LEFT)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_import(store: Any, db: RamqDb, source: RamqSource, institution: str,
               today: date | None = None) -> ImportStatus:
    today = today or date.today()
    now = _now()
    config = db.config(institution)
    previous = db.status(institution)
    if config is None:
        return previous
    access = source.sign_in(config, today)
    if access.state in FAILED:
        same = previous.state == access.state and previous.credential == access.credential
        status = ImportStatus(access.state, now, access.credential,
                              previous.since if same and previous.since else now,
                              previous.imported, 0)
        db.put_status(institution, status)
        log.warning("RAMQ import stopped for %s: %s (%s)", institution, access.state.value,
                    access.credential)
        return status
    imported, updated = _import(store, source, config, institution, today)
    status = ImportStatus(access.state, now, "aip1" if access.state == ImportState.OK_SECOND_AIP
                          else "", "", imported, updated)
    db.put_status(institution, status)
    log.info("RAMQ import for %s: %d registrations, %d patients updated", institution,
             imported, updated)
    return status


def _patients(store: Any, institution: str, place: str) -> list[dict]:
    org = f"Organization/{institution}"
    with store.read() as tx:
        rows = tx.conn.execute(store.dialect.sql(
            "SELECT content FROM resource_current WHERE rtype = ? AND deleted = 0"),
            ("Patient",)).fetchall()
    found = []
    for (text,) in rows:
        patient = json.loads(text)
        refs = {g.get("reference") for g in patient.get("generalPractitioner") or ()}
        if org in refs or any(r.place_of_follow_up == place
                              for r in registration.registrations_of(patient)):
            found.append(patient)
    return found


def _import(store: Any, source: RamqSource, config: ImportConfig, institution: str,
            today: date) -> tuple[int, int]:
    patients = _patients(store, institution, config.place_of_follow_up)
    physicians = tuple(sorted({r.physician for p in patients
                               for r in registration.registrations_of(p)})) or ("",)
    imported, changed = 0, []
    for patient in patients:
        reg = source.registration(patient, config, physicians, today)
        imported += reg is not None
        if reg is not None and reg.physician:
            updated = _apply(patient, reg, institution, today)
            if updated is not None:
                changed.append(updated)
    for start in range(0, len(changed), BATCH):
        with store.write() as tx:
            for patient in changed[start:start + BATCH]:
                tx.upsert("Patient", patient["id"], patient)
    if changed:
        store.analyze()  # a night's registrations can rewrite most Patients
    return imported, len(changed)


def _apply(patient: dict, reg: registration.Registration, institution: str,
           today: date) -> dict | None:
    """The patient with this registration active, or None when nothing changes."""
    current = [r for r in registration.registrations_of(patient) if r.active]
    if current and current[0] == reg:
        return None
    kept = [e for e in patient.get("extension", ()) if e.get("url") != registration.REGISTRATION]
    history = [registration.to_extension(
        registration.Registration(r.physician, r.since, r.place_of_follow_up, r.fmg, today))
        for r in current if r.physician != reg.physician]
    ended = [registration.to_extension(r) for r in registration.registrations_of(patient)
             if not r.active]
    body = {k: v for k, v in patient.items() if k != "meta"}
    body["extension"] = kept + ended + history + [registration.to_extension(reg)]
    body["generalPractitioner"] = [{"reference": reg.physician},
                                   {"reference": f"Organization/{institution}"}]
    return body


def advance_requests(db: RamqDb) -> int:
    """One processing step for each open account request (submitted → in progress → welcome
    e-mail sent, when the account is created or updated); the number moved."""
    moved = 0
    for record in db.requests():
        if record.status == Status.WELCOME_SENT:
            continue
        requester = _requester(db, record.id)
        data = record.to_json()
        if record.status == Status.SUBMITTED:
            data["status"] = Status.IN_PROGRESS.value
        else:
            data["username"] = fulfil(db.store, AccountRequest.from_json(record.request),
                                      requester, record.username)
            data.update(status=Status.WELCOME_SENT.value, welcome_sent=_now())
        db.put_request(RequestRecord.from_json(data), requester, record.request.get("email", ""))
        moved += 1
    return moved


def _requester(db: RamqDb, rid: str) -> str:
    with db.store.read() as tx:
        row = tx.conn.execute(db.store.dialect.sql(
            "SELECT requester FROM account_request WHERE id = ?"), (rid,)).fetchone()
    return row[0] if row else ""
