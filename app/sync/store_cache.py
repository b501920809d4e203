"""The SyncCache over the real encrypted store (app.store).

`StoreCache(store)` calls a Store on the caller's thread; `StoreCache.on_executor(executor)`
sends every call to the StoreExecutor's one write thread (the UI's set-up). Outbox rows for the
same resource are coalesced into one change (a create edited twice before it was sent is one
create of the latest version), so a transaction never names a resource twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, TypeVar, cast

from app.core.data_class import DataClass
from app.core.fhir import patient_of
from app.store import AccessRow, Store, StoreExecutor
from app.sync.cache import Change, ChartAccess, Pushed

T = TypeVar("T")
FETCH_FACTOR = 4  # outbox rows read per change sent, to see a resource's later rows too


def coalesce(entries: list[Any], limit: int, complete: bool) -> list[Change]:
    """Group outbox rows by resource, in the order of each group's first row."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for entry in entries:
        groups.setdefault((entry.resource_type, entry.resource_id), []).append(entry)
    ordered = list(groups.values())
    if not complete and len(ordered) > 1:
        ordered = ordered[:-1]  # its later rows may lie beyond what was read
    return [_change(rows) for rows in ordered[:limit]]


def _change(rows: list[Any]) -> Change:
    first, last = rows[0], rows[-1]
    op = first.method if first.method == "create" else last.method
    if first.method == "create" and last.method == "delete":
        op = "drop"  # made and removed before the server saw it
    return Change(seq=first.seq, op=op, rtype=first.resource_type, rid=first.resource_id,
                  resource=last.body, base_version=first.base_version,
                  change_id=f"urn:uuid:{first.uuid}",
                  members=tuple(r.uuid for r in rows),
                  earlier=tuple(r.body for r in rows[:-1]))


class StoreCache:
    def __init__(self, store: Store | None = None,
                 run: Callable[[Callable[[Store], Any]], Any] | None = None):
        if run is None:
            if store is None:
                raise ValueError("a Store or a runner is needed")
            run = lambda fn: fn(store)  # noqa: E731
        self._run = run

    def _call(self, fn: Callable[[Store], T]) -> T:
        return cast(T, self._run(fn))

    @classmethod
    def on_executor(cls, executor: StoreExecutor) -> StoreCache:
        return cls(run=executor.call)

    # -- pull ------------------------------------------------------------------------------
    def cached_patients(self) -> set[str]:
        return set(self._call(lambda s: s.cached_patient_ids()))

    def cursor(self, stream: str) -> str | None:
        return self._call(lambda s: s.get_cursor(stream))

    def apply_page(self, upserts: list[dict[str, Any]], deletes: list[tuple[str, str]],
                   cursors: dict[str, str],
                   access: Mapping[str, ChartAccess | None] | None = None) -> None:
        rows = {pid: _row(a) for pid, a in (access or {}).items()}

        self._call(lambda s: s.apply_pull(upserts, deletes, cursors, rows))

    def chart_access(self, patient_ids: Iterable[str]) -> dict[str, ChartAccess]:
        ids = list(patient_ids)
        rows = self._call(lambda s: s.chart_access(ids)) if ids else {}
        return {pid: _access(row) for pid, row in rows.items()}

    def access_due(self, day: date) -> list[str]:
        return self._call(lambda s: s.access_due(day.isoformat()))

    def consents(self, patient_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        ids = list(patient_ids)
        return self._call(lambda s: s.consents(ids))

    def owner(self, rtype: str, rid: str) -> str | None:
        found = self._call(lambda s: s.get_resource(rtype, rid))
        return patient_of(found) if found else None

    def chart_ids(self, patient_ids: list[str]) -> set[tuple[str, str]]:
        ids = list(patient_ids)
        return self._call(lambda s: s.chart_ids(ids)) if ids else set()

    def evict(self, patient_id: str) -> None:
        """The server no longer shows this chart: drop it (changes still queued stay, to be
        refused by the server and kept as conflict records rather than lost)."""
        self._call(lambda s: s.evict_chart(patient_id))

    # -- push ------------------------------------------------------------------------------
    def pending(self, limit: int) -> list[Change]:
        fetch = limit * FETCH_FACTOR
        entries = self._call(lambda s: s.outbox_batch(fetch))
        return coalesce(entries, limit, complete=len(entries) < fetch)

    def pushed(self, done: list[Pushed]) -> None:
        pairs = [(uuid, p.resource) for p in done for uuid in p.change.members]
        if pairs:
            self._call(lambda s: s.mark_acknowledged_many(pairs))

    def conflict(self, change: Change, server: dict[str, Any] | None, reason: str) -> None:
        """One conflict record (the latest local version); earlier rows of it stop too."""
        *earlier, last = change.members
        self._call(lambda s: s.record_conflict(last, server, reason, earlier=earlier))

    # -- access log ------------------------------------------------------------------------
    def audit_pending(self, limit: int) -> list[tuple[int, Any]]:
        return [(e.seq, e) for e in self._call(lambda s: s.unacknowledged_access(limit))]

    def audit_acknowledged(self, seqs: list[int]) -> None:
        if seqs:
            self._call(lambda s: s.acknowledge_access(seqs))

    # -- for the UI and conflicts.py -------------------------------------------------------
    def run(self, fn: Callable[[Store], T]) -> T:
        return self._call(fn)


def _row(access: ChartAccess | None) -> AccessRow | None:
    if access is None:
        return None
    withheld = None if access.withheld is None else ",".join(sorted(access.withheld))
    checked, next_check = (d.isoformat() if d else None
                           for d in (access.checked, access.next_check))
    return withheld, checked, next_check


def _access(row: AccessRow) -> ChartAccess:
    withheld, checked, next_check = row
    try:
        classes = None if withheld is None else frozenset(
            DataClass(c) for c in withheld.split(",") if c)
    except ValueError:  # a class this build does not know: unknown, as if all
        classes = None
    return ChartAccess(classes, *(date.fromisoformat(d) if d else None
                                  for d in (checked, next_check)))
