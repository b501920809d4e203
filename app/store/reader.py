"""Read access to the store on a connection of its own.

`Reader` serves the queries; `Store` (store.py) adds the writes on top of it. A UI service or
the sync engine that only reads can hold a `Store.open_reader()` on its own thread while the
executor's thread writes (WAL: readers never block the writer, nor the reverse).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from app.store import (
    access_log,
    chart_access,
    db,
    drafts,
    outbox,
    patients,
    ramq_cache,
    resources,
)
from app.store.db import Connection
from app.store.errors import StoreClosed

R = TypeVar("R", bound="Reader")
P = ParamSpec("P")
T = TypeVar("T")


def mapped(method: Callable[Concatenate[R, P], T]) -> Callable[Concatenate[R, P], T]:
    """SQLite errors raised inside a store method become StoreErrors (CorruptDatabase…)."""
    @functools.wraps(method)
    def wrapper(self: R, /, *args: P.args, **kwargs: P.kwargs) -> T:
        if self._conn is None:
            raise StoreClosed()
        try:
            return method(self, *args, **kwargs)
        except db.Error as err:
            raise db.classify(err, self.path, self._db_salt) from None
    return wrapper


class Reader:
    """Queries over one connection; use it from one thread at a time."""

    def __init__(self, conn: Connection, path: Path, db_salt: str = ""):
        self._conn = conn
        self.path = path
        self._db_salt = db_salt

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def closed(self) -> bool:
        return self._conn is None

    @mapped
    def get_resource(self, resource_type: str, resource_id: str) -> dict[str, Any] | None:
        return resources.get(self._conn, resource_type, resource_id)

    @mapped
    def _list_resources(self, patient_id: str, resource_type: str | None = None) -> list[dict[str,
                                                                                              Any]]:
        """A chart's rows, unchecked and unlogged: the tests' view of the cache (the app reads
        charts through authorised.py)."""
        return resources.list_for_patient(self._conn, patient_id, resource_type)

    @mapped
    def consents(self, patient_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Each patient's cached Consents (what sync's consent watch evaluates)."""
        return {pid: resources.list_for_patient(self._conn, pid, "Consent")
                for pid in patient_ids}

    @mapped
    def list_by_type(self, resource_type: str) -> list[dict[str, Any]]:
        return resources.list_by_type(self._conn, resource_type)

    @mapped
    def chart_ids(self, patient_ids: list[str]) -> set[tuple[str, str]]:
        """(type, id) of these charts' cached rows, read from the index columns only."""
        return resources.ids_for_patients(self._conn, patient_ids)

    @mapped
    def cached_patient_ids(self) -> list[str]:
        return resources.patient_ids(self._conn)

    @mapped
    def warm_index(self) -> None:
        """Read the patient index once so the first searches find it decrypted in memory."""
        patients.warm(self._conn)

    @mapped
    def find_by_nam(self, nam: str) -> list[patients.IndexEntry]:
        return patients.find_by_nam(self._conn, nam)

    @mapped
    def find_by_name_birthdate(self, surname: str, given: str,
                               birthdate: str) -> list[patients.IndexEntry]:
        return patients.find_by_name_birthdate(self._conn, surname, given, birthdate)

    @mapped
    def find_by_chart_number(self, chart_number: str) -> list[patients.IndexEntry]:
        return patients.find_by_chart_number(self._conn, chart_number)

    @mapped
    def get_cursor(self, stream: str) -> str | None:
        return outbox.get_cursor(self._conn, stream)

    @mapped
    def chart_access(self, patient_ids: list[str]) -> dict[str, chart_access.Row]:
        """Rows of app.store.chart_access: what the server may have withheld per chart."""
        return chart_access.get(self._conn, patient_ids)

    @mapped
    def access_due(self, day: str) -> list[str]:
        """The charts whose consent is to be evaluated again on this ISO day."""
        return chart_access.due(self._conn, day)

    @mapped
    def outbox_batch(self, limit: int = 50) -> list[outbox.OutboxEntry]:
        return outbox.batch(self._conn, limit)

    @mapped
    def outbox_entry(self, change_uuid: str) -> outbox.OutboxEntry | None:
        return outbox.get(self._conn, change_uuid)

    @mapped
    def waiting_changes(self, patient_id: str | None = None) -> set[tuple[str, str]]:
        """(type, id) of the resources with changes not yet accepted by the server."""
        return outbox.waiting(self._conn, patient_id)

    @mapped
    def open_conflicts(self) -> list[dict[str, Any]]:
        return outbox.open_conflicts(self._conn)

    @mapped
    def access_entries(self, after: int = 0, limit: int = 1000) -> list[access_log.Entry]:
        return access_log.entries(self._conn, after, limit)

    @mapped
    def unacknowledged_access(self, limit: int = 100) -> list[access_log.Entry]:
        return access_log.unacknowledged(self._conn, limit)

    @mapped
    def acknowledged_access(self) -> set[int]:
        return access_log.acknowledged(self._conn)

    @mapped
    def ramq_answer(self, nam: str, service: str) -> tuple[dict[str, Any], str] | None:
        """The last RAMQ answer kept for this NAM and service, and its instant."""
        return ramq_cache.get(self._conn, nam, service)

    @mapped
    def note_draft(self, patient_id: str) -> str | None:
        return drafts.get(self._conn, patient_id)

    @mapped
    def integrity_problems(self) -> list[str]:
        """Full page check (slow on a big store: for support tools, not every start)."""
        return db.integrity_problems(self._conn)
