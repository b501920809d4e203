"""The access log's entries pushed to the server as FHIR AuditEvent (IHE Basic Audit Log
Patterns, app.core.balp), acknowledged locally only for the entries the server accepted.

A retried upload never stores an entry twice, by standard means only (R4 defines no
`identifier` search on AuditEvent):
1. each event has an id of its own, made from the entry's chain hash, and is sent as
   `PUT AuditEvent/{id}` (update as create): a retry lands on the same id;
2. on a server that refuses to create by PUT (it assigns every id), a create conditional on
   the entry hash, which the event carries as its data entity's `what.identifier`:
   `ifNoneExist: entity:identifier=<system>|<hash>` (the `entity` reference parameter with the
   standard `:identifier` modifier). A server may answer a parameter it does not support with
   no match instead of an error (Medplum does, for `entity:identifier`), and then creates
   again: so each try of a conditional batch first looks for the entries already held, by
   every search that can find them (`held`: also `entity-name`, the data entity's `name`
   carrying the hash too), and sends only the others, the batch itself not retried blindly.
The mode is found by trying, once per client: a batch whose every PUT was refused, the first
one's id not held by the server, means the server does not create by PUT.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from typing import Any
from urllib.parse import quote

from app.central.client import FhirClient
from app.central.errors import Kind, SyncError
from app.central.retry import check_cancel
from app.core import balp, fhir
from app.core.fhir import resources
from app.core.fhir_systems import ACCESS_LOG_HASH, ACT_REASON, BREAK_THE_GLASS, WORKSTATION
from app.core.profiles import practitioner_reference
from app.sync.cache import SyncCache

log = logging.getLogger(__name__)

INTERACTION = {"read": "read", "search": "search-type", "create": "create", "update": "update",
               "delete": "delete", "print": "read", "export": "read", "break-glass": "read",
               "denied": "read", "report": "read"}
ACTION = {"read": "R", "search": "E", "create": "C", "update": "U", "delete": "D",
          "print": "R", "export": "R", "break-glass": "R", "denied": "R", "report": "R"}
DENIED = "denied"  # a refused attempt: logged and pushed with a failure outcome
ENTRY_HASH = ACCESS_LOG_HASH
PUT, CONDITIONAL = "put", "conditional"
HASHES_PER_SEARCH = 50
_modes: weakref.WeakKeyDictionary[FhirClient, str] = weakref.WeakKeyDictionary()


def event_id(entry: Any) -> str:
    """The AuditEvent id of an access-log entry: its chain hash's first 128 bits as a UUID."""
    return str(uuid.UUID(entry.hash[:32]))


def audit_event(entry: Any, server: str | None = None) -> dict[str, Any]:
    """An AuditEvent for one access-log entry (attributes as app.store.access_log.Entry);
    `server`: the central server's URL (its agent's network address)."""
    interaction = INTERACTION.get(entry.action, "read")
    data = {**balp.data_entity({"identifier": {"system": ENTRY_HASH, "value": entry.hash}},
                               str(entry.information)), "name": entry.hash}
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "type": balp.REST, "subtype": balp.subtype(interaction),
        "action": ACTION.get(entry.action, "E"),
        "recorded": entry.at,
        "outcome": "4" if entry.action == DENIED else "0",
        "agent": [balp.user_agent(entry.username, practitioner_reference(entry.username),
                                  interaction),
                  balp.client_agent(entry.workstation), balp.server_agent(server)],
        "source": balp.source(balp.device(WORKSTATION, entry.workstation),
                              balp.END_USER_DEVICE),
        "entity": [data],
    }
    if entry.patient_id:
        event["entity"].insert(0, balp.patient_entity({"reference":
                                                       f"Patient/{entry.patient_id}"}))
    if entry.reason:
        event["purposeOfEvent"] = [{"coding": [{"system": ACT_REASON, "code": BREAK_THE_GLASS}],
                                    "text": entry.reason}]
    return event


def _entry(entry: Any, mode: str, server: str) -> dict[str, Any]:
    event = audit_event(entry, server)
    if mode == PUT:
        rid = event_id(entry)
        return {"resource": {**event, "id": rid},
                "request": {"method": "PUT", "url": f"AuditEvent/{rid}"}}
    return {"resource": event, "request": {
        "method": "POST", "url": "AuditEvent",
        "ifNoneExist": f"entity:identifier={quote(ENTRY_HASH)}|{quote(entry.hash)}"}}


def _send(client: FhirClient, entries: list[tuple[int, Any]], mode: str,
          cancel: threading.Event | None) -> tuple[list[int], list[tuple[int, Any]]]:
    """One batch: (seqs accepted, entries refused)."""
    if mode == CONDITIONAL:
        return client.retrier.call(lambda: _send_conditional(client, entries, cancel), cancel)
    return _answered(entries, client.post_bundle(_batch(client, entries, mode), cancel))


def _batch(client: FhirClient, entries: list[tuple[int, Any]], mode: str) -> dict[str, Any]:
    server = client.settings.server_url
    return {"resourceType": "Bundle", "type": "batch",
            "entry": [_entry(e, mode, server) for _, e in entries]}


def _send_conditional(client: FhirClient, entries: list[tuple[int, Any]],
                      cancel: threading.Event | None
                      ) -> tuple[list[int], list[tuple[int, Any]]]:
    """One try: the entries the server holds already are done; the others sent once (a lost
    answer makes the retrier try the whole again, which finds them held)."""
    found = held(client, [e for _, e in entries], cancel)
    done = [seq for seq, e in entries if e.hash in found]
    todo = [(seq, e) for seq, e in entries if e.hash not in found]
    if not todo:
        return done, []
    answer = client.json("POST", "", body=_batch(client, todo, CONDITIONAL), expect="Bundle")
    ok, refused = _answered(todo, answer)
    return done + ok, refused


def _answered(entries: list[tuple[int, Any]], answer: dict[str, Any]
              ) -> tuple[list[int], list[tuple[int, Any]]]:
    results = fhir.entries(answer)
    ok: list[tuple[int, Any]] = []
    refused: list[tuple[int, Any]] = []
    for i, item in enumerate(entries):
        status = str(((results[i] if i < len(results) else {}).get("response") or {})
                     .get("status", ""))
        (ok if status.startswith("2") else refused).append(item)
    return [seq for seq, _ in ok], refused


def _on_server(client: FhirClient, entry: Any, cancel: threading.Event | None) -> bool:
    try:
        client.get(f"AuditEvent/{event_id(entry)}", expect="AuditEvent", cancel=cancel)
    except SyncError as err:
        if err.kind is not Kind.GONE:
            raise
        return False
    return True


def _upload(client: FhirClient, entries: list[tuple[int, Any]],
            cancel: threading.Event | None) -> list[int]:
    mode = _modes.get(client, PUT)
    ok, refused = _send(client, entries, mode, cancel)
    if not refused or mode != PUT:
        return ok
    if _on_server(client, refused[0][1], cancel):  # our earlier PUT; an update is refused
        found = [seq for seq, e in refused if _on_server(client, e, cancel)]
        return ok + found
    if ok:  # PUT does create here: these were refused for what they say, and stay queued
        return ok
    log.info("the server does not create by PUT: audit events go as conditional creates")
    _modes[client] = CONDITIONAL
    more, _ = _send(client, refused, CONDITIONAL, cancel)
    return ok + more


def held(client: FhirClient, entries: list[Any],
         cancel: threading.Event | None = None) -> dict[str, dict[str, Any]]:
    """The server's AuditEvents carrying these entries' hashes: {hash: event}. Searched by the
    ids uploads are given (`_id`, which every server supports), then what is still unfound by
    R4's `entity:identifier`, then by `entity-name` (for a server without the former; one
    that refuses a parameter is taken to have nothing by it)."""
    found: dict[str, dict[str, Any]] = {}
    for i in range(0, len(entries), HASHES_PER_SEARCH):
        batch = entries[i:i + HASHES_PER_SEARCH]
        _search(client, {"_id": ",".join(event_id(e) for e in batch)}, len(batch), found,
                cancel)
        for name, value in (("entity:identifier", f"{ENTRY_HASH}|{{}}"), ("entity-name", "{}")):
            rest = [e.hash for e in batch if e.hash not in found]
            if rest:
                _search(client, {name: ",".join(value.format(h) for h in rest)}, len(rest),
                        found, cancel)
    return found


def _search(client: FhirClient, params: dict[str, str], size: int,
            found: dict[str, dict[str, Any]], cancel: threading.Event | None) -> None:
    try:
        for page in client.pages("AuditEvent", {**params, "_count": str(2 * size)},
                                 cancel=cancel):
            for event in resources(page):
                for value in _entry_hashes(event):
                    found.setdefault(value, event)
    except SyncError as err:
        if err.kind is not Kind.CLIENT:
            raise


def _entry_hashes(event: dict[str, Any]) -> list[str]:
    return [((e.get("what") or {}).get("identifier") or {}).get("value", "")
            for e in event.get("entity") or ()
            if ((e.get("what") or {}).get("identifier") or {}).get("system") == ENTRY_HASH]


def push_audit(client: FhirClient, cache: SyncCache, cancel: threading.Event | None = None,
               batch: int = 100) -> int:
    """Push unacknowledged entries in batch Bundles; returns how many the server accepted."""
    accepted = 0
    while entries := cache.audit_pending(batch):
        check_cancel(cancel)
        ok = _upload(client, entries, cancel)
        cache.audit_acknowledged(ok)
        accepted += len(ok)
        if len(ok) < len(entries):  # refused ones stay queued; don't loop on them now
            break
    return accepted
