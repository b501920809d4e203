"""Patient search for real: the central server when online (through app.sync), the user's
encrypted store otherwise; each search writes its kind and result count (never the query) to
the access log.

Search follows app.core.search_rules (one individual: NAM, chart number, or surname + first
name + birth date); names are compared after normalisation (accents, case, hyphens and spaces
alike: "cote marc andre" finds "Côté Marc-André"), the surname exactly, never by prefix.

Someone waits on a search: online, the server is asked once (no retries, none at all while the
client knows it is offline) and a transient failure falls back to the store at once. From the
store, nothing found raises `NotInCache` — the patient may exist at the clinic — never "no
patient" (which invites a duplicate registration).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.core import fhir_systems
from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, text
from app.workstation.chart_display import summary_of
from app.workstation.charts import ChartReader
from app.workstation.contracts import PatientSummary, Resource
from app.workstation.session import store_thread, user_of

if TYPE_CHECKING:
    from app.core.search_rules import SearchQuery
    from app.store import Reader
    from app.workstation.session import Session


CTX = "search"
NOT_CACHED = QT_TRANSLATE_NOOP(
    CTX, "Not in this workstation's cache — connect to search the clinic.")
ONLINE_ATTEMPTS = 1  # a search is retried by its user, not behind a "Searching…" that lasts


class NotInCache(UserFacingError):
    """Searched offline (or the server did not answer): nothing in this workstation's store."""

    def __init__(self) -> None:
        super().__init__(text(CTX, NOT_CACHED))


class PatientSearch:
    def __init__(self, session: Session):
        self.session = session

    def search(self, query: str, cancel: threading.Event | None = None) -> list[PatientSummary]:
        from app.central.errors import SyncError
        from app.core import search_rules

        parsed = search_rules.parse(query)
        found: list[Resource] | None = None
        client = self.session.client
        if client is not None and client.retrier.connectivity.online:
            try:
                found = self._online(parsed, cancel)
            except SyncError as err:
                if not err.transient:
                    raise
        from_cache = found is None
        if found is None:
            found = self._offline(parsed)
        capped = search_rules.cap(found)
        self._log_search(parsed, len(found))
        if from_cache and not found:
            raise NotInCache()
        if capped.refine is not None:
            raise UserFacingError(capped.refine)
        return [summary_of(p) for p in capped.shown]

    def _online(self, q: SearchQuery, cancel: threading.Event | None) -> list[Resource]:
        from app.core.search_rules import ChartQuery, NamQuery

        if isinstance(q, NamQuery):
            params = {"identifier": f"{fhir_systems.NAM}|{q.nam}"}
        elif isinstance(q, ChartQuery):
            params = {"identifier": f"{fhir_systems.CHART_NUMBER}|{q.chart_number}"}
        else:
            # the first names are matched below, as the store's index does: a server may hold
            # them as one ("Marc-André") or several ("Marc", "André")
            params = {"family": q.surname, "birthdate": q.birthdate.isoformat()}
        params["_count"] = "50"
        client = self.session.client
        assert client is not None, "online"
        bundle = client.search("Patient", params, cancel=cancel,  # POST _search
                               attempts=ONLINE_ATTEMPTS)
        patients = [e["resource"] for e in bundle.get("entry") or ()
                    if (e.get("resource") or {}).get("resourceType") == "Patient"]
        if isinstance(q, NamQuery | ChartQuery):
            return patients

        surname = name_key(q.surname)

        def exact(p: Resource) -> bool:  # a server's string search may be a prefix match
            return any(name_key(n.get("family", "")) == surname
                       and given_matches(q.given, n.get("given") or ())
                       for n in p.get("name") or ())
        return [p for p in patients if exact(p)]

    def _offline(self, q: SearchQuery) -> list[Resource]:
        from app.core.search_rules import ChartQuery, NamQuery

        def find(store: Reader) -> list[Resource]:
            if isinstance(q, NamQuery):
                rows = store.find_by_nam(q.nam)
            elif isinstance(q, ChartQuery):
                rows = store.find_by_chart_number(q.chart_number)
            else:
                rows = store.find_by_name_birthdate(q.surname, q.given, q.birthdate.isoformat())
            resources = (store.get_resource("Patient", r.patient_id) for r in rows)
            return [r for r in resources if r]
        return store_thread(self.session).call(find)

    def one_by_nam(self, nam: str) -> str | None:
        """The id of the one patient with this NAM on this workstation (None: none, or
        several); online, their chart is pulled into the store first. The commands' look-up
        (`clinicdesk export`, `audit report`: the patient's own request, no search logged)."""
        nam = nam.strip().upper()
        client = self.session.client
        if client is not None:
            bundle = client.search("Patient", {"identifier": f"{fhir_systems.NAM}|{nam}"})
            ids = [e["resource"]["id"] for e in bundle.get("entry") or ()]
            if len(ids) == 1:
                ChartReader(self.session).pull(ids[0])
        found = store_thread(self.session).call(lambda store: store.find_by_nam(nam))
        return found[0].patient_id if len(found) == 1 else None

    def _log_search(self, query: SearchQuery, count: int) -> None:
        """Kind and result count only: the query itself is patient data."""
        from app.core.search_rules import ChartQuery, NamQuery
        from app.store.authorised import log_search

        kind = "nam" if isinstance(query, NamQuery) else \
            "chart-number" if isinstance(query, ChartQuery) else "name-birthdate"
        session = self.session
        store_thread(session).call(lambda store: log_search(store, user_of(session), kind, count))




def name_key(name: str) -> str:
    """As the store's patient index compares names: accents and case gone, hyphens and
    apostrophes as spaces ("Côté-Lévesque" → "COTE LEVESQUE")."""
    from app.core.search_rules import normalise_name

    return " ".join(normalise_name(name).replace("-", " ").replace("'", " ").split())


def given_matches(wanted: str, given: Sequence[str]) -> bool:
    """As the store's index: the first names joined, starting with `wanted` ("MARIE" finds
    "Marie-Claude", "MARC ANDRE" finds "Marc-André" and ["Marc", "André"])."""
    return name_key(" ".join(given)).startswith(name_key(wanted))
