"""The chart cache: FHIR resources as JSON, keyed by (type, id), found by patient and type."""

from __future__ import annotations

import json

COLUMNS = "type, id, version_id, last_updated, patient_id, json"


def patient_of(resource: dict) -> str | None:
    """The id of the Patient a resource belongs to (a Patient belongs to itself)."""
    if resource.get("resourceType") == "Patient":
        return resource.get("id")
    refs = [resource.get(field) or {} for field in ("subject", "patient", "beneficiary")]
    refs += [p.get("actor") or {} for p in resource.get("participant") or ()]  # Appointment
    for ref in refs:
        reference = ref.get("reference", "") if isinstance(ref, dict) else ""
        if reference.startswith("Patient/"):
            return reference.split("/", 1)[1].split("/", 1)[0]
    return None


def row_of(resource: dict) -> tuple:
    meta = resource.get("meta") or {}
    if not resource.get("resourceType") or not resource.get("id"):
        raise ValueError("a cached resource needs resourceType and id")
    return (resource["resourceType"], str(resource["id"]), meta.get("versionId"),
            meta.get("lastUpdated"), patient_of(resource),
            json.dumps(resource, ensure_ascii=False, separators=(",", ":")))


def put(conn, resources: list[dict]) -> None:
    conn.executemany(f"INSERT OR REPLACE INTO resources ({COLUMNS}) VALUES (?,?,?,?,?,?)",
                     [row_of(r) for r in resources])


def get(conn, resource_type: str, resource_id: str) -> dict | None:
    row = conn.execute("SELECT json FROM resources WHERE type = ? AND id = ?",
                       (resource_type, resource_id)).fetchone()
    return json.loads(row[0]) if row else None


def version_of(conn, resource_type: str, resource_id: str) -> str | None:
    row = conn.execute("SELECT version_id FROM resources WHERE type = ? AND id = ?",
                       (resource_type, resource_id)).fetchone()
    return row[0] if row else None


def list_for_patient(conn, patient_id: str, resource_type: str | None = None) -> list[dict]:
    if resource_type:
        cursor = conn.execute(
            "SELECT json FROM resources WHERE patient_id = ? AND type = ? ORDER BY id",
            (patient_id, resource_type))
    else:
        cursor = conn.execute("SELECT json FROM resources WHERE patient_id = ? ORDER BY type, id",
                              (patient_id,))
    return [json.loads(row[0]) for row in cursor.fetchall()]


def list_by_type(conn, resource_type: str) -> list[dict]:
    cursor = conn.execute("SELECT json FROM resources WHERE type = ? ORDER BY id",
                          (resource_type,))
    return [json.loads(row[0]) for row in cursor.fetchall()]


def delete(conn, resource_type: str, resource_id: str) -> bool:
    cursor = conn.execute("DELETE FROM resources WHERE type = ? AND id = ?",
                          (resource_type, resource_id))
    return cursor.rowcount > 0


def patient_ids(conn) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT patient_id FROM resources WHERE patient_id IS NOT NULL ORDER BY 1")]
