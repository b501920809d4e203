"""The access log in the app (and `clinicdesk audit report`): who read what of a patient, when,
from which workstation, with the break-the-glass reasons; the administrator's review of this
workstation's log; both exported as CSV or as FHIR AuditEvents.

Who may see a patient's log: the patient's physicians (app.store.authorised.physicians_of) and
the clinic's administrator, who is its privacy officer. Every look at a log is itself logged
before it is read (a refused one as `denied`), so the log lists its own reads. Online, a
patient's log adds the server's AuditEvents about the patient (entries this workstation pushed
are listed once).

Rows are dicts (REPORT_COLUMNS, plus `patient_id`, `entry_hash` and, from the server, `event`).
"""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from app.core.errors import UserFacingError
from app.core.profiles import Profession, UserProfile
from app.core.text import QT_TRANSLATE_NOOP, text
from app.workstation.session import store_thread, user_of

if TYPE_CHECKING:
    from app.central.client import FhirClient
    from app.store import Store
    from app.workstation.session import Session

Row = dict[str, Any]
REPORT_COLUMNS = ("at", "username", "information", "action", "workstation", "reason", "source")
LOG_INFORMATION = "access-log"
REVIEW = "review"
CTX = "access_log"
NOT_YOURS = QT_TRANSLATE_NOOP(
    CTX, "Only the patient's physician or the privacy officer (the clinic's administrator) may "
    "see who read this record.")
ADMIN_ONLY = QT_TRANSLATE_NOOP(
    CTX, "Only the clinic's administrator may review this workstation's access log.")


def may_review(profile: UserProfile) -> bool:
    """The administrator (the clinic's privacy officer) reviews the workstation's log and any
    patient's."""
    return profile.profession is Profession.ADMINISTRATOR


class AccessLogReader:
    def __init__(self, session: Session):
        self.session = session

    def may_see_patient_logs(self, profile: UserProfile) -> bool:
        """Whether to offer the action at all (a physician: for their own patients; decided
        per patient by `patient_log`)."""
        return may_review(profile) or profile.profession is Profession.PHYSICIAN

    def may_review_workstation(self, profile: UserProfile) -> bool:
        return may_review(profile)

    def patient_log(self, patient_id: str, cancel: threading.Event | None = None) -> list[Row]:
        profile = user_of(self.session)
        rows = store_thread(self.session).call(
            lambda store: _patient_rows(store, profile, patient_id))
        client = self.session.client
        if client is not None and client.retrier.connectivity.online:
            from app.central.errors import SyncError

            try:
                local = {r["entry_hash"] for r in rows}
                rows += [r for r in server_rows(client, patient_id, cancel)
                         if r.get("entry_hash") not in local]
            except SyncError as err:
                if not err.transient:
                    raise
        rows.sort(key=lambda r: r["at"])
        return self._named(rows)

    def workstation_log(self, cancel: threading.Event | None = None) -> list[Row]:
        profile = user_of(self.session)
        return self._named(store_thread(self.session).call(
            lambda store: _review_rows(store, profile)))

    def _named(self, rows: list[Row]) -> list[Row]:
        """Each row with the reader's name (`name`) when this workstation knows it."""
        from app.core.profiles import practitioner_reference
        from app.workstation.charts import practitioner_names

        profile = user_of(self.session)
        names = store_thread(self.session).call(lambda store: practitioner_names(store, profile))
        return [r | {"name": names.get(practitioner_reference(str(r.get("username"))), "")}
                for r in rows]


def _patient_rows(store: Store, profile: UserProfile, patient_id: str) -> list[Row]:
    from app.store import Access
    from app.store.authorised import DENIED, physicians_of
    from app.store.export import REPORT_INFORMATION, access_report

    mine = profile.username in physicians_of(store.get_resource("Patient", patient_id))
    if not (mine or may_review(profile)):
        store.log_access(Access(profile.username, patient_id, REPORT_INFORMATION,
                                           DENIED))
        raise UserFacingError(text(CTX, NOT_YOURS))
    rows = access_report(store, profile, patient_id)  # logs the report's own read first
    return [r | {"patient_id": patient_id} for r in rows]


def _review_rows(store: Store, profile: UserProfile) -> list[Row]:
    from app.store import Access
    from app.store.authorised import DENIED

    allowed = may_review(profile)
    store.log_access(Access(profile.username, None, LOG_INFORMATION,
                                       REVIEW if allowed else DENIED))
    if not allowed:
        raise UserFacingError(text(CTX, ADMIN_ONLY))
    rows: list[Row] = []
    after = 0
    while batch := store.access_entries(after, 5000):
        rows += [{"at": e.at, "username": e.username, "information": e.information,
                  "action": e.action, "workstation": e.workstation, "reason": e.reason,
                  "source": "workstation", "patient_id": e.patient_id, "entry_hash": e.hash}
                 for e in batch]
        after = batch[-1].seq
    return rows


def server_rows(client: FhirClient, patient_id: str,
                cancel: threading.Event | None = None) -> list[Row]:
    """The server's AuditEvents about this patient, as report rows."""
    rows = []
    for page in client.pages("AuditEvent", {"patient": patient_id}, cancel=cancel):
        for entry in page.get("entry") or ():
            rows.append(audit_row(entry["resource"]) | {"patient_id": patient_id})
    return rows


def audit_row(event: dict[str, Any]) -> Row:
    """A report row from a server-side AuditEvent (BALP) or one a workstation pushed."""
    from app.core import fhir_systems

    agent = (event.get("agent") or [{}])[0]
    who = (agent.get("who") or {}).get("identifier", {}).get("value", "")
    entities = event.get("entity") or ()
    classes = [d.get("valueString", "") for e in entities for d in e.get("detail") or ()
               if d.get("type") == "data-classes"]
    classes += [(e.get("type") or {}).get("code", "") for e in entities
                if (e.get("type") or {}).get("system") == fhir_systems.DATA_CLASS]
    pushed = next((e["what"]["identifier"].get("value") for e in entities
                   if ((e.get("what") or {}).get("identifier") or {}).get("system")
                   == fhir_systems.ACCESS_LOG_HASH), None)
    purposes = event.get("purposeOfEvent") or ()
    glass = any(c.get("code") == fhir_systems.BREAK_THE_GLASS
                for p in purposes for c in p.get("coding") or ())
    reason = next((p.get("text") for p in purposes if p.get("text")), None)
    action = (event.get("subtype") or [{}])[0].get("code") or event.get("action", "")
    if event.get("outcome") not in (None, "0"):
        action = "denied"
    return {"at": event.get("recorded", ""), "username": who, "information": ",".join(classes),
            "action": "break-glass" if glass else action,
            "workstation": _workstation(event), "reason": reason,
            "source": "server", "entry_hash": pushed, "event": event}


def _workstation(event: dict[str, Any]) -> str:
    """The client agent's address (BALP: DICOM 110153), else the first agent's (older events)."""
    from app.core import balp

    agents = event.get("agent") or [{}]
    client = next((a for a in agents if any(c.get("code") == balp.CLIENT for c in
                                            (a.get("type") or {}).get("coding") or ())), None)
    return str(((client or agents[0]).get("network") or {}).get("address", ""))


def format_rows(rows: list[Row], kind: str) -> str:
    """`csv` (REPORT_COLUMNS), `json` (the rows) or `fhir` (a Bundle of AuditEvents)."""
    if kind == "fhir":
        return json.dumps(fhir_bundle(rows), ensure_ascii=False, indent=1) + "\n"
    if kind == "json":
        return json.dumps([{k: v for k, v in r.items() if k not in ("event", "patient_id")}
                           for r in rows],
                          ensure_ascii=False, indent=1) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, REPORT_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def fhir_bundle(rows: list[Row]) -> dict[str, Any]:
    """A collection Bundle: the server's AuditEvents as they are, this workstation's entries as
    app.sync.audit pushes them."""
    from app.sync.audit import audit_event

    events = [r["event"] if "event" in r else audit_event(SimpleNamespace(
        **{k: r.get(k) for k in ("at", "username", "information", "action", "workstation",
                                 "reason", "patient_id")}, hash=r.get("entry_hash")))
        for r in rows]
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "total": len(events), "entry": [{"resource": e} for e in events]}
