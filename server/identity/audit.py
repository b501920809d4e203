"""Server-side record of every read of patient data: FHIR AuditEvent in the IHE Basic Audit Log
Patterns (BALP) shape (app.core.balp) — type `rest`, subtype the RESTful interaction, agents the
user (requestor), the client (its address) and this server, `source.observer` this server by
reference with its `source.type`, entities the patient (with the data classes read) and the
query for a search.

One AuditEvent per (request, patient): `server.authz` notes each patient a request reads in
`request.state` (other routes note ready-made events with `note_events`). `AuditMiddleware`
holds the response start until the `AuditWriter` (server.identity.audit_writer) has committed
them: a read is never answered before its AuditEvent is durable (a SIGKILL right after the
answer loses nothing), and a read whose AuditEvent cannot be stored is answered 503 without its
data. A request alone commits its own in its worker thread; what concurrent requests queue
meanwhile goes into one transaction (group commit): one INSERT of their rows into the audit
trail (server.storage.chain: hash-chained, append-only, not FHIR versions) and the head moved,
never the clinical write lock; a $everything of a 1,000-resource chart costs one row.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.core import balp, fhir_systems
from server.identity.practitioner import practitioner_id

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
    reason: str | None = None  # why a Consent was recorded, changed or withdrawn
    query: str | None = None
    address: str | None = None
    resource: str | None = None  # what a read or vread named: `Type/id[/_history/vid]`


def audit_event(access: Access, recorded: datetime) -> dict:
    subtype, code = SUBTYPES.get(access.action, ("read", "R"))
    patient = balp.patient_entity({"reference": f"Patient/{access.patient_id}"})
    patient["detail"] = [{"type": "data-classes", "valueString": ",".join(sorted(access.classes))}]
    if access.reason:
        patient["detail"].append({"type": "reason", "valueString": access.reason})
    entity: list[dict] = [patient]
    if access.resource:
        entity.append(balp.data_entity({"reference": access.resource}))
    if access.query:
        entity.append(balp.query_entity(base64.b64encode(access.query.encode()).decode("ascii")))
    user = balp.user_agent(access.username, f"Practitioner/{practitioner_id(access.username)}",
                           subtype, access.display)
    user["role"] = [{"coding": [{"system": balp.ROLE_CLASS, "code": "PROV",
                                 "display": "healthcare provider"}]}]
    agents = [user]
    if access.address:
        agents.append(balp.client_agent(access.address, access.address, "2"))  # IP address
    agents.append(balp.server_agent())
    event: dict = {
        "resourceType": "AuditEvent", "id": str(uuid.uuid4()),
        "type": balp.REST, "subtype": balp.subtype(subtype),
        "action": code, "recorded": recorded.isoformat(), "outcome": "0", "agent": agents,
        "source": server_source(), "entity": entity}
    if access.break_glass_reason:
        event["purposeOfEvent"] = [{"coding": [{"system": fhir_systems.ACT_REASON,
                                                "code": fhir_systems.BREAK_THE_GLASS}],
                                    "text": access.break_glass_reason}]
    return event


def server_source(site: str | None = None) -> dict:
    """This server as the observer of what it records (BALP: an application server)."""
    return balp.source(balp.device(fhir_systems.SERVER_ID, balp.SERVER_NAME),
                       balp.APPLICATION_SERVER, site)


def note_events(state: Any, events: list[dict]) -> None:
    """AuditEvents built by a route (RAMQ, the QHR gateway), stored before its answer.
    `state`: the request's `request.state`."""
    found = getattr(state, "audit_events", None)
    if found is None:
        found = []
        state.audit_events = found
    found.extend(events)


def _take(state: dict) -> list[dict]:
    """The events noted so far (and forget them): the accesses and the ready-made events."""
    accesses = state.pop("audit", None) or {}
    events = state.pop("audit_events", None) or []
    if accesses:
        now = datetime.now(UTC)
        events = [*(audit_event(a, now) for a in list(accesses.values())), *events]
    return events


def queue_noted(state: dict, lead: bool = False) -> None:
    """Give the writer now what the request noted so far (a route that knows no more will be
    read calls this from its worker thread with `lead`: committed there and then if no commit
    is running, else queued for the next one). The response start waits for these commits
    (`AuditMiddleware`). `state`: the ASGI scope's state of a request that `AuditMiddleware`
    handles (else nothing happens)."""
    writer_of = state.get(_WRITER)
    if writer_of is None:
        return
    events = _take(state)
    if events:
        state.setdefault(_QUEUED, []).append(writer_of().submit(events, lead))


def queued(state: dict) -> list[Future]:
    """The commits queued so far for the request (`state`: its ASGI scope's), that its answer's
    start will wait for."""
    return list(state.get(_QUEUED, ()))


_WRITER, _QUEUED = "audit_writer_of", "audit_queued"
UNAUDITED = json.dumps({"resourceType": "OperationOutcome", "issue": [{
    "severity": "error", "code": "transient",
    "diagnostics": "the audit trail cannot be written; the read is not answered"}]}).encode()


class AuditMiddleware:
    """Pure ASGI: the response start waits for the commit of the AuditEvents its request noted;
    if that fails, a 503 OperationOutcome goes out instead and the body is dropped."""

    def __init__(self, app: Any, writer_of: Any):
        self.app, self.writer_of = app, writer_of

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[_WRITER] = self.writer_of
        refused = False

        async def send_audited(message: dict) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                refused = not await self._store(state)
                if refused:
                    await send({"type": "http.response.start", "status": 503, "headers": [
                        (b"content-type", b"application/fhir+json"),
                        (b"content-length", str(len(UNAUDITED)).encode())]})
                    await send({"type": "http.response.body", "body": UNAUDITED})
                    return
            if not refused:
                await send(message)

        try:
            await self.app(scope, receive, send_audited)
        finally:  # noted but not answered (an error, a noting after the start): still stored
            await self._store(state)

    async def _store(self, state: dict) -> bool:
        """Queue what is noted and not queued yet; wait for every commit queued (True: all
        durable)."""
        queue_noted(state)
        ok = True
        for done in state.pop(_QUEUED, ()):
            try:
                if done.done():  # committed in the worker thread: no hop through the loop
                    done.result()
                else:
                    await asyncio.wrap_future(done)
            except Exception:  # logged by the writer
                ok = False
        return ok
