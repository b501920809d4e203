"""The server's own AuditEvent of a read, stored compact: the audit trail's row (server.storage
.chain) holds, as its content, the few fields the FHIR AuditEvent is built from (what the gate
noted: `Access`), as a JSON array; the trail serves it as the FHIR AuditEvent (IHE BALP shape,
app.core.balp) built from them (`served`). A read's event costs a row of ~150 bytes to encode,
hash and write instead of ~2,200, and the chain links that text as stored: an edit of it is
found by `audit verify` as of any record. Content that is a JSON object (posted events, those
routes build, those from before) is served as stored.

The event: type `rest`, subtype the RESTful interaction, agents the user (requestor), the
client (its address) and this server, `source.observer` this server, entities the patient
(with the data classes read), what a read named, and the query for a search.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field

import orjson

from app.core import balp, fhir_systems

FORMAT = 1  # the array's first element: how the rest is to be read
SUBTYPES = {"read": ("read", "R"), "vread": ("vread", "R"), "search": ("search-type", "E"),
            "history": ("history-type", "E"), "everything": ("operation", "E"),
            "batch": ("batch", "E"), "transaction": ("transaction", "E"),
            "consent-create": ("create", "C"), "consent-update": ("update", "U"),
            "consent-delete": ("delete", "D")}


@dataclass(slots=True)
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

    def text(self) -> str:
        """The row's content: this access as a JSON array (`FORMAT` first)."""
        fields = [FORMAT, self.action, self.username, self.display, self.patient_id,
                  sorted(self.classes), self.break_glass_reason, self.reason, self.query,
                  self.address, self.resource]
        try:
            return orjson.dumps(fields).decode()
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate (then fails as before)
            return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    def columns(self) -> tuple[str | None, str | None, str | None, str | None]:
        """(patient, the user agent's username, action, subtype code): the trail's columns,
        as server.storage.chain.columns reads them from the FHIR event."""
        subtype, code = SUBTYPES.get(self.action, ("read", "R"))
        return self.patient_id, self.username, code, subtype


def new_id() -> str:
    """A random UUID (version 4) as text, as str(uuid.uuid4()) writes it, without building a
    UUID object (its checks cost more than the 16 random bytes)."""
    b = bytearray(os.urandom(16))
    b[6], b[8] = b[6] & 0x0F | 0x40, b[8] & 0x3F | 0x80
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def compact(content: str) -> bool:
    return content[:1] == "["


def _access(content: str) -> Access:
    found = orjson.loads(content)
    if not isinstance(found, list) or found[:1] != [FORMAT] or len(found) != 11:
        raise ValueError("not a compact AuditEvent of a known format")
    return Access(found[2], found[3], found[4], found[1], set(found[5]), *found[6:])


def fhir(access: Access, rid: str, recorded: str) -> dict:
    """The FHIR AuditEvent (BALP) of `access`, recorded at `recorded` (a FHIR instant)."""
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
    user = balp.user_agent(access.username, f"Practitioner/user-{access.username}",
                           subtype, access.display)  # server.identity.practitioner's id
    user["role"] = [{"coding": [{"system": balp.ROLE_CLASS, "code": "PROV",
                                 "display": "healthcare provider"}]}]
    agents = [user]
    if access.address:
        agents.append(balp.client_agent(access.address, access.address, "2"))  # IP address
    agents.append(balp.server_agent())
    event: dict = {
        "resourceType": "AuditEvent", "id": rid,
        "type": balp.REST, "subtype": balp.subtype(subtype),
        "action": code, "recorded": recorded, "outcome": "0", "agent": agents,
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


def served(rid: str, recorded: str, content: str) -> str:
    """The stored content as the FHIR AuditEvent the trail serves (with its meta, as stored
    events carry it)."""
    if not compact(content):
        return content
    event = fhir(_access(content), rid, recorded)
    event["meta"] = {"versionId": "1", "lastUpdated": recorded}
    return orjson.dumps(event).decode()
