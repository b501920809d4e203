"""The local access log against the AuditEvents the server holds (`clinicdesk audit verify`
online): every entry the server acknowledged must be there, found by its chain hash
(app.sync.audit: `entity.what.identifier`): searched by the ids uploads are given from those
hashes (`_id`, which every server supports), then the rest as R4's `entity:identifier` (entries
a server took by conditional create, under ids of its own), and say the same thing — user,
instant, action, outcome, patient, data class, break-the-glass reason.
Differences are reported by sequence number only, never by content.

An entry found on the server but not acknowledged locally is fine (the answer to its push was
lost); one neither acknowledged nor on the server is waiting to be pushed. An acknowledged
entry the server does not hold, or holds differently, is a mismatch: the local row was edited
or rewritten after it was pushed, or the server's copy was. So is an acknowledgement whose
entry is no longer in the local log (the tail removed, the keyring anchor deleted with it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from app.central.client import FhirClient
from app.central.retry import check_cancel
from app.core.fhir import parse_instant, resources
from app.core.fhir_systems import DATA_CLASS, USERNAME
from app.sync.audit import ENTRY_HASH, audit_event, event_id

HASHES_PER_SEARCH = 50


@dataclass
class Comparison:
    checked: int = 0
    on_server: int = 0
    pending: list[int] = field(default_factory=list)  # not pushed yet
    missing: list[int] = field(default_factory=list)  # acknowledged, not on the server
    differing: list[int] = field(default_factory=list)  # on the server, saying otherwise
    gone: list[int] = field(default_factory=list)  # acknowledged, no longer in the local log

    @property
    def ok(self) -> bool:
        return not self.missing and not self.differing and not self.gone


def compare(client: FhirClient, entries: list[Any], acknowledged: set[int],
            cancel: threading.Event | None = None) -> Comparison:
    """`entries`: app.store.access_log.Entry rows; `acknowledged`: their seqs the server took."""
    result = Comparison(checked=len(entries))
    result.gone = sorted(acknowledged - {e.seq for e in entries})
    for i in range(0, len(entries), HASHES_PER_SEARCH):
        check_cancel(cancel)
        batch = entries[i:i + HASHES_PER_SEARCH]
        found = server_events(client, batch, cancel)
        for entry in batch:
            event = found.get(entry.hash)
            if event is None:
                (result.missing if entry.seq in acknowledged else result.pending).append(entry.seq)
            elif essentials(event) != essentials(audit_event(entry)):
                result.differing.append(entry.seq)
            else:
                result.on_server += 1
    return result


def server_events(client: FhirClient, entries: list[Any],
                  cancel: threading.Event | None = None) -> dict[str, dict[str, Any]]:
    """The server's AuditEvents carrying these entries' hashes: {hash: event}."""
    found: dict[str, dict[str, Any]] = {}
    _search(client, {"_id": ",".join(event_id(e) for e in entries)}, len(entries), found, cancel)
    rest = [e.hash for e in entries if e.hash not in found]
    if rest:
        _search(client, {"entity:identifier": ",".join(f"{ENTRY_HASH}|{h}" for h in rest)},
                len(rest), found, cancel)
    return found


def _search(client: FhirClient, params: dict[str, str], size: int,
            found: dict[str, dict[str, Any]], cancel: threading.Event | None) -> None:
    for page in client.pages("AuditEvent", {**params, "_count": str(2 * size)}, cancel=cancel):
        for event in resources(page):
            for value in _entry_hashes(event):
                found.setdefault(value, event)


def _entry_hashes(event: dict[str, Any]) -> list[str]:
    return [((e.get("what") or {}).get("identifier") or {}).get("value", "")
            for e in event.get("entity") or ()
            if ((e.get("what") or {}).get("identifier") or {}).get("system") == ENTRY_HASH]


def _classes(entities: Any) -> list[str]:
    """Data classes: an entity's detail "data-classes" (BALP shape) or its type coded in
    DATA_CLASS (entries pushed before it)."""
    found = [d.get("valueString", "") for e in entities for d in e.get("detail") or ()
             if d.get("type") == "data-classes"]
    return found + [(e.get("type") or {}).get("code", "") for e in entities
                    if (e.get("type") or {}).get("system") == DATA_CLASS]


def essentials(event: dict[str, Any]) -> tuple[Any, ...]:
    """What an AuditEvent says of an access, in a form two copies can be compared in."""
    agents = [((a.get("who") or {}).get("identifier") or {}) for a in event.get("agent") or ()]
    users = sorted(i.get("value", "") for i in agents if i.get("system") == USERNAME)
    entities = event.get("entity") or ()
    patients = sorted((e.get("what") or {}).get("reference", "") for e in entities
                      if str((e.get("what") or {}).get("reference", "")).startswith("Patient/"))
    classes = sorted(_classes(entities))
    reasons = [p.get("text", "") for p in event.get("purposeOfEvent") or ()]
    recorded = event.get("recorded", "")
    return (users, parse_instant(recorded) or recorded, event.get("action"),
            event.get("outcome"), patients, classes, reasons)
