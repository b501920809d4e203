"""Reading from the central server for the pull, from what FHIR R4 requires of every server:
optional features (`$everything`, system `_history`) are taken from the CapabilityStatement
when there is one, else tried once (a refusal means "not offered", never "record gone");
references in searches go in their R4 form (`patient=Patient/{id}`). Every page is checked
before anything of it is used (app.central.replies) and every search is read whole
(app.sync.windows). A type whose search the server refuses this user's role (403) is left out
of later searches.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from app.central.client import FhirClient, what
from app.central.errors import Kind, SyncError
from app.central.replies import ReplyLimits, bounded_chart, checked_pages
from app.central.retry import Progress
from app.core.fhir import Resource, earlier, format_instant, parse_instant
from app.sync.cursors import OVERLAP, Stamped
from app.sync.windows import Incomplete, Params, by_windows, check_complete

IDS_PER_SEARCH = 50
NOT_OFFERED = (Kind.GONE, Kind.CLIENT, Kind.INVALID)  # 404/400/405, an unreadable answer
SEARCHSET, HISTORY_BUNDLE = "searchset", "history"  # the Bundle types the replies must have


class Fetcher:
    def __init__(self, client: FhirClient):
        self.client = client
        # Types whose type-level search the server refused this user (a receptionist's
        # Observations): left out of later searches instead of failing every round.
        self.refused_types: set[str] = set()
        # Optional features learnt by trying once when the server has no CapabilityStatement.
        self.everything: bool | None = None
        self.system_history: bool | None = None
        self._first = threading.local()  # .start: the server's clock at a chart's first answer

    @property
    def limits(self) -> ReplyLimits:
        return self.client.settings.limits

    def page_time(self, page: Resource) -> str:
        """The server's clock when it sent this page."""
        stamp = (page.get("meta") or {}).get("lastUpdated")
        return stamp or self.client.last_server_time or format_instant(datetime.now(UTC))

    def stamped(self, pages: Iterable[Resource], reset: bool = True) -> Stamped:
        """`pages` with the server's clock at their first answer (`reset` False: at the first
        answer since `start_round`)."""
        return Stamped(pages, self._first, reset)

    def start_round(self) -> None:
        """From here on, the next answer's clock is the round's cursor."""
        self._first.start = None

    # -- what the server offers --------------------------------------------------------------
    def offers_everything(self, cancel: threading.Event | None) -> bool | None:
        caps = self.client.capabilities(cancel)
        return caps.everything if caps.known else self.everything

    def offers_system_history(self, cancel: threading.Event | None) -> bool | None:
        caps = self.client.capabilities(cancel)
        return caps.system_history if caps.known else self.system_history

    def searchable_types(self, cancel: threading.Event | None) -> list[str]:
        types = self.client.capabilities(cancel).chart_types
        return [t for t in types if t not in self.refused_types]

    # -- pages and searches ------------------------------------------------------------------
    def pages(self, url: str, params: Resource | Params, bundle_type: str,
              cancel: threading.Event | None, progress: Progress | None = None,
              chart: str | None = None) -> Iterator[Resource]:
        """The client's pages, each checked before anything of it is used (app.central.replies);
        the first answer of a chart (Stamped) leaves the server's clock in `_first.start`."""
        for page in checked_pages(self.client.pages(url, params, cancel=cancel,
                                                    progress=progress),
                                  bundle_type, self.limits, what("GET", url), chart):
            if getattr(self._first, "start", "") is None:
                self._first.start = earlier(self.page_time(page), OVERLAP)
            yield page

    def search(self, rtype: str, criteria: Params, since: str | None,
               cancel: threading.Event | None, progress: Progress | None = None,
               chart: str | None = None) -> list[Resource]:
        """A type-level search's pages, complete: when the answer held fewer entries than its
        total, again by `_lastUpdated` windows (app.sync.windows). A 403 on a type other than
        Patient is the role's limit (no page of it is ever shown to this user): the type is
        skipped from now on. On Patient it stays an error: it is the chart that is refused."""
        params = [*criteria, ("_count", str(self.client.settings.page_size))]
        if since:
            params.append(("_lastUpdated", f"ge{since}"))
        try:
            pages = list(self.pages(rtype, params, SEARCHSET, cancel, progress, chart))
            check_complete(pages)
            return pages
        except SyncError as err:
            if err.kind is not Kind.FORBIDDEN or rtype == "Patient":
                raise
            self.refused_types.add(rtype)
            return []
        except Incomplete:
            server_now = parse_instant(self.page_time(pages[0])) or datetime.now(UTC)
            return by_windows(
                lambda window: list(self.pages(rtype, window, SEARCHSET, cancel, None, chart)),
                rtype, params, pages, since, server_now)

    # -- a chart -----------------------------------------------------------------------------
    def chart_pages(self, patient_id: str, since: str | None = None,
                    cancel: threading.Event | None = None,
                    progress: Progress | None = None) -> Stamped:
        """The pages of one chart: `$everything`, or type-level searches without it; each page
        checked, the whole bounded (app.central.replies) and complete (or Kind.INCOMPLETE);
        `.start` is the chart's cursor once the first page came."""
        pages = self._chart(patient_id, since, cancel, progress)
        return self.stamped(bounded_chart(pages, self.limits, what("GET", "Patient")))

    def _chart(self, patient_id: str, since: str | None, cancel: threading.Event | None,
               progress: Progress | None) -> Iterator[Resource]:
        if self.offers_everything(cancel) is not False:
            pages = self._everything(patient_id, since, cancel, progress)
            if pages is not None:
                yield from pages
                return
        for rtype in self.searchable_types(cancel):
            yield from self.search(rtype, by_patient(rtype, [patient_id]), since, cancel,
                                   progress, chart=patient_id)

    def _everything(self, patient_id: str, since: str | None, cancel: threading.Event | None,
                    progress: Progress | None) -> list[Resource] | None:
        """The chart's `$everything` pages, or None when the server does not offer it (learnt
        here when it has no CapabilityStatement) or cut it short (this chart is then read type
        by type). A 404 is "no such operation" unless the Patient read says the chart is gone."""
        params = {"_count": str(self.client.settings.page_size)}
        if since:
            params["_since"] = since
        try:
            pages = list(self.pages(f"Patient/{patient_id}/$everything", params, SEARCHSET,
                                    cancel, progress, chart=patient_id))
        except SyncError as err:
            if self.offers_everything(cancel) or not not_offered(err):
                raise
            if err.kind is Kind.GONE:  # raises GONE/FORBIDDEN when it is the chart that went
                self.client.get(f"Patient/{patient_id}", expect="Patient", cancel=cancel)
            self.everything = False
            return None
        self.everything = True
        try:
            check_complete(pages)
        except Incomplete:
            return None
        return pages

    # -- what changed since a cursor ---------------------------------------------------------
    def history_since(self, since: str, cancel: threading.Event | None,
                      progress: Progress | None) -> Iterator[Resource] | None:
        """System `_history` since the cursor; None when the server does not offer it (tried
        once when it has no CapabilityStatement: its first page tells)."""
        params = {"_since": since, "_count": str(self.client.settings.page_size)}
        pages = self.pages("_history", params, HISTORY_BUNDLE, cancel, progress)
        if self.offers_system_history(cancel):
            return pages
        try:
            first = next(pages, None)
        except SyncError as err:
            if not not_offered(err):
                raise
            self.system_history = False
            return None
        self.system_history = True
        return itertools.chain([first] if first is not None else [], pages)

    def search_since(self, patients: list[str], since: str, cancel: threading.Event | None,
                     progress: Progress | None) -> Iterator[Resource]:
        """Without system `_history`: type-level searches with `_lastUpdated`, by batches of
        patients."""
        for i in range(0, len(patients), IDS_PER_SEARCH):
            ids = patients[i:i + IDS_PER_SEARCH]
            for rtype in self.searchable_types(cancel):
                yield from self.search(rtype, by_patient(rtype, ids), since, cancel, progress)


def by_patient(rtype: str, patient_ids: list[str]) -> Params:
    """The search criteria for these patients' resources of `rtype`, references in their R4
    form (`patient=Patient/{id}`: a bare id is not what every server matches)."""
    if rtype == "Patient":
        return [("_id", ",".join(patient_ids))]
    return [("patient", ",".join(f"Patient/{pid}" for pid in patient_ids))]


def not_offered(err: SyncError) -> bool:
    """A refusal that says the feature is not there (404, 400, 405, 501, an answer of another
    kind), not that the server is unreachable or the user not allowed."""
    return err.kind in NOT_OFFERED or err.status in (405, 501)
