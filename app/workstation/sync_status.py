"""SyncService (app.workstation.contracts) over the sync engine of the signed-in session:
online/offline from the client's connectivity, a round on demand with progress, the last sync
time and the conflicts waiting (from the store). Listeners hear every change, from any thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.core.events import Disconnect, Event
from app.workstation.contracts import Conflict, SyncStatus
from app.workstation.session import store_thread

if TYPE_CHECKING:
    from app.central.client import FhirClient
    from app.store import Store
    from app.sync.engine import SyncEngine
    from app.workstation.session import Session


class SessionSync:
    def __init__(self, session: Session):
        self.session = session
        self._status = SyncStatus(online=False)
        self.changed: Event[SyncStatus] = Event("sync status")
        self._engine: SyncEngine | None = None
        self._engine_client: FhirClient | None = None
        self._followed: tuple[FhirClient, Disconnect] | None = None
        self._lock = threading.Lock()

    def status(self) -> SyncStatus:
        online = self._online()
        if online != self._status.online:
            self._status = replace(self._status, online=online)
        return self._status

    def add_listener(self, listener: Callable[[SyncStatus], None]) -> Callable[[], None]:
        self._follow_connectivity()
        return self.changed.connect(listener)

    def sync_now(self, cancel: threading.Event | None = None) -> None:
        engine = self._engine_for_session()
        if engine is None:  # signed in offline: nothing can be sent or fetched
            self._set(online=False)
            return
        self._set(progress=0.0)
        finished: dict[str, datetime] = {}
        try:
            engine.sync(cancel, progress=self._progress)
            finished["last_sync"] = datetime.now()
        finally:  # one update: listeners never see "synced" while the bar still shows
            self._set(progress=None, online=self._online(), conflicts=self._conflicts(),
                      **finished)

    def conflicts(self) -> list[Conflict]:
        executor = self.session.executor
        if executor is None:
            return []
        from app.workstation.chart_display import patient_line

        def read(store: Store) -> list[Conflict]:
            return [Conflict(c["id"], c["resource_type"], c["patient_id"], c["local"],
                             c["server"], c.get("created") or "", patient_line(
                                 store.get_resource("Patient", c["patient_id"])
                                 if c["patient_id"] else None))
                    for c in store.open_conflicts()]
        found: list[Conflict] = executor.call(read)
        return found

    def resolve(self, conflict_id: int, keep_local: bool) -> None:
        from app.sync.conflicts import Choice, resolve
        from app.sync.store_cache import StoreCache

        cache = StoreCache.on_executor(store_thread(self.session))
        resolve(cache, conflict_id, Choice.LOCAL if keep_local else Choice.SERVER)
        self._set(conflicts=self._conflicts())

    # -- helpers ---------------------------------------------------------------------------
    def _online(self) -> bool:
        client = self.session.client
        return client is not None and client.retrier.connectivity.online

    def _follow_connectivity(self) -> None:
        """The signed-in client's online/offline changes become status changes: one
        connection per client, however many listen."""
        client = self.session.client
        with self._lock:
            followed = self._followed
            if client is None or (followed is not None and followed[0] is client):
                return
            if followed is not None:
                followed[1]()
            self._followed = client, client.retrier.connectivity.changed.connect(
                lambda _state: self._set(online=self._online()))

    def _engine_for_session(self) -> SyncEngine | None:
        self._follow_connectivity()
        client = self.session.client
        with self._lock:
            if client is None:
                return None
            if self._engine is None or self._engine_client is not client:
                from app.sync.engine import SyncEngine
                from app.sync.store_cache import StoreCache

                self._engine = SyncEngine(client,
                                          StoreCache.on_executor(store_thread(self.session)))
                self._engine_client = client
            return self._engine

    def _conflicts(self) -> int:
        executor = self.session.executor
        return len(executor.call(lambda store: store.open_conflicts())) if executor else 0

    def _progress(self, done: int, total: int | None) -> None:
        if total:
            self._set(progress=min(1.0, done / total))

    def _set(self, **changes: Any) -> None:
        self._status = replace(self._status, **changes)
        self.changed.emit(self._status)
