"""The access log's entries pushed to the server as FHIR AuditEvent (IHE Basic Audit Log
Patterns, "patient record read"), acknowledged locally only for the entries the server accepted.

R4 AuditEvent has no `identifier`, so the entry's chain hash travels as the identifier of an
entity (`what.identifier`), and each create is conditional on it (`ifNoneExist`, which the
reference server searches as `identifier`): a batch retried after a lost answer adds no copy.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

from app.central.client import FhirClient
from app.central.retry import check_cancel
from app.core import fhir
from app.core.fhir_systems import (
    ACCESS_LOG_HASH,
    ACT_REASON,
    BREAK_THE_GLASS,
    DATA_CLASS,
    USERNAME,
)
from app.sync.cache import SyncCache

DCM = "http://dicom.nema.org/resources/ontology/DCM"
ACTION = {"read": "R", "search": "E", "create": "C", "update": "U", "delete": "D",
          "print": "R", "export": "R", "break-glass": "R", "denied": "R", "report": "R"}
DENIED = "denied"  # a refused attempt: logged and pushed with a failure outcome
ENTRY_HASH = ACCESS_LOG_HASH


def audit_event(entry: Any) -> dict[str, Any]:
    """An AuditEvent for one access-log entry (attributes as app.store.access_log.Entry)."""
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "type": {"system": DCM, "code": "110110", "display": "Patient Record"},
        "action": ACTION.get(entry.action, "E"),
        "recorded": entry.at,
        "outcome": "4" if entry.action == DENIED else "0",
        "agent": [{"who": {"identifier": {"system": USERNAME, "value": entry.username}},
                   "requestor": True,
                   "network": {"address": entry.workstation, "type": "1"}}],
        "source": {"observer": {"display": entry.workstation}},
        "entity": [{"what": {"identifier": {"system": ENTRY_HASH, "value": entry.hash}},
                    "type": {"system": DATA_CLASS, "code": str(entry.information)}}],
    }
    if entry.patient_id:
        event["entity"].insert(0, {"what": {"reference": f"Patient/{entry.patient_id}"},
                                   "role": {"code": "1"}})
    if entry.reason:
        event["purposeOfEvent"] = [{"coding": [{"system": ACT_REASON, "code": BREAK_THE_GLASS}],
                                    "text": entry.reason}]
    return event


def _request(entry: Any, conditional: bool) -> dict[str, Any]:
    """A create, conditional on the entry's hash where the server searches AuditEvent by
    identifier (R4 defines no such parameter: a server that lacks it would refuse the entry)."""
    request = {"method": "POST", "url": "AuditEvent"}
    if conditional:
        request["ifNoneExist"] = f"identifier={quote(ENTRY_HASH)}|{quote(entry.hash)}"
    return request


def push_audit(client: FhirClient, cache: SyncCache, cancel: threading.Event | None = None,
               batch: int = 100) -> int:
    """Push unacknowledged entries in batch Bundles; returns how many the server accepted."""
    accepted = 0
    while entries := cache.audit_pending(batch):
        check_cancel(cancel)
        conditional = client.capabilities(cancel).searchable("AuditEvent", "identifier")
        bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
            {"resource": audit_event(e), "request": _request(e, conditional)}
            for _, e in entries]}
        answer = client.post_bundle(bundle, cancel)
        results = fhir.entries(answer)
        ok = [seq for (seq, _), res in zip(entries, results, strict=False)
              if str((res.get("response") or {}).get("status", "")).startswith("2")]
        cache.audit_acknowledged(ok)
        accepted += len(ok)
        if len(ok) < len(entries):  # refused ones stay queued; don't loop on them now
            break
    return accepted
