"""What sync needs from the local store, as a protocol (store_cache.StoreCache adapts the
store to it).

Every method that changes data is one store transaction: a page of pulled resources together
with its cursor; a pushed change's outbox row together with the server's version in the cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from app.core.data_class import DataClass


@dataclass(frozen=True)
class Change:
    """One outbox row: a local change waiting for the server."""

    seq: int
    op: str  # "create" | "update" | "delete"
    rtype: str
    rid: str  # the local id (for a create: until the server names it)
    resource: dict[str, Any] | None
    base_version: str | None  # the server version the change was made on (If-Match)
    change_id: str  # urn:uuid:… — the create's identifier, searched by If-None-Exist
    members: tuple[str, ...] = ()  # the outbox rows (uuids) this change stands for
    earlier: tuple[dict[str, Any] | None, ...] = ()  # bodies of the members before the last


@dataclass(frozen=True)
class Pushed:
    change: Change
    resource: dict[str, Any] | None  # the server's version (None after a delete)


@dataclass(frozen=True)
class ChartAccess:
    """What the server may have withheld from this user in a chart since its last full fetch,
    and the day the chart is due to be evaluated again (app.sync.consent_watch)."""

    withheld: frozenset[DataClass] | None  # None: unknown (every clinical class)
    checked: date | None = None  # the day of the last evaluation
    next_check: date | None = None  # None: not due (no Consent change, no period ahead)


class SyncCache(Protocol):
    def cached_patients(self) -> set[str]: ...

    def cursor(self, stream: str) -> str | None: ...

    def apply_page(self, upserts: list[dict[str, Any]], deletes: list[tuple[str, str]],
                   cursors: dict[str, str],
                   access: Mapping[str, ChartAccess | None] | None = None) -> None: ...

    def evict(self, patient_id: str) -> None: ...

    def chart_ids(self, patient_ids: list[str]) -> set[tuple[str, str]]:
        """(type, id) of every cached resource of these charts (deletions' reconciliation)."""
        ...

    def chart_access(self, patient_ids: Iterable[str]) -> dict[str, ChartAccess]: ...

    def access_due(self, day: date) -> list[str]: ...

    def consents(self, patient_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]: ...

    def owner(self, rtype: str, rid: str) -> str | None: ...

    def pending(self, limit: int) -> list[Change]: ...

    def pushed(self, done: list[Pushed]) -> None: ...

    def conflict(self, change: Change, server: dict[str, Any] | None, reason: str) -> None: ...

    def audit_pending(self, limit: int) -> list[tuple[int, Any]]: ...

    def audit_acknowledged(self, seqs: list[int]) -> None: ...
