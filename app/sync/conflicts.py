"""Conflict records the user resolves: keep mine (pushed over the server's current version) or
keep the server's (the cache takes it). Both are one store transaction (Store.resolve_conflict).
"""

from __future__ import annotations

import copy
import uuid as uuid_module
from enum import StrEnum
from typing import Any

from app.store import OutboxChange, Store
from app.sync.store_cache import StoreCache


class Choice(StrEnum):
    LOCAL = "local"
    SERVER = "server"


def open_conflicts(cache: StoreCache) -> list[dict[str, Any]]:
    """Each: id, outbox_uuid, resource_type, resource_id, patient_id, local, server, created."""
    return cache.run(lambda s: s.open_conflicts())


def resolve(cache: StoreCache, conflict_id: int, choice: Choice) -> None:
    """Settle a conflict; choosing LOCAL queues the local version as a change made on the
    server's current version, sent at the next push."""
    def settle(store: Store) -> None:
        record = next((c for c in store.open_conflicts() if c["id"] == conflict_id), None)
        if record is None:
            raise KeyError("no such open conflict")
        if choice is Choice.LOCAL:
            put, change = _keep_local(record)
            store.resolve_conflict(conflict_id, put=put, outbox_changes=[change])
        elif record["server"] is not None:
            store.resolve_conflict(conflict_id, put=[record["server"]])
        else:
            store.resolve_conflict(conflict_id,
                                   delete=(record["resource_type"], record["resource_id"]))
    cache.run(settle)


def _keep_local(record: dict[str, Any]) -> tuple[list[dict[str, Any]], OutboxChange]:
    """What to cache and what to queue so that the local version goes over the server's."""
    local, server = record["local"], record["server"]
    rtype, rid = record["resource_type"], record["resource_id"]
    if local is None:  # our change was a delete
        return [], OutboxChange(rtype, rid, "delete", None, _version(server),
                                record["patient_id"])
    body = copy.deepcopy(local)
    if server is None:  # deleted on the server meanwhile: make it again
        body.pop("id", None)
        method, base, rid = "create", None, str(uuid_module.uuid4())
    else:
        method, base = "update", _version(server)
    body["id"] = rid
    body["meta"] = {**(body.get("meta") or {}), "versionId": base}
    return [body], OutboxChange(rtype, rid, method, body, base, record["patient_id"])


def _version(server: dict[str, Any] | None) -> str | None:
    version = ((server or {}).get("meta") or {}).get("versionId")
    return version if isinstance(version, str) else None
