"""Validation of incoming resources with `fhir.resources` (its R4B models: fhir.resources has no
4.0.1 model set any more, and R4B's changes to R4 are in resource types not served here).
Code values (e.g. Patient.gender) are not checked against their value sets by the library.

Model classes are looked up once and cached; validation runs on writes only.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ValidationError

from app.core import fhir_systems, nam
from server.fhir.errors import FhirError

RESOURCE_TYPES = (
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Encounter", "Condition",
    "AllergyIntolerance", "MedicationRequest", "MedicationStatement", "MedicationDispense",
    "Observation", "DiagnosticReport", "DocumentReference", "Appointment", "Consent", "AuditEvent",
)


@cache
def model(rtype: str) -> type[BaseModel]:
    from fhir.resources.R4B import get_fhir_model_class
    return get_fhir_model_class(rtype)


def check_type(rtype: str) -> None:
    if rtype not in RESOURCE_TYPES:
        raise FhirError(404, f"resource type not supported: {rtype}")


def _expression(rtype: str, loc: tuple) -> str:
    path = rtype
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith(("function-", "union")):
            path += f".{part}"
    return path


def validate(resource: object, rtype: str) -> dict:
    """The resource when it is a valid `rtype`; else FhirError 400 saying where (never the value,
    which may be patient data)."""
    if not isinstance(resource, dict):
        raise FhirError(400, "the body is not a JSON object")
    if resource.get("resourceType") != rtype:
        raise FhirError(400, f"resourceType must be {rtype}", expression="resourceType")
    try:
        model(rtype).model_validate(resource)
    except ValidationError as error:
        issues: list[tuple[str | None, str]] = [(_expression(rtype, e["loc"]), e["msg"])
                                                for e in error.errors()[:20]]
        raise FhirError(400, f"invalid {rtype}: {issues[0][0]}: {issues[0][1]}",
                        issues=issues) from None
    except (ValueError, TypeError) as error:
        raise FhirError(400, f"invalid {rtype}: {type(error).__name__}") from None
    _business_rules(resource, rtype)
    return resource


def _business_rules(resource: dict, rtype: str) -> None:
    """422: valid FHIR that this server still refuses (a NAM with a wrong check digit)."""
    if rtype != "Patient":
        return
    for n, ident in enumerate(resource.get("identifier") or ()):
        if ident.get("system") == fhir_systems.NAM and not nam.is_valid(ident.get("value", "")):
            raise FhirError(422, "the health insurance number (NAM) is not valid",
                            expression=f"Patient.identifier[{n}].value")
