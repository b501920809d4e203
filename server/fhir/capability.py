"""The CapabilityStatement: exactly what this server implements, nothing more."""

from __future__ import annotations

from server.fhir.search import params_for
from server.fhir.validate import RESOURCE_TYPES

TYPES = {"_id": "token", "_lastUpdated": "date", "identifier": "token", "family": "string",
         "given": "string", "birthdate": "date", "patient": "reference", "subject": "reference",
         "date": "date", "actor": "reference", "entity": "reference"}
DOCS = {"identifier": "system|value, |value or value (e.g. the NAM)",
        "family": "starts with, case- and accent-insensitive",
        "given": "starts with, case- and accent-insensitive",
        "birthdate": "YYYY-MM-DD with optional eq/ne/gt/ge/lt/le prefix",
        "_lastUpdated": "one instant with optional eq/ne/gt/ge/lt/le prefix",
        "date": "Appointment.start; YYYY, YYYY-MM, YYYY-MM-DD (UTC) or a dateTime with "
                "offset (to the second), optional eq/ne/gt/ge/lt/le prefix; repeat to AND",
        "actor": "a participant: Type/id (Patient, Practitioner, Location…)",
        "entity": "only as entity:identifier=system|value (an access-log entry hash)"}
INTERACTIONS = ("read", "vread", "update", "delete", "history-instance", "history-type", "create",
                "search-type")
EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"


def _resource(rtype: str) -> dict:
    body = {
        "type": rtype,
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": rtype == "AuditEvent",  # a PUT without If-Match (server.fhir.ops)
        "conditionalCreate": True,
        "conditionalRead": "not-supported",
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": [{"name": n, "type": TYPES[n], **({"documentation": DOCS[n]}
                                                          if n in DOCS else {})}
                        for n in (p.split(":")[0] for p in params_for(rtype))],
    }
    if rtype == "Patient":
        body["operation"] = [{"name": "everything", "definition": EVERYTHING,
                              "documentation": "_since, _count; AuditEvents are left out"}]
    return body


def capability_statement(base: str, stamp: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": stamp[:10],
        "kind": "instance",
        "software": {"name": "ClinicDesk reference server", "version": "0.1.0"},
        "implementation": {"description": "ClinicDesk reference FHIR R4 server", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": (
                "Updates need If-Match (428 without, 412 when stale); no update-as-create; "
                "unknown search parameters are refused (400); a Patient search needs "
                "identifier, _id, or family and birthdate (no listing of patients); "
                "paging by link next (_cursor); POST [type]/_search takes the parameters "
                "as a form body; "
                "_count up to 1000; transactions are atomic (GET entries only in batches)."),
            "security": {"service": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                "code": "OAuth"}]}]},
            "resource": [_resource(t) for t in RESOURCE_TYPES],
            "interaction": [{"code": c} for c in ("transaction", "batch", "history-system")],
            "operation": [{"name": "everything", "definition": EVERYTHING}],
        }],
    }
