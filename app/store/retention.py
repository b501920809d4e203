"""Retention of the workstation cache: the server is the record, the cache a copy kept only
while it is needed (docs/domain.md, "Privacy").

- `purge_stale(store, days=30)`: every cached chart not opened for `days` days is removed. A
  chart is "opened" when the access log holds a read of it (`read` or `break-glass`, by this
  store's user); a chart cached but never opened counts as not opened. The app runs it at
  sign-out (app.workstation.session.Session.sign_out; `days` is the `retention_days` setting).
- `purge_all(store)`: sign-out with "remove the charts from this workstation".
Purged rows are really gone: `Store.purge_patient` deletes with `secure_delete = ON` (freed
pages are zeroed) and folds the WAL back with `wal_checkpoint(TRUNCATE)`. Access-log entries
stay (they record who saw what, by opaque patient id, and are the law's record).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from app.store.authorised import BREAK_GLASS, READ

if TYPE_CHECKING:
    from app.store.store import Store

DEFAULT_DAYS = 30
OPENED = (READ, BREAK_GLASS)


def last_opened(store: Store) -> dict[str, datetime]:
    """patient id → the last time this store's user opened (read) that chart."""
    found: dict[str, datetime] = {}
    after = 0
    while batch := store.access_entries(after, 5000):
        for e in batch:
            if e.patient_id and e.action in OPENED:
                at = datetime.fromisoformat(e.at)
                if e.patient_id not in found or at > found[e.patient_id]:
                    found[e.patient_id] = at
        after = batch[-1].seq
    return found


def stale_charts(store: Store, days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[str]:
    if days < 0:
        raise ValueError("retention days must be ≥ 0")
    limit = (now or datetime.now(UTC)) - timedelta(days=days)
    opened = last_opened(store)
    return [pid for pid in store.cached_patient_ids()
            if pid not in opened or opened[pid] < limit]


def purge_stale(store: Store, days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[str]:
    """Remove the charts not opened for `days` days; their ids (opaque, not patient data)."""
    stale = stale_charts(store, days, now)
    for pid in stale:
        _purge(store, pid)
    return stale


def purge_all(store: Store) -> list[str]:
    """Remove every cached chart (sign-out with purge)."""
    ids = list(store.cached_patient_ids())
    for pid in ids:
        _purge(store, pid)
    return ids


def _purge(store: Store, patient_id: str) -> None:
    store.set_cursor(f"chart:{patient_id}", None)  # a later opening fetches it whole again
    store.purge_patient(patient_id)  # last: it folds the WAL back and truncates it
