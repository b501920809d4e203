"""Chart opening for real: pulled from the central server when online (through app.sync), read
from the user's encrypted store; every section read goes through app.core.access and writes the
access-log entry in the store."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from app.core.data_class import DataClass
from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, text
from app.workstation.chart_display import entry_of, listed, newest_first, summary_of
from app.workstation.contracts import Chart
from app.workstation.session import store_thread, user_of

if TYPE_CHECKING:
    from app.core.profiles import UserProfile
    from app.qhr.views import LabTrend
    from app.store import Store
    from app.store.authorised import ReadResult
    from app.workstation.session import Session

CTX = "chart"
NOT_CACHED = QT_TRANSLATE_NOOP(
    CTX, "This chart is not on this workstation, and the central server cannot be reached.")


class ChartReader:
    def __init__(self, session: Session):
        self.session = session

    def readable(self, profile: UserProfile) -> frozenset[DataClass]:
        from app.core.access import role_classes

        return role_classes(profile)

    def open(self, patient_id: str, cancel: threading.Event | None = None) -> Chart:
        if self.session.client is not None:
            from app.central.errors import SyncError  # online only: it loads the HTTP stack

            try:
                self.pull(patient_id, cancel)
            except SyncError as err:
                if not err.transient:
                    raise
        return store_thread(self.session).call(lambda store: self._read(store, patient_id))

    def pull(self, patient_id: str, cancel: threading.Event | None = None) -> None:
        """The chart from the server into the store (online only)."""
        from app.sync.engine import SyncEngine
        from app.sync.store_cache import StoreCache

        client = self.session.client
        assert client is not None, "online"
        cache = StoreCache.on_executor(store_thread(self.session))
        SyncEngine(client, cache).open_chart(patient_id, cancel)

    def _read(self, store: Store, patient_id: str) -> Chart:
        """On the store thread: one authorised read per section shown, each logged in the same
        call (app.store.authorised); the QHR class is decided here, logged by its viewer."""
        from app.store import gc_paused

        with gc_paused():  # the decoded chart is young garbage-free data until shaped
            return self._shaped(store, patient_id)

    def _shaped(self, store: Store, patient_id: str) -> Chart:
        from app.core import access
        from app.store.authorised import authorised_chart, chart_context

        patient = store.get_resource("Patient", patient_id)
        if patient is None:
            raise UserFacingError(text(CTX, NOT_CACHED))
        profile = user_of(self.session)
        sections = authorised_chart(store, profile, patient_id)
        allowed = {c for c, r in sections.items() if r.decision.allowed}
        if access.decide(profile, chart_context(store, patient_id), DataClass.QHR).allowed:
            allowed.add(DataClass.QHR)
        entries = {c: sorted((entry_of(r) for r in listed(c, result.resources)),
                             key=newest_first)
                   for c, result in sections.items() if result.resources}
        return Chart(summary_of(patient), frozenset(allowed), entries, _trends(sections))


def _trends(sections: dict[DataClass, ReadResult]) -> tuple[LabTrend, ...]:
    from app.qhr.views import lab_trends

    labs = sections.get(DataClass.LABS)
    if labs is None or not labs.decision.allowed:
        return ()
    return tuple(lab_trends([r for r in labs.resources if r.get("valueQuantity")]))
