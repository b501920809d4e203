"""Small FHIR helpers for sync: whose chart a resource belongs to, history entries, instants."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

PATIENT_FIELDS = ("subject", "patient", "beneficiary")


def patient_of(resource: dict) -> str | None:
    """The id of the Patient whose chart holds this resource, if any."""
    if resource.get("resourceType") == "Patient":
        return resource.get("id")
    for name in PATIENT_FIELDS:
        ref = (resource.get(name) or {}).get("reference", "") if isinstance(
            resource.get(name), dict) else ""
        if ref.startswith("Patient/"):
            return ref.split("/")[1]
    for part in resource.get("participant") or ():  # Appointment
        ref = ((part or {}).get("actor") or {}).get("reference", "")
        if ref.startswith("Patient/"):
            return ref.split("/")[1]
    return None


def parse_ref(url: str) -> tuple[str, str, str | None]:
    """`[base/]Type/id[/_history/vid]` -> (type, id, versionId or None)."""
    parts = [p for p in url.split("?")[0].split("/") if p]
    if "_history" in parts:
        i = parts.index("_history")
        return parts[i - 2], parts[i - 1], parts[i + 1] if i + 1 < len(parts) else None
    return parts[-2], parts[-1], None


def etag_version(etag: str | None) -> str | None:
    if not etag:
        return None
    value = etag.removeprefix("W/").strip('"')
    return value or None


def history_entry(entry: dict) -> tuple[str, str, dict | None, str]:
    """(type, id, resource or None when deleted, lastUpdated) of a history/everything entry."""
    resource = entry.get("resource")
    request = entry.get("request") or {}
    response = entry.get("response") or {}
    if resource and request.get("method", "") != "DELETE":
        updated = (resource.get("meta") or {}).get("lastUpdated", "")
        return resource["resourceType"], resource["id"], resource, updated
    url = request.get("url") or entry.get("fullUrl") or response.get("location") or ""
    rtype, rid, _ = parse_ref(url)
    return rtype, rid, None, response.get("lastModified", "")


def content(resource: dict | None) -> dict | None:
    """The resource without server bookkeeping (meta, id, text) to compare two versions."""
    if resource is None:
        return None
    body = copy.deepcopy(resource)
    for key in ("meta", "id", "text"):
        body.pop(key, None)
    return body


def parse_instant(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def format_instant(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def earlier(value: str, seconds: float) -> str:
    when = parse_instant(value)
    return format_instant(when - timedelta(seconds=seconds)) if when else value
