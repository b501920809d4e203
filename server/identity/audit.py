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
never the clinical write lock; a $everything of a 1,000-resource chart costs one row. A noted
read is stored as its compact row (server.storage.audit_compact) and served as the FHIR
AuditEvent `audit_event` builds.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from server.storage.audit_compact import SUBTYPES, Access, fhir, server_source

__all__ = ["SUBTYPES", "Access", "AuditMiddleware", "audit_event", "note_events", "queue_noted",
           "server_source"]


def audit_event(access: Access, recorded: datetime) -> dict:
    """The FHIR AuditEvent of `access` (a new id; what the trail serves of its compact row)."""
    return fhir(access, str(uuid.uuid4()), recorded.isoformat())


def note_events(state: Any, events: list[dict]) -> None:
    """AuditEvents built by a route (RAMQ, the QHR gateway), stored before its answer.
    `state`: the request's `request.state`."""
    found = getattr(state, "audit_events", None)
    if found is None:
        found = []
        state.audit_events = found
    found.extend(events)


def _take(state: dict) -> list[dict | Access]:
    """The events noted so far (and forget them): the accesses (stored as compact rows,
    server.storage.audit_compact) and the ready-made events."""
    accesses = state.pop("audit", None) or {}
    events = state.pop("audit_events", None) or []
    return [*accesses.values(), *events] if accesses else events


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
