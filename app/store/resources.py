"""The chart cache: FHIR resources as JSON, keyed by (type, id), found by patient and type."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Collection, Iterator
from typing import Any

import orjson

from app.core.data_class import DataClass
from app.core.fhir import patient_of
from app.core.resource_class import data_class_of, possible_classes
from app.store.db import Connection

COLUMNS = "type, id, version_id, last_updated, patient_id, json"


def row_of(resource: dict[str, Any]) -> tuple[Any, ...]:
    meta = resource.get("meta") or {}
    if not resource.get("resourceType") or not resource.get("id"):
        raise ValueError("a cached resource needs resourceType and id")
    return (resource["resourceType"], str(resource["id"]), meta.get("versionId"),
            meta.get("lastUpdated"), patient_of(resource),
            json.dumps(resource, ensure_ascii=False, separators=(",", ":")))


def put(conn: Connection, resources: list[dict[str, Any]]) -> None:
    conn.executemany(f"INSERT OR REPLACE INTO resources ({COLUMNS}) VALUES (?,?,?,?,?,?)",
                     [row_of(r) for r in resources])


def get(conn: Connection, resource_type: str, resource_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT json FROM resources WHERE type = ? AND id = ?",
                       (resource_type, resource_id)).fetchone()
    return json.loads(row[0]) if row else None


def version_of(conn: Connection, resource_type: str, resource_id: str) -> str | None:
    row = conn.execute("SELECT version_id FROM resources WHERE type = ? AND id = ?",
                       (resource_type, resource_id)).fetchone()
    return row[0] if row else None


def list_for_patient(conn: Connection, patient_id: str,
                     resource_type: str | None = None) -> list[dict[str,
                                                                                           Any]]:
    if resource_type:
        cursor = conn.execute(
            "SELECT json FROM resources WHERE patient_id = ? AND type = ? ORDER BY id",
            (patient_id, resource_type))
    else:
        cursor = conn.execute("SELECT json FROM resources WHERE patient_id = ? ORDER BY type, id",
                              (patient_id,))
    return [json.loads(row[0]) for row in cursor.fetchall()]


def _loads(text: bytes | str) -> dict[str, Any]:
    """orjson (a chart decodes in half the time), or Python's json for what json.dumps wrote
    and orjson refuses (NaN, Infinity, lone surrogates). Same values for any FHIR JSON: they
    differ only on integers beyond 64 bits (a float here), which FHIR does not have."""
    try:
        found: dict[str, Any] = orjson.loads(text)
    except orjson.JSONDecodeError:
        found = json.loads(text)
    return found


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while a chart is decoded and shaped: thousands of
    resources of some 30 containers each, none of them garbage, which the collector would
    otherwise walk again and again while they are young (a third of the decoding time).
    Reference counting frees as usual; the collector resumes after (process-wide: nested or
    concurrent pauses leave it as the outermost found it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def by_class(conn: Connection, patient_id: str, classes: Collection[DataClass]) -> dict[DataClass,
                                                                            list[dict[str, Any]]]:
    """The patient's resources of these classes, grouped by class (each list in type, id
    order). A row whose type cannot belong to any of them is never decoded."""
    wanted = frozenset(classes)
    found: dict[DataClass, list[dict[str, Any]]] = {c: [] for c in wanted}
    if not wanted:
        return found
    types = [t for (t,) in conn.execute(  # from the (patient_id, type) index alone
        "SELECT DISTINCT type FROM resources WHERE patient_id = ?", (patient_id,))]
    keep = [t for t in types if possible_classes(t) & wanted]  # others are never read
    if not keep:
        return found
    rows = conn.execute(  # as UTF-8 bytes, what orjson parses: no str made and re-encoded
        "SELECT type, CAST(json AS BLOB) FROM resources WHERE patient_id = ? AND type IN "
        f"({','.join('?' * len(keep))}) ORDER BY type, id", (patient_id, *keep)).fetchall()
    with gc_paused():
        for _resource_type, text in rows:
            resource = _loads(text)
            data_class = data_class_of(resource.get("resourceType", ""), resource)
            if data_class in wanted:
                found[data_class].append(resource)
    return found


def delete_for_patient(conn: Connection, patient_id: str) -> int:
    removed: int = conn.execute("DELETE FROM resources WHERE patient_id = ?",
                                (patient_id,)).rowcount
    return removed


def list_by_type(conn: Connection, resource_type: str) -> list[dict[str, Any]]:
    cursor = conn.execute("SELECT json FROM resources WHERE type = ? ORDER BY id",
                          (resource_type,))
    return [json.loads(row[0]) for row in cursor.fetchall()]


def delete(conn: Connection, resource_type: str, resource_id: str) -> bool:
    cursor = conn.execute("DELETE FROM resources WHERE type = ? AND id = ?",
                          (resource_type, resource_id))
    return bool(cursor.rowcount > 0)


def ids_for_patients(conn: Connection, patient_ids: list[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for i in range(0, len(patient_ids), 500):  # SQLite's bound parameters, with room to spare
        chunk = patient_ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        found.update((str(t), str(r)) for t, r in conn.execute(
            f"SELECT type, id FROM resources WHERE patient_id IN ({marks})", chunk))
    return found


def patient_ids(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT patient_id FROM resources WHERE patient_id IS NOT NULL ORDER BY 1")]
