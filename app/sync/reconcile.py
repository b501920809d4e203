"""The cache held against what the server still shows: deletions on a server without system
`_history` (reconciliation), and the charts this user may no longer see (evicted whole on
403/404/410).
"""

from __future__ import annotations

import threading

from app.central.client import FhirClient
from app.central.errors import Kind, SyncError
from app.core.fhir import entries as fhir_entries
from app.sync.cache import SyncCache
from app.sync.fetch import IDS_PER_SEARCH, SEARCHSET, Fetcher, by_patient

RECONCILE_CHARTS = 50  # cached charts whose ids a round compares with the server's
RECONCILE = "reconcile"  # the cursor stream: the last chart reconciled
EVICT_KINDS = (Kind.FORBIDDEN, Kind.GONE)


def reconcile(fetch: Fetcher, cache: SyncCache, cancel: threading.Event | None = None) -> int:
    """Deletions on a server without system `_history`: the ids of the next RECONCILE_CHARTS
    cached charts (in turn, from where the last round stopped) compared with the server's, one
    search per chart type; a cached resource the server no longer has is deleted here (a local
    one not yet sent has a `local-` id: kept). Returns the resources deleted."""
    cached = sorted(cache.cached_patients())
    if not cached:
        return 0
    last = cache.cursor(RECONCILE) or ""
    batch = ([p for p in cached if p > last] + [p for p in cached if p <= last])
    batch = batch[:RECONCILE_CHARTS]
    server: set[tuple[str, str]] = set()
    for rtype in fetch.searchable_types(cancel):
        for page in fetch.search(rtype, by_patient(rtype, batch), None, cancel):
            server |= {(rtype, str(e["resource"]["id"])) for e in fhir_entries(page)
                       if e.get("resource")}
    types = set(fetch.searchable_types(cancel))  # less those refused on the way (403)
    missing = [key for key in cache.chart_ids(batch) if key[0] in types
               and key not in server and not key[1].startswith("local-")]
    gone = sorted(key for key in missing if key[0] != "Patient")
    cache.apply_page([], gone, {RECONCILE: batch[-1]})
    for _, patient_id in (key for key in missing if key[0] == "Patient"):
        recheck(fetch.client, cache, patient_id, cancel)  # refused or gone: evicted whole
    return len(gone)


def recheck(client: FhirClient, cache: SyncCache, patient_id: str,
            cancel: threading.Event | None) -> None:
    """A cached chart's consent changed or its patient went: may we still see it?"""
    try:
        client.get(f"Patient/{patient_id}", expect="Patient", cancel=cancel)
    except SyncError as err:
        if err.kind not in EVICT_KINDS:
            raise
        cache.evict(patient_id)


def recheck_access(fetch: Fetcher, cache: SyncCache,
                   cancel: threading.Event | None = None) -> list[str]:
    """Ask, by batches of ids, which cached patients the server still shows this user; each one
    missing is read alone and evicted on 403/404/410. Returns the evicted."""
    cached = sorted(cache.cached_patients())
    evicted = []
    for i in range(0, len(cached), IDS_PER_SEARCH):
        ids = cached[i:i + IDS_PER_SEARCH]
        seen = {e["resource"]["id"] for page in fetch.pages(
                    "Patient", {"_id": ",".join(ids), "_count": str(len(ids))}, SEARCHSET,
                    cancel)
                for e in fhir_entries(page) if e.get("resource")}
        for pid in ids:
            if pid not in seen:
                recheck(fetch.client, cache, pid, cancel)
                if pid not in cache.cached_patients():
                    evicted.append(pid)
    return evicted
