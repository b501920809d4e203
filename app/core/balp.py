"""The pieces of a FHIR R4 AuditEvent in the IHE Basic Audit Log Patterns (BALP 1.1) shape,
shared by the workstation's access log (app.sync.audit) and the server's own records
(server.identity.audit, server.authz):

- `type` audit-event-type `rest`, `subtype` the RESTful interaction (restful-interaction);
- agents: the user (v3-ParticipationType IRCP when reading, v3-RoleClass AGNT when writing;
  `requestor`, `who` a reference with the username identifier), the client application (DICOM
  110153 Source Role ID: the workstation) and the server (DICOM 110152 Destination Role ID);
- `source.observer` a reference (type Device, identifier, display) with `source.type`
  (security-source-type: 1 end-user device, 4 application server);
- entities: the patient (audit-entity-type 1 Person, object-role 1 Patient) and the data
  (2 System Object, 4 Domain Resource), or a query (2 System Object, 24 Query).
"""

from __future__ import annotations

from typing import Any

from app.core.fhir_systems import SERVER_ID, USERNAME, WORKSTATION

EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
INTERACTION = "http://hl7.org/fhir/restful-interaction"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"

REST = {"system": EVENT_TYPE, "code": "rest", "display": "RESTful Operation"}
CLIENT, SERVER = "110153", "110152"  # DICOM Source Role ID, Destination Role ID
DEVICE_AGENTS = (CLIENT, SERVER)
WRITES = ("create", "update", "patch", "delete")
END_USER_DEVICE, APPLICATION_SERVER = "1", "4"
_SOURCE_DISPLAY = {END_USER_DEVICE: "User Device", APPLICATION_SERVER: "Application Server"}
SERVER_NAME = "clinicdesk-server"


def subtype(interaction: str) -> list[dict[str, str]]:
    return [{"system": INTERACTION, "code": interaction}]


def user_agent(username: str, reference: str, interaction: str,
               display: str | None = None) -> dict[str, Any]:
    """The user responsible for the access: its `who` names the Practitioner and the account."""
    kind = {"system": ROLE_CLASS, "code": "AGNT", "display": "agent"} \
        if interaction in WRITES else \
        {"system": PARTICIPATION, "code": "IRCP", "display": "information recipient"}
    who: dict[str, Any] = {"reference": reference,
                           "identifier": {"system": USERNAME, "value": username}}
    if display:
        who["display"] = display
    return {"type": {"coding": [kind]}, "who": who, "requestor": True}


def device(system: str, name: str) -> dict[str, Any]:
    """A reference to a device by its identifier (no Device resource needs to exist)."""
    return {"type": "Device", "identifier": {"system": system, "value": name}, "display": name}


def client_agent(workstation: str, address: str | None = None,
                 address_type: str = "1") -> dict[str, Any]:
    """The workstation application (network type 1 machine name, 2 IP address)."""
    return {"type": {"coding": [{"system": DCM, "code": CLIENT, "display": "Source Role ID"}]},
            "who": device(WORKSTATION, workstation), "requestor": False,
            "network": {"address": address or workstation, "type": address_type}}


def server_agent(url: str | None = None) -> dict[str, Any]:
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": DCM, "code": SERVER, "display": "Destination Role ID"}]},
        "who": device(SERVER_ID, SERVER_NAME), "requestor": False}
    if url:
        agent["network"] = {"address": url, "type": "5"}  # URI
    return agent


def is_device_agent(agent: object) -> bool:
    """A client or server agent naming no person (its `who`, if a reference, is a Device)."""
    if not isinstance(agent, dict) or agent.get("requestor") is True:
        return False
    kind = _dict(agent.get("type"))
    codes = {(c.get("system"), c.get("code")) for c in kind.get("coding") or ()
             if isinstance(c, dict)}
    who = _dict(agent.get("who"))
    ident = _dict(who.get("identifier"))
    return bool(codes & {(DCM, c) for c in DEVICE_AGENTS}) and \
        str(who.get("reference") or "Device/").startswith("Device/") and \
        ident.get("system") in (None, WORKSTATION, SERVER_ID)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def source(observer: dict[str, Any], kind: str, site: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"observer": observer, "type": [
        {"system": SOURCE_TYPE, "code": kind, "display": _SOURCE_DISPLAY[kind]}]}
    if site:
        found["site"] = site
    return found


def patient_entity(what: dict[str, Any]) -> dict[str, Any]:
    return {"what": what,
            "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"}}


def data_entity(what: dict[str, Any], classes: str | None = None) -> dict[str, Any]:
    """The data the access touched; `classes`: its data classes (detail "data-classes")."""
    entity: dict[str, Any] = {
        "what": what, "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"}}
    if classes is not None:
        entity["detail"] = [{"type": "data-classes", "valueString": classes}]
    return entity


def query_entity(query_b64: str) -> dict[str, Any]:
    return {"type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
            "role": {"system": OBJECT_ROLE, "code": "24", "display": "Query"},
            "query": query_b64}
