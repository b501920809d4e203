"""The FHIR R4 vocabulary shared by the client and the server: references, whose chart a
resource is in, identifiers, instants, Bundle entries and next links, history entries.

References are read one way everywhere: a literal, relative reference `Type/id` or
`Type/id/_history/vid`. An absolute URL, a contained (`#x`), `urn:uuid:` or conditional
(`Type?…`) reference names no local resource and is read as None (as the server stores it).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

Resource = dict[str, Any]

# Where each resource type names its patient, in order of preference; the types not listed
# name it in one of DEFAULT_PATIENT_PATHS (Coverage.beneficiary, for one).
PATIENT_PATHS: dict[str, tuple[str, ...]] = {
    "Encounter": ("subject",),
    "Condition": ("subject",),
    "AllergyIntolerance": ("patient",),
    "MedicationRequest": ("subject",),
    "MedicationStatement": ("subject",),
    "MedicationDispense": ("subject",),
    "Observation": ("subject",),
    "DiagnosticReport": ("subject",),
    "DocumentReference": ("subject",),
    "Consent": ("patient",),
    "Appointment": ("participant.actor",),
    "AuditEvent": ("entity.what",),
}
DEFAULT_PATIENT_PATHS = ("subject", "patient", "beneficiary")


def reference_target(reference: object) -> tuple[str, str, str | None] | None:
    """(type, id, versionId or None) of a literal relative reference, else None."""
    if not isinstance(reference, str) or "?" in reference or "#" in reference:
        return None
    parts = reference.split("/")
    if len(parts) == 2 or (len(parts) == 4 and parts[2] == "_history" and parts[3]):
        rtype, rid = parts[0], parts[1]
        if rtype[:1].isupper() and rtype.isalpha() and rid:
            return rtype, rid, parts[3] if len(parts) == 4 else None
    return None


def patient_of(resource: Resource, rtype: str | None = None,
               rid: str | None = None) -> str | None:
    """The id of the Patient whose chart holds this resource (a Patient's own id), if any.
    `rtype` and `rid` stand for the resource's own when it does not carry them yet."""
    rtype = rtype or resource.get("resourceType")
    if rtype == "Patient":
        own = rid or resource.get("id")
        return str(own) if own else None
    if not isinstance(rtype, str):
        return None
    for path in PATIENT_PATHS.get(rtype, DEFAULT_PATIENT_PATHS):
        for ref in values(resource, path.split(".")):
            target = reference_target(ref.get("reference")) if isinstance(ref, dict) else None
            if target is not None and target[0] == "Patient":
                return target[1]
    return None


def values(node: object, path: list[str]) -> list[Any]:
    """The values at a path of field names, lists flattened (`["participant", "actor"]`)."""
    if not path:
        return [node]
    if isinstance(node, list):
        return [v for item in node for v in values(item, path)]
    if isinstance(node, dict) and path[0] in node:
        return values(node[path[0]], path[1:])
    return []


def identifier(resource: Resource, system: str) -> str | None:
    """The value of the resource's first identifier in `system`."""
    for ident in resource.get("identifier") or ():
        if isinstance(ident, dict) and ident.get("system") == system:
            value = ident.get("value")
            return value if isinstance(value, str) else None
    return None


# -- Bundles ---------------------------------------------------------------------------------
def entries(bundle: Resource) -> list[Resource]:
    """A Bundle's entries (none when it has no `entry`)."""
    found = bundle.get("entry")
    return found if isinstance(found, list) else []


def resources(bundle: Resource, rtype: str | None = None) -> Iterator[Resource]:
    """The resources of a Bundle's entries (of type `rtype` only, if given)."""
    for entry in entries(bundle):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and (rtype is None or resource.get("resourceType") == rtype):
            yield resource


def next_link(bundle: Resource) -> str | None:
    """The URL of a searchset or history Bundle's next page, if any."""
    for link in bundle.get("link") or ():
        if isinstance(link, dict) and link.get("relation") == "next" and link.get("url"):
            return str(link["url"])
    return None


def url_target(url: str) -> tuple[str, str, str | None]:
    """`[base/]Type/id[/_history/vid][?…]` (a request or Location URL) -> (type, id, vid)."""
    parts = [p for p in url.split("?")[0].split("/") if p]
    if "_history" in parts:
        i = parts.index("_history")
        return parts[i - 2], parts[i - 1], parts[i + 1] if i + 1 < len(parts) else None
    return parts[-2], parts[-1], None


def history_entry(entry: Resource) -> tuple[str, str, Resource | None, str]:
    """(type, id, resource or None when deleted, lastUpdated) of a history/everything entry."""
    resource = entry.get("resource")
    request = entry.get("request") or {}
    response = entry.get("response") or {}
    if resource and request.get("method", "") != "DELETE":
        updated = (resource.get("meta") or {}).get("lastUpdated", "")
        return resource["resourceType"], resource["id"], resource, updated
    url = request.get("url") or entry.get("fullUrl") or response.get("location") or ""
    rtype, rid, _ = url_target(url)
    return rtype, rid, None, response.get("lastModified", "")


def etag_version(etag: str | None) -> str | None:
    """The versionId of an ETag (`W/"3"` -> "3")."""
    if not etag:
        return None
    value = etag.removeprefix("W/").strip('"')
    return value or None


def content(resource: Resource | None) -> Resource | None:
    """The resource without server bookkeeping (meta, id, text) to compare two versions."""
    if resource is None:
        return None
    body = copy.deepcopy(resource)
    for key in ("meta", "id", "text"):
        body.pop(key, None)
    return body


# -- instants --------------------------------------------------------------------------------
def parse_instant(value: str) -> datetime | None:
    """A FHIR instant as an aware datetime (naive ones taken as UTC); None if not one."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def format_instant(when: datetime) -> str:
    """A FHIR instant in UTC to the millisecond (`2026-01-02T03:04:05.678Z`)."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def earlier(value: str, seconds: float) -> str:
    """The instant `seconds` before `value` (`value` itself if it is not an instant)."""
    when = parse_instant(value)
    return format_instant(when - timedelta(seconds=seconds)) if when else value
