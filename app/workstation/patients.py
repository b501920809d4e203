"""Patient search for real: the central server when online (through app.sync), the user's
encrypted store otherwise; each search writes its kind and result count (never the query) to
the access log.

Search follows app.core.search_rules (one individual: NAM, chart number, or surname + first
name + birth date); names are compared exactly after normalisation, never by prefix.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from app.core import fhir_systems
from app.core.errors import UserFacingError
from app.workstation.chart_display import summary_of
from app.workstation.charts import ChartReader
from app.workstation.contracts import PatientSummary, Resource
from app.workstation.session import store_thread, user_of

if TYPE_CHECKING:
    from app.core.search_rules import SearchQuery
    from app.store import Reader
    from app.workstation.session import Session


class PatientSearch:
    def __init__(self, session: Session):
        self.session = session

    def search(self, query: str, cancel: threading.Event | None = None) -> list[PatientSummary]:
        from app.central.errors import SyncError
        from app.core import search_rules

        parsed = search_rules.parse(query)
        found: list[Resource] | None = None
        if self.session.client is not None:
            try:
                found = self._online(parsed, cancel)
            except SyncError as err:
                if not err.transient:
                    raise
        if found is None:
            found = self._offline(parsed)
        capped = search_rules.cap(found)
        self._log_search(parsed, len(found))
        if capped.refine is not None:
            raise UserFacingError(capped.refine)
        return [summary_of(p) for p in capped.shown]

    def _online(self, q: SearchQuery, cancel: threading.Event | None) -> list[Resource]:
        from app.core.search_rules import ChartQuery, NamQuery, normalise_name

        if isinstance(q, NamQuery):
            params = {"identifier": f"{fhir_systems.NAM}|{q.nam}"}
        elif isinstance(q, ChartQuery):
            params = {"identifier": f"{fhir_systems.CHART_NUMBER}|{q.chart_number}"}
        else:
            params = {"family": q.surname, "given": q.given, "birthdate": q.birthdate.isoformat()}
        params["_count"] = "50"
        client = self.session.client
        assert client is not None, "online"
        bundle = client.search("Patient", params, cancel=cancel)  # POST _search
        patients = [e["resource"] for e in bundle.get("entry") or ()
                    if (e.get("resource") or {}).get("resourceType") == "Patient"]
        if isinstance(q, NamQuery | ChartQuery):
            return patients

        def exact(p: Resource) -> bool:  # the server's string search is a prefix match
            return any(normalise_name(n.get("family", "")) == q.surname and q.given in
                       {normalise_name(g) for g in n.get("given") or ()}
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


