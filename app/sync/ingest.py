"""Pulled pages into the cache: page by page with the stream's cursor, or a chart in one
transaction (stored complete or not at all). Entries of charts not cached are left out; the
newest version of each resource wins. Every full fetch records what the chart's Consents
withhold from this user, and a page that brings (or deletes) a Consent of a cached chart makes
it due for an evaluation (app.sync.consent_watch) and has its access checked again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

from app.core.fhir import Resource, earlier, history_entry, parse_instant, patient_of
from app.core.fhir import entries as fhir_entries
from app.sync.cache import SyncCache
from app.sync.consent_watch import ConsentWatch
from app.sync.cursors import OVERLAP, Stamped
from app.sync.fetch import Fetcher
from app.sync.reconcile import recheck

Key = tuple[str, str]  # (resource type, id)


class Lazy:
    """A set computed on first use (the cached patients, needed only when entries came)."""

    def __init__(self, compute: Callable[[], Iterable[str]]) -> None:
        self._compute: Callable[[], Iterable[str]] = compute
        self._value: set[str] | None = None

    def get(self) -> set[str]:
        if self._value is None:
            self._value = set(self._compute())
        return self._value

    def __contains__(self, item: object) -> bool:
        return item in self.get()

    def __iter__(self) -> Iterator[str]:
        return iter(self.get())

    def __bool__(self) -> bool:
        return bool(self.get())


Cached = set[str] | Lazy | None  # the cached charts; None: keep every entry (a chart pull)


class Ingester:
    def __init__(self, fetch: Fetcher, cache: SyncCache, watch: ConsentWatch):
        self.fetch, self.cache, self.watch = fetch, cache, watch

    def ingest(self, pages: Iterable[Resource], cached: Cached, stream: str,
               cancel: threading.Event | None = None, chart: str | None = None,
               atomic: bool = False, stamped: Stamped | None = None) -> int:
        """Commit page by page — or, `atomic` (a chart pull), every page in one transaction
        once the last one came and passed its checks: a chart is stored complete or not at all.
        The stream's cursor goes with the last page: the time the server answered the first
        one, less the overlap (re-applying a version is harmless); so does the access record
        of `chart` (fetched in full) or of the cached charts whose Consents changed (due for
        an evaluation). Returns the resources changed."""
        changed, start, entries = 0, None, 0
        recheck_due: set[str] = set()
        consents: list[Resource] = []
        seen: dict[Key, object] = {}  # newest version applied in this pass
        pending: tuple[list[Resource], list[Key]] | None = None
        for page in pages:
            if start is None:
                start = earlier(self.fetch.page_time(page), OVERLAP)
            if pending is not None and (pending[0] or pending[1]) and not atomic:
                self.cache.apply_page(*pending, {})
                pending = None
            entries += len(fhir_entries(page))
            upserts, deletes, touched = self.select(page, cached, seen)
            recheck_due |= touched | self._consent_owners(deletes, cached)
            consents += [r for r in upserts if r.get("resourceType") == "Consent"]
            pending = (upserts, deletes) if pending is None else \
                (pending[0] + upserts, pending[1] + deletes)
            changed += len(upserts) + len(deletes)
        if entries == 0:  # nothing new: the cursor may stay where it is (no write, no fsync)
            return 0
        if stamped is not None and stamped.start:
            start = stamped.start
        cursors = {stream: start} if start else {}
        access = {chart: self.watch.fetched(consents)} if chart else (
            self.watch.due_today(recheck_due) if recheck_due else None)
        self.cache.apply_page(*(pending or ([], [])), cursors, access)
        for patient_id in recheck_due:
            recheck(self.fetch.client, self.cache, patient_id, cancel)
        return changed

    def select(self, page: Resource, cached: Cached, seen: dict[Key, object],
               ) -> tuple[list[Resource], list[Key], set[str]]:
        """This page's newest version of each resource, unless a page read earlier in the pass
        had a newer one (history runs newest first, so later pages hold older versions)."""
        latest: dict[Key, tuple[object, Resource | None]] = {}
        touched: set[str] = set()
        for entry in fhir_entries(page):
            rtype, rid, resource, updated = history_entry(entry)
            if resource is not None and cached is not None:
                # An AuditEvent names the patient it records but is no row of that chart here.
                owner = None if rtype == "AuditEvent" else patient_of(resource)
                if owner is None or owner not in cached:
                    continue
                if rtype == "Consent":
                    touched.add(owner)
            elif resource is None and rtype == "Patient" and cached and rid in cached:
                touched.add(rid)
            key, when = (rtype, rid), parse_instant(updated) or updated
            if key in seen and not _newer(when, seen[key]):
                continue
            if key not in latest or not _newer(latest[key][0], when):
                latest[key] = (when, resource)
        seen.update((key, when) for key, (when, _) in latest.items())
        upserts = [res for _, res in latest.values() if res is not None]
        deletes = [key for key, (_, res) in latest.items() if res is None]
        return upserts, deletes, touched

    def _consent_owners(self, deletes: list[Key], cached: Cached) -> set[str]:
        """The cached charts whose Consents these deletions remove (looked up before they go)."""
        if cached is None:
            return set()
        owners = {self.cache.owner(rtype, rid) for rtype, rid in deletes if rtype == "Consent"}
        return {pid for pid in owners if pid and pid in cached}


def _newer(a: object, b: object) -> bool:
    """a strictly later than b (instants; raw strings when a server sent an unparsable one)."""
    try:
        return bool(a > b)  # type: ignore[operator]
    except TypeError:
        return str(a) > str(b)
