"""A patient's data for an access request (Loi 25) and the patient's "who looked at my record"
report, from the user's store, each logged as an access.

    bundle = export_bundle(store, user, patient_id)          # FHIR R4 Bundle, type collection
    rows = access_report(store, user, patient_id)            # local access-log rows (dicts)

Export carries only what the user may read: every class goes through `authorised_read` (one
access-log entry per class, action `export`, or `denied`). The report is itself logged (class
`access-log`, action `report`) before it is read, so it lists itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.core import access
from app.core.data_class import DataClass
from app.core.profiles import UserProfile
from app.store import access_log
from app.store.authorised import DENIED, authorised_chart, chart_context

if TYPE_CHECKING:
    from app.store.store import Store

EXPORT = "export"
REPORT = "report"
REPORT_INFORMATION = "access-log"
REPORT_FIELDS = ("at", "username", "information", "action", "workstation", "reason")


def export_bundle(store: Store, user: UserProfile, patient_id: str,
                  reason: str | None = None) -> dict[str, Any]:
    """Every cached resource of the patient this user may read, as a collection Bundle."""
    sections = [c for c in DataClass if c != DataClass.QHR]  # QHR is never cached
    read = authorised_chart(store, user, patient_id, reason, sections, purpose=EXPORT)
    entries = [{"fullUrl": f"urn:clinicdesk:{r['resourceType']}/{r.get('id')}", "resource": r}
               for result in read.values() for r in result.resources]
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "meta": {"tag": [{"system": "urn:clinicdesk:export", "code": "access-request"}]},
            "total": len(entries), "entry": entries}


def access_report(store: Store, user: UserProfile, patient_id: str) -> list[dict[str, Any]]:
    """Who accessed this patient's data on this store, what, when, from which workstation, and
    the break-the-glass reasons; oldest first. The report's own entry comes last. Only for a
    user who may see the patient's demographics (AccessDenied otherwise, logged as denied)."""
    decision = access.decide(user, chart_context(store, patient_id), DataClass.DEMOGRAPHICS)
    store.log_access(access_log.Access(user.username, patient_id, REPORT_INFORMATION,
                                       REPORT if decision.allowed else DENIED))
    access.require(decision)
    rows: list[dict[str, Any]] = []
    after = 0
    while batch := store.access_entries(after, 5000):
        rows += [{f: getattr(e, f) for f in REPORT_FIELDS} | {"source": "workstation",
                                                              "entry_hash": e.hash}
                 for e in batch if e.patient_id == patient_id]
        after = batch[-1].seq
    return rows
