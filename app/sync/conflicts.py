"""Conflict records the user resolves: keep mine (pushed over the server's current version) or
keep the server's (the cache takes it). Both are one store transaction.
"""

from __future__ import annotations

import copy
import uuid as uuid_module
from enum import StrEnum

from app.store import Store
from app.store import outbox as outbox_rows
from app.store import resources as resource_rows
from app.sync.local import StoreCache


class Choice(StrEnum):
    LOCAL = "local"
    SERVER = "server"


def open_conflicts(cache: StoreCache) -> list[dict]:
    """Each: id, outbox_uuid, resource_type, resource_id, patient_id, local, server, created."""
    return cache.run(lambda s: s.open_conflicts())


def resolve(cache: StoreCache, conflict_id: int, choice: Choice) -> None:
    """Settle a conflict; choosing LOCAL queues the local version as a change made on the
    server's current version, sent at the next push."""
    def settle(store: Store) -> None:
        record = next((c for c in store.open_conflicts() if c["id"] == conflict_id), None)
        if record is None:
            raise KeyError("no such open conflict")
        with store.transaction() as conn:
            if choice is Choice.LOCAL:
                _keep_local(conn, record)
            elif record["server"] is not None:
                resource_rows.put(conn, [record["server"]])
            else:
                resource_rows.delete(conn, record["resource_type"], record["resource_id"])
            outbox_rows.resolve_conflict(conn, conflict_id)
    cache.run(settle)


def _keep_local(conn, record: dict) -> None:
    local, server = record["local"], record["server"]
    rtype, rid = record["resource_type"], record["resource_id"]
    if local is None:  # our change was a delete
        change = outbox_rows.OutboxChange(
            rtype, rid, "delete", None, _version(server), record["patient_id"])
        outbox_rows.enqueue(conn, [change])
        return
    body = copy.deepcopy(local)
    if server is None:  # deleted on the server meanwhile: make it again
        body.pop("id", None)
        method, base, rid = "create", None, str(uuid_module.uuid4())
    else:
        method, base = "update", _version(server)
    body["id"] = rid
    body["meta"] = {**(body.get("meta") or {}), "versionId": base}
    resource_rows.put(conn, [body])
    outbox_rows.enqueue(conn, [outbox_rows.OutboxChange(
        rtype, rid, method, body, base, record["patient_id"])])


def _version(server: dict | None) -> str | None:
    return ((server or {}).get("meta") or {}).get("versionId")
