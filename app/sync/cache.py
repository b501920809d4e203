"""What sync needs from the local store, as a protocol (store.py adapts app.store to it).

Every method that changes data is one store transaction: a page of pulled resources together
with its cursor; a pushed change's outbox row together with the server's version in the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Change:
    """One outbox row: a local change waiting for the server."""

    seq: int
    op: str  # "create" | "update" | "delete"
    rtype: str
    rid: str  # the local id (for a create: until the server names it)
    resource: dict | None
    base_version: str | None  # the server version the change was made on (If-Match)
    change_id: str  # urn:uuid:… — the create's identifier, searched by If-None-Exist
    members: tuple[str, ...] = ()  # the outbox rows (uuids) this change stands for
    earlier: tuple[dict | None, ...] = ()  # bodies of the members before the last


@dataclass(frozen=True)
class Pushed:
    change: Change
    resource: dict | None  # the server's version (None after a delete)


class SyncCache(Protocol):
    def cached_patients(self) -> set[str]: ...

    def cursor(self, stream: str) -> str | None: ...

    def apply_page(self, upserts: list[dict], deletes: list[tuple[str, str]],
                   cursors: dict[str, str]) -> None: ...

    def evict(self, patient_id: str) -> None: ...

    def pending(self, limit: int) -> list[Change]: ...

    def pushed(self, done: list[Pushed]) -> None: ...

    def conflict(self, change: Change, server: dict | None, reason: str) -> None: ...

    def audit_pending(self, limit: int) -> list[tuple[int, Any]]: ...

    def audit_acknowledged(self, seqs: list[int]) -> None: ...
