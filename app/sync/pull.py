"""Pull: charts the user opens (`$everything`) and sync rounds that bring every cached chart up
to date with as few requests as the server allows. Works from what FHIR R4 requires of every
server: optional features (`$everything`, system `_history`) are taken from the
CapabilityStatement when there is one, else tried once (a refusal means "not offered", never
"record gone"); references in searches go in their R4 form (`patient=Patient/{id}`).

A chart is stored complete or not at all: a search answer whose `total` exceeds what its pages
held (a server that cuts pages without `next`) is fetched again by windows of `_lastUpdated`
small enough for one page each; when even that fails, the open fails (Kind.INCOMPLETE). A chart
already cached opens online with only what changed since its own cursor. Each chart's cursor
is the server's clock at that chart's first answer (its Bundle.meta.lastUpdated, else its
`Date`, read in the thread that fetched it), less an overlap.

With system `_history`, a round is one request when nothing changed: `_history?_since=cursor`,
entries filtered to the cached patients, every page followed and committed with its cursor.
Without it, type-level searches with `_lastUpdated` by batches of patients, leaving out the
types the server refuses this user's role (403). A chart whose patient the server now refuses
(403/404/410) is evicted from the cache. Without system `_history`, deletions are found by
reconciliation: each round compares the cached ids of a batch of charts (RECONCILE_CHARTS,
taken in turn) with the server's, one search per chart type. Every full fetch records what
the chart's Consents withhold from this user, and a round that brings a Consent makes its chart
due for an evaluation (app.sync.consent_watch: the engine fetches again the charts a
restriction no longer covers).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.central.client import FhirClient, what
from app.central.errors import Kind, SyncError
from app.central.replies import ReplyLimits, bounded_chart, checked_pages
from app.central.retry import Progress
from app.core.fhir import (
    Resource,
    earlier,
    format_instant,
    history_entry,
    parse_instant,
    patient_of,
    resources,
)
from app.core.fhir import entries as fhir_entries
from app.core.profiles import practitioner_reference
from app.sync.cache import SyncCache
from app.sync.consent_watch import ConsentWatch

HISTORY = "history"  # the stream of the system-level history
OVERLAP = 2.0  # seconds re-read at each round: commits in flight when the server answered
IDS_PER_SEARCH = 50
RECONCILE_CHARTS = 50  # cached charts whose ids a round compares with the server's
RECONCILE = "reconcile"  # the cursor stream: the last chart reconciled
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # no resource is older: the oldest window's start
MIN_WINDOW = timedelta(microseconds=1)  # a window this small still cut: the chart is incomplete
NOT_OFFERED = (Kind.GONE, Kind.CLIENT, Kind.INVALID)  # 404/400/405, an unreadable answer
EVICT_KINDS = (Kind.FORBIDDEN, Kind.GONE)
SEARCHSET, HISTORY_BUNDLE = "searchset", "history"  # the Bundle types the replies must have


def chart_stream(patient_id: str) -> str:
    return f"chart:{patient_id}"


class Incomplete(Exception):
    """A search's pages held fewer entries than its `total` said (no `next` to the rest)."""

    def __init__(self, total: int, received: int):
        super().__init__(f"{received} of {total}")
        self.total, self.received = total, received


class Stamped:
    """A chart's pages, with `start`: the server's clock at the chart's first answer, less the
    overlap, taken in the thread that fetched it as that answer came (Puller._pages), not
    when the pages are handed on (they are read whole first): the chart's cursor, never a
    later answer's (app.sync.bulk runs several charts at once)."""

    def __init__(self, pages: Iterable[Resource], local: threading.local, reset: bool = True):
        self.pages, self.local, self.reset = pages, local, reset
        self.start: str | None = None

    def __iter__(self) -> Iterator[Resource]:
        if self.reset:  # else the caller did, before its first request
            self.local.start = None
        for page in self.pages:
            if self.start is None:
                self.start = self.local.start
            yield page


class Puller:
    def __init__(self, client: FhirClient, cache: SyncCache,
                 today: Callable[[], date] = date.today):
        self.client, self.cache = client, cache
        self.watch = ConsentWatch(cache, practitioner_reference(client.settings.username), today)
        # Types whose type-level search the server refused this user (a receptionist's
        # Observations): left out of later searches instead of failing every round.
        self.refused_types: set[str] = set()
        # Optional features learnt by trying once when the server has no CapabilityStatement.
        self.everything: bool | None = None
        self.system_history: bool | None = None
        self._first = threading.local()  # .start: the server's clock at a chart's first answer

    # -- what the server offers --------------------------------------------------------------
    def _offers_everything(self, cancel: threading.Event | None) -> bool | None:
        caps = self.client.capabilities(cancel)
        return caps.everything if caps.known else self.everything

    def _offers_system_history(self, cancel: threading.Event | None) -> bool | None:
        caps = self.client.capabilities(cancel)
        return caps.system_history if caps.known else self.system_history

    # -- one chart ---------------------------------------------------------------------------
    def open_chart(self, patient_id: str, cancel: threading.Event | None = None,
                   progress: Progress | None = None) -> int:
        """Fetch a chart into the cache; returns the resources stored (changed, for a chart
        already cached: only what changed since its cursor is asked). Evicts on 403/410."""
        since = None
        if self.cache.owner("Patient", patient_id) == patient_id:  # cached: one row read
            since = self.cache.cursor(chart_stream(patient_id))
        try:
            count = self._fetch_chart(patient_id, since, cancel, progress)
        except SyncError as err:
            if err.kind in EVICT_KINDS:
                self.cache.evict(patient_id)
            raise
        start = self.cache.cursor(chart_stream(patient_id))
        if start and self.cache.cursor(HISTORY) is None:  # history starts where this chart did
            self.cache.apply_page([], [], {HISTORY: start})
        return count

    def _fetch_chart(self, patient_id: str, since: str | None,
                     cancel: threading.Event | None, progress: Progress | None) -> int:
        pages = self.chart_pages(patient_id, since, cancel, progress)
        return self._ingest(pages, None, stream=chart_stream(patient_id),
                            chart=None if since else patient_id, atomic=True, stamped=pages)

    def chart_pages(self, patient_id: str, since: str | None = None,
                    cancel: threading.Event | None = None,
                    progress: Progress | None = None) -> Stamped:
        """The pages of one chart: `$everything`, or type-level searches without it; each page
        checked, the whole bounded (app.central.replies) and complete (or Kind.INCOMPLETE);
        `.start` is the chart's cursor once the first page came."""
        pages = self._chart(patient_id, since, cancel, progress)
        return Stamped(bounded_chart(pages, self.limits, what("GET", "Patient")), self._first)

    def _chart(self, patient_id: str, since: str | None, cancel: threading.Event | None,
               progress: Progress | None) -> Iterator[Resource]:
        if self._offers_everything(cancel) is not False:
            pages = self._everything(patient_id, since, cancel, progress)
            if pages is not None:
                yield from pages
                return
        yield from self._chart_by_type(patient_id, since, cancel, progress)

    def _everything(self, patient_id: str, since: str | None, cancel: threading.Event | None,
                    progress: Progress | None) -> list[Resource] | None:
        """The chart's `$everything` pages, or None when the server does not offer it (learnt
        here when it has no CapabilityStatement) or cut it short (this chart is then read type
        by type). A 404 is "no such operation" unless the Patient read says the chart is gone."""
        params = {"_count": str(self.client.settings.page_size)}
        if since:
            params["_since"] = since
        try:
            pages = list(self._pages(f"Patient/{patient_id}/$everything", params, SEARCHSET,
                                     cancel, progress, chart=patient_id))
        except SyncError as err:
            if self._offers_everything(cancel) or not _not_offered(err):
                raise
            if err.kind is Kind.GONE:  # raises GONE/FORBIDDEN when it is the chart that went
                self.client.get(f"Patient/{patient_id}", expect="Patient", cancel=cancel)
            self.everything = False
            return None
        self.everything = True
        try:
            _check_complete(pages)
        except Incomplete:
            return None
        return pages

    def _pages(self, url: str, params: Resource | list[tuple[str, str]], bundle_type: str,
               cancel: threading.Event | None,
               progress: Progress | None = None, chart: str | None = None) -> Iterator[dict[str,
                                                                                            Any]]:
        """The client's pages, each checked before anything of it is used (app.central.replies);
        the first answer of a chart (Stamped) leaves the server's clock in `_first.start`."""
        for page in checked_pages(self.client.pages(url, params, cancel=cancel,
                                                    progress=progress),
                                  bundle_type, self.limits, what("GET", url), chart):
            if getattr(self._first, "start", "") is None:
                self._first.start = earlier(self.page_time(page), OVERLAP)
            yield page

    @property
    def limits(self) -> ReplyLimits:
        return self.client.settings.limits

    def _chart_by_type(self, patient_id: str, since: str | None,
                       cancel: threading.Event | None,
                       progress: Progress | None) -> Iterator[Resource]:
        for rtype in self._searchable_types(cancel):
            yield from self._search(rtype, _by_patient(rtype, [patient_id]), since, cancel,
                                    progress, chart=patient_id)

    def _searchable_types(self, cancel: threading.Event | None) -> list[str]:
        types = self.client.capabilities(cancel).chart_types
        return [t for t in types if t not in self.refused_types]

    def _search(self, rtype: str, criteria: list[tuple[str, str]], since: str | None,
                cancel: threading.Event | None, progress: Progress | None = None,
                chart: str | None = None) -> list[Resource]:
        """A type-level search's pages, complete: when the answer held fewer entries than its
        total, again by `_lastUpdated` windows (_windows). A 403 on a type other than Patient
        is the role's limit (no page of it is ever shown to this user): the type is skipped
        from now on. On Patient it stays an error: it is the chart that is refused."""
        params = [*criteria, ("_count", str(self.client.settings.page_size))]
        if since:
            params.append(("_lastUpdated", f"ge{since}"))
        try:
            pages = list(self._pages(rtype, params, SEARCHSET, cancel, progress, chart))
            _check_complete(pages)
            return pages
        except SyncError as err:
            if err.kind is not Kind.FORBIDDEN or rtype == "Patient":
                raise
            self.refused_types.add(rtype)
            return []
        except Incomplete:
            return self._windows(rtype, params, pages, since, cancel, chart)

    def _windows(self, rtype: str, params: list[tuple[str, str]], first: list[Resource],
                 since: str | None, cancel: threading.Event | None,
                 chart: str | None) -> list[Resource]:
        """The search again by windows of `_lastUpdated` that each fit in one answer: the
        whole span (since the cursor, or 1970, to a day past the server's clock) split at the
        median instant of what the cut answer held (a server listing oldest first then needs
        about one request per page), a window still cut split again; Kind.INCOMPLETE when a
        window of a microsecond is still cut."""
        end = parse_instant(self.page_time(first[0])) or datetime.now(UTC)
        lower = (parse_instant(since) if since else None) or EPOCH
        base = [(k, v) for k, v in params if k != "_lastUpdated"]
        return self._split(rtype, base, lower, end + timedelta(days=1), first, cancel, chart)

    def _split(self, rtype: str, base: list[tuple[str, str]], lower: datetime,
               upper: datetime, sample: list[Resource], cancel: threading.Event | None,
               chart: str | None) -> list[Resource]:
        if upper - lower <= MIN_WINDOW:
            raise SyncError(Kind.INCOMPLETE, f"GET {rtype}: answers cut short without a next "
                                             "link, even by date windows")
        middle = _median_instant(sample, lower, upper) or lower + (upper - lower) / 2
        return (self._window(rtype, base, lower, middle, cancel, chart)
                + self._window(rtype, base, middle, upper, cancel, chart))

    def _window(self, rtype: str, base: list[tuple[str, str]], lower: datetime,
                upper: datetime, cancel: threading.Event | None,
                chart: str | None) -> list[Resource]:
        params = [*base, ("_lastUpdated", f"ge{_micro(lower)}"),
                  ("_lastUpdated", f"lt{_micro(upper)}")]
        pages = list(self._pages(rtype, params, SEARCHSET, cancel, None, chart))
        try:
            _check_complete(pages)
            return pages
        except Incomplete:
            return self._split(rtype, base, lower, upper, pages, cancel, chart)

    # -- a round -----------------------------------------------------------------------------
    def sync_round(self, cancel: threading.Event | None = None,
                   progress: Progress | None = None) -> int:
        """Bring every cached chart up to date; returns the resources changed locally."""
        since = self.cache.cursor(HISTORY)
        if since is None:
            return 0
        cached = Lazy(self.cache.cached_patients)  # read only when something came back
        self._first.start = None  # the round's cursor: the server's clock at its first answer
        if self._offers_system_history(cancel) is not False:
            history = self._system_history(since, cancel, progress)
            if history is not None:
                pages = Stamped(history, self._first, reset=False)
                return self._ingest(pages, cached, stream=HISTORY, cancel=cancel,
                                    stamped=pages)
        pages = Stamped(self._search_since(sorted(cached), since, cancel, progress),
                        self._first, reset=False)
        changed = self._ingest(pages, cached, stream=HISTORY, cancel=cancel, stamped=pages)
        return changed + self.reconcile(cancel)

    def _system_history(self, since: str, cancel: threading.Event | None,
                        progress: Progress | None) -> Iterator[Resource] | None:
        """System `_history` since the cursor; None when the server does not offer it (tried
        once when it has no CapabilityStatement: its first page tells)."""
        params = {"_since": since, "_count": str(self.client.settings.page_size)}
        pages = self._pages("_history", params, HISTORY_BUNDLE, cancel, progress)
        if self._offers_system_history(cancel):
            return pages
        try:
            first = next(pages, None)
        except SyncError as err:
            if not _not_offered(err):
                raise
            self.system_history = False
            return None
        self.system_history = True
        return itertools.chain([first] if first is not None else [], pages)

    def _search_since(self, patients: list[str], since: str,
                      cancel: threading.Event | None,
                      progress: Progress | None) -> Iterator[Resource]:
        for i in range(0, len(patients), IDS_PER_SEARCH):
            ids = patients[i:i + IDS_PER_SEARCH]
            for rtype in self._searchable_types(cancel):
                yield from self._search(rtype, _by_patient(rtype, ids), since, cancel, progress)

    def reconcile(self, cancel: threading.Event | None = None) -> int:
        """Deletions on a server without system `_history`: the ids of the next
        RECONCILE_CHARTS cached charts (in turn, from where the last round stopped) compared
        with the server's, one search per chart type; a cached resource the server no longer
        has is deleted here (a local one not yet sent has a `local-` id: kept). Returns the
        resources deleted."""
        cached = sorted(self.cache.cached_patients())
        if not cached:
            return 0
        last = self.cache.cursor(RECONCILE) or ""
        batch = ([p for p in cached if p > last] + [p for p in cached if p <= last])
        batch = batch[:RECONCILE_CHARTS]
        server: set[tuple[str, str]] = set()
        for rtype in self._searchable_types(cancel):
            for page in self._search(rtype, _by_patient(rtype, batch), None, cancel):
                server |= {(rtype, str(e["resource"]["id"])) for e in fhir_entries(page)
                           if e.get("resource")}
        types = set(self._searchable_types(cancel))  # less those refused on the way (403)
        missing = [key for key in self.cache.chart_ids(batch) if key[0] in types
                   and key not in server and not key[1].startswith("local-")]
        gone = sorted(key for key in missing if key[0] != "Patient")
        self.cache.apply_page([], gone, {RECONCILE: batch[-1]})
        for _, patient_id in (key for key in missing if key[0] == "Patient"):
            self._recheck(patient_id, cancel)  # a chart refused or gone is evicted whole
        return len(gone)

    # -- ingest ------------------------------------------------------------------------------
    def _ingest(self, pages: Iterable[Resource], cached: set[str] | Lazy | None, stream: str,
                cancel: threading.Event | None = None, chart: str | None = None,
                atomic: bool = False, stamped: Stamped | None = None) -> int:
        """Commit page by page — or, `atomic` (a chart pull), every page in one transaction
        once the last one came and passed its checks: a chart is stored complete or not at all.
        The stream's cursor goes with the last page: the time the server answered the first
        one, less the overlap (re-applying a version is harmless); so does the access record
        of `chart` (fetched in full) or of the cached charts whose Consents changed (due for
        an evaluation)."""
        changed, start, recheck, entries = 0, None, set(), 0
        consents: list[Resource] = []
        seen: dict[tuple[str, str], object] = {}  # newest version applied in this pass
        pending: tuple[list[Resource], list[tuple[str, str]]] | None = None
        for page in pages:
            if start is None:
                start = earlier(self.page_time(page), OVERLAP)
            if pending is not None and (pending[0] or pending[1]) and not atomic:
                self.cache.apply_page(*pending, {})
                pending = None
            entries += len(fhir_entries(page))
            upserts, deletes, touched = self.select(page, cached, seen)
            recheck |= touched | self._consent_owners(deletes, cached)
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
            self.watch.due_today(recheck) if recheck else None)
        self.cache.apply_page(*(pending or ([], [])), cursors, access)
        for patient_id in recheck:
            self._recheck(patient_id, cancel)
        return changed

    def select(self, page: Resource, cached: set[str] | Lazy | None,
               seen: dict[tuple[str, str], object],
               ) -> tuple[list[Resource], list[tuple[str, str]], set[str]]:
        """This page's newest version of each resource, unless a page read earlier in the pass
        had a newer one (history runs newest first, so later pages hold older versions)."""
        latest: dict[tuple[str, str], tuple[object, Resource | None]] = {}
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

    def _consent_owners(self, deletes: list[tuple[str, str]],
                        cached: set[str] | Lazy | None) -> set[str]:
        """The cached charts whose Consents these deletions remove (looked up before they go)."""
        if cached is None:
            return set()
        owners = {self.cache.owner(rtype, rid) for rtype, rid in deletes if rtype == "Consent"}
        return {pid for pid in owners if pid and pid in cached}

    def _recheck(self, patient_id: str, cancel: threading.Event | None) -> None:
        """A cached chart's consent changed or its patient went: may we still see it?"""
        try:
            self.client.get(f"Patient/{patient_id}", expect="Patient", cancel=cancel)
        except SyncError as err:
            if err.kind not in EVICT_KINDS:
                raise
            self.cache.evict(patient_id)

    def recheck_access(self, cancel: threading.Event | None = None) -> list[str]:
        """Ask, by batches of ids, which cached patients the server still shows this user;
        each one missing is read alone and evicted on 403/404/410. Returns the evicted."""
        cached = sorted(self.cache.cached_patients())
        evicted = []
        for i in range(0, len(cached), IDS_PER_SEARCH):
            ids = cached[i:i + IDS_PER_SEARCH]
            seen = {e["resource"]["id"] for page in self._pages(
                        "Patient", {"_id": ",".join(ids), "_count": str(len(ids))}, SEARCHSET,
                        cancel)
                    for e in fhir_entries(page) if e.get("resource")}
            for pid in ids:
                if pid not in seen:
                    self._recheck(pid, cancel)
                    if pid not in self.cache.cached_patients():
                        evicted.append(pid)
        return evicted

    def page_time(self, page: Resource) -> str:
        stamp = (page.get("meta") or {}).get("lastUpdated")
        return stamp or self.client.last_server_time or self._now()

    @staticmethod
    def _now() -> str:
        return format_instant(datetime.now(UTC))

    # -- the day's appointments --------------------------------------------------------------
    def prefetch_appointments(self, day: date, params: Resource | None = None,
                              cancel: threading.Event | None = None) -> list[str] | None:
        """The day's appointments (of the clinic: `params`, e.g. {"actor": "Location/x"}) into
        the cache; returns the patients they name, or None when the server cannot search
        appointments by date (its CapabilityStatement says so; nothing is asked then)."""
        if not self.client.capabilities(cancel).searchable("Appointment", "date"):
            return None
        query = {"date": [f"ge{local_midnight(day)}",
                          f"lt{local_midnight(day + timedelta(days=1))}"],
                 "_count": str(self.client.settings.page_size), **(params or {})}
        pages = list(self._pages("Appointment", query, SEARCHSET, cancel))
        self._ingest(pages, None, stream=f"appointments:{day.isoformat()}")
        found = {patient_of(r) for p in pages for r in resources(p, "Appointment")}
        return sorted(pid for pid in found if pid)


def _by_patient(rtype: str, patient_ids: list[str]) -> list[tuple[str, str]]:
    """The search criteria for these patients' resources of `rtype`, references in their R4
    form (`patient=Patient/{id}`: a bare id is not what every server matches)."""
    if rtype == "Patient":
        return [("_id", ",".join(patient_ids))]
    return [("patient", ",".join(f"Patient/{pid}" for pid in patient_ids))]


def _check_complete(pages: list[Resource]) -> None:
    """Incomplete when the pages (followed by `next` to the end) held fewer matches than the
    `total` the server announced: a page cut short without a link to the rest."""
    total = next((p["total"] for p in pages if isinstance(p.get("total"), int)), None)
    received = sum(1 for p in pages for e in fhir_entries(p) if e.get("resource") is not None
                   and (e.get("search") or {}).get("mode", "match") == "match")
    if total is not None and received < total:
        raise Incomplete(total, received)


def _median_instant(pages: list[Resource], lower: datetime,
                    upper: datetime) -> datetime | None:
    """The median `meta.lastUpdated` of the pages' resources strictly inside (lower, upper)."""
    stamps = sorted(when for p in pages for r in resources(p)
                    if (when := parse_instant((r.get("meta") or {}).get("lastUpdated", "")))
                    and lower < when < upper)
    return stamps[len(stamps) // 2] if stamps else None


def _micro(when: datetime) -> str:
    """An instant to the microsecond (servers that stamp finer than the millisecond)."""
    return when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _not_offered(err: SyncError) -> bool:
    """A refusal that says the feature is not there (404, 400, 405, 501, an answer of another
    kind), not that the server is unreachable or the user not allowed."""
    return err.kind in NOT_OFFERED or err.status in (405, 501)


def local_midnight(day: date) -> str:
    """The start of `day` on this workstation's clock, with its UTC offset: the clinic's day,
    not UTC's (an evening appointment in Quebec is on the next day in UTC)."""
    return datetime.combine(day, time()).astimezone().isoformat()


def _newer(a: object, b: object) -> bool:
    """a strictly later than b (instants; raw strings when a server sent an unparsable one)."""
    try:
        return bool(a > b)  # type: ignore[operator]
    except TypeError:
        return str(a) > str(b)


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
