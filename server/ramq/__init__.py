"""RAMQ services of the reference server (docs/domain.md "RAMQ registration", "User-account
requests", "RAMQ online services"):

- `source.RamqSource`: a simulated RAMQ (credential checks, registrations, eligibility);
- `db.RamqDb`: import configuration (passwords encrypted), import status, account requests;
- `importer.run_import`: the registration import; `Scheduler`: runs it nightly at
  `Settings.ramq_import_hour` (and advances account requests) in a thread of the server;
- `routes`: /api/ramq/... (included by server.app.ROUTERS).
`start(app)` / `stop(app)` are called by the server's lifespan. Errors: server.authz.Denied
(401/403); invalid forms answer 422 with the refused fields.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.ramq.db import RamqDb
from server.ramq.importer import advance_requests, run_import
from server.ramq.source import RamqSource

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


@dataclass
class Services:
    db: RamqDb
    source: RamqSource
    import_lock: threading.Lock  # one import at a time (nightly and on demand)


def services(app: Any) -> Services:
    found = getattr(app.state, "ramq_services", None)
    if found is None:
        with _LOCK:
            found = getattr(app.state, "ramq_services", None)
            if found is None:
                data_dir = app.state.settings.data_dir
                found = Services(RamqDb(app.state.store, data_dir), RamqSource(data_dir),
                                 threading.Lock())
                app.state.ramq_services = found
    return found


def import_all(store: Any, svc: Services) -> dict[str, str]:
    """Every configured institution's import, then one step of the account requests."""
    done = {}
    with svc.import_lock:
        for institution in svc.db.configured():
            done[institution] = run_import(store, svc.db, svc.source, institution).state.value
        advance_requests(svc.db)
    return done


def seconds_until(hour: int, now: datetime) -> float:
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


class Scheduler:
    """A thread that runs `import_all` every night at `hour` (local time), in one server
    process only: every process sharing the database wakes, the one that claims the night in
    the database (RamqDb.claim_night) runs it."""

    def __init__(self, app: Any, hour: int):
        self.app, self.hour = app, hour
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ramq-nightly", daemon=True)

    def _run(self) -> None:
        while not self.stopping.wait(seconds_until(self.hour, datetime.now())):
            try:
                svc = services(self.app)
                now = datetime.now()
                if not svc.db.claim_night(now.date().isoformat(), now.isoformat()):
                    log.info("tonight's RAMQ import is run by another server process")
                    continue
                import_all(self.app.state.store, svc)
            except Exception:  # the next night tries again; say it loudly
                log.exception("nightly RAMQ import failed")

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(30)


def start(app: Any) -> None:
    hour = getattr(app.state.settings, "ramq_import_hour", None)
    if hour is not None:
        app.state.ramq_scheduler = Scheduler(app, hour)
        app.state.ramq_scheduler.thread.start()


def stop(app: Any) -> None:
    scheduler = getattr(app.state, "ramq_scheduler", None)
    if scheduler is not None:
        scheduler.stop()
