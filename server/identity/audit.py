"""Server-side record of every read of patient data: FHIR AuditEvent in the IHE Basic Audit Log
Patterns (BALP) shape — type `rest`, subtype the RESTful interaction, agent = the user, entity =
the patient (and the query for a search).

One AuditEvent per (request, patient): `server.authz` notes each patient a request reads in
`request.state`; `AuditMiddleware` hands them to `AuditWriter` when the response is done, and a
writer thread stores them in batches (one write transaction per batch), so a $everything of a
1,000-resource chart costs one small insert, off the request's path.
"""

from __future__ import annotations

import base64
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.core import fhir_systems
from server.identity.practitioner import practitioner_id

log = logging.getLogger(__name__)
SUBTYPES = {"read": ("read", "R"), "vread": ("vread", "R"), "search": ("search-type", "E"),
            "history": ("history-type", "E"), "everything": ("operation", "E"),
            "batch": ("batch", "E"), "transaction": ("transaction", "E"),
            "consent-create": ("create", "C"), "consent-update": ("update", "U"),
            "consent-delete": ("delete", "D")}


@dataclass
class Access:
    """What one request read of one patient."""

    username: str
    display: str
    patient_id: str
    action: str
    classes: set[str] = field(default_factory=set)
    break_glass_reason: str | None = None
    query: str | None = None
    address: str | None = None


def audit_event(access: Access, recorded: datetime) -> dict:
    subtype, code = SUBTYPES.get(access.action, ("read", "R"))
    entity: list[dict] = [{
        "what": {"reference": f"Patient/{access.patient_id}"},
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                 "code": "1", "display": "Person"},
        "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1",
                 "display": "Patient"},
        "detail": [{"type": "data-classes", "valueString": ",".join(sorted(access.classes))}]}]
    if access.query:
        entity.append({
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                     "code": "2", "display": "System Object"},
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "24",
                     "display": "Query"},
            "query": base64.b64encode(access.query.encode()).decode("ascii")})
    agent: dict = {
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass",
                             "code": "PROV", "display": "healthcare provider"}]},
        "who": {"reference": f"Practitioner/{practitioner_id(access.username)}",
                "identifier": {"system": fhir_systems.USERNAME, "value": access.username},
                "display": access.display},
        "requestor": True}
    if access.address:
        agent["network"] = {"address": access.address, "type": "2"}
    event: dict = {
        "resourceType": "AuditEvent", "id": str(uuid.uuid4()),
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                 "code": "rest", "display": "RESTful Operation"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": subtype}],
        "action": code, "recorded": recorded.isoformat(), "outcome": "0", "agent": [agent],
        "source": {"observer": {"display": "clinicdesk-server"}, "type": [{
            "system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4",
            "display": "Application Server"}]},
        "entity": entity}
    if access.break_glass_reason:
        event["purposeOfEvent"] = [{"coding": [{"system": fhir_systems.ACT_REASON,
                                                "code": fhir_systems.BREAK_THE_GLASS}],
                                    "text": access.break_glass_reason}]
    return event


class AuditWriter:
    """A thread that stores AuditEvents in batches; `flush()` waits until all are stored."""

    def __init__(self, store: Any, max_batch: int = 500):
        self.store, self.max_batch = store, max_batch
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def add(self, accesses: list[Access]) -> None:
        now = datetime.now(UTC)
        for access in accesses:
            self._queue.put(audit_event(access, now))

    def add_events(self, events: list[dict]) -> None:
        """AuditEvents built elsewhere (the QHR gateway's)."""
        for event in events:
            self._queue.put(event)

    def flush(self) -> None:
        done = threading.Event()
        self._queue.put(done)
        done.wait(30)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            events = [e for e in batch if isinstance(e, dict)]
            if events:
                self._store(events)
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if any(item is None for item in batch):
                return

    def _store(self, events: list[dict]) -> None:
        try:
            with self.store.write() as tx:
                for event in events:
                    tx.create("AuditEvent", event, rid=event["id"])
        except Exception:  # the audit trail must not take the server down; say it loudly
            log.exception("could not store %d audit events", len(events))


class AuditMiddleware:
    """Pure ASGI: after each request, queue the accesses `server.authz` noted."""

    def __init__(self, app: Any, writer_of: Any):
        self.app, self.writer_of = app, writer_of

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        try:
            await self.app(scope, receive, send)
        finally:
            accesses = state.get("audit")
            if accesses:
                self.writer_of().add(list(accesses.values()))
