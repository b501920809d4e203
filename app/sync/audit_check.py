"""The local access log against the AuditEvents the server holds (`clinicdesk audit verify`
online): every entry the server acknowledged must be there, found by its chain hash
(app.sync.audit: `entity.what.identifier`): searched by the ids uploads are given from those
hashes (app.sync.audit.held: `_id`, then R4's `entity:identifier` or `entity-name` for entries
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
from app.core.fhir import parse_instant
from app.core.fhir_systems import DATA_CLASS, USERNAME
from app.sync.audit import audit_event, held

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
        found = held(client, batch, cancel)
        for entry in batch:
            event = found.get(entry.hash)
            if event is None:
                (result.missing if entry.seq in acknowledged else result.pending).append(entry.seq)
            elif essentials(event) != essentials(audit_event(entry)):
                result.differing.append(entry.seq)
            else:
                result.on_server += 1
    return result


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
