"""Charts whose rows the server withheld from this user, once the restriction stops applying.

The server leaves out of a chart the classes a Consent denies the signed-in user (403 per
resource; dropped from searches, `$everything` and `_history`). An incremental pull never brings
those rows back when the restriction lifts — the Consent withdrawn, made inactive or edited, or
a deny's period over — since they did not change. So the store keeps, per chart, the classes
that may have been withheld since its last full fetch and the day the chart is next due for an
evaluation (`ChartAccess`, app.store.chart_access):

- a full fetch records what the chart's Consents block for this user today, and the next day
  one of their periods starts or ends (nothing kept for a chart with neither);
- a round that brings a Consent of a cached chart (changed or deleted) makes it due today, in
  the transaction that moves the round's cursor;
- after each round, the charts due are evaluated for this user today: one that now blocks fewer
  classes than were withheld is fetched again in full (and stays due until that succeeds); the
  others add what they block now to their withheld classes (a stricter consent withholds later
  changes too) and wait for their next period boundary.

When nothing changed a round adds one indexed query (the charts due today: none). The day is the
workstation's (`today`), compared by day with the periods, as the server does with its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from app.core.consent import CLINICAL, Provision, consent_from_fhir
from app.core.data_class import DataClass
from app.sync.cache import ChartAccess, SyncCache

NOTHING = ChartAccess(frozenset())


def evaluate(consents: list[dict[str, Any]], user: str, day: date) -> tuple[frozenset[DataClass],
                                                                  date | None]:
    """The classes these Consents block for this user on this day, and the first later day
    on which that may change (a period starts or has ended; None: never by date alone)."""
    state = consent_from_fhir(consents)
    days = [d for p in state.scoped for d in _boundaries(p) if d > day]
    return state.blocked_for(user, day), min(days, default=None)


def _boundaries(provision: Provision) -> Iterable[date]:
    if provision.start:
        yield provision.start
    if provision.end:
        yield provision.end + timedelta(days=1)
    for nested in provision.nested:
        yield from _boundaries(nested)


class ConsentWatch:
    def __init__(self, cache: SyncCache, user: str, today: Callable[[], date] = date.today):
        self.cache, self.user, self.today = cache, user, today

    def fetched(self, consents: list[dict[str, Any]]) -> ChartAccess | None:
        """A chart's record after a full fetch that brought these Consents (None: nothing
        withheld, no period ahead)."""
        day = self.today()
        blocked, ahead = evaluate(consents, self.user, day)
        return ChartAccess(blocked, day, ahead) if blocked or ahead else None

    def due_today(self, patient_ids: Iterable[str]) -> dict[str, ChartAccess]:
        """Records making these charts (a Consent of theirs changed) due today."""
        ids, day = list(patient_ids), self.today()
        known = self.cache.chart_access(ids)
        out = {}
        for pid in ids:
            record = known.get(pid, NOTHING)
            due = day if record.next_check is None else min(record.next_check, day)
            out[pid] = ChartAccess(record.withheld, record.checked, due)
        return out

    def lifted(self) -> list[str]:
        """Evaluate the charts due today; returns those to fetch again in full."""
        day = self.today()
        due = self.cache.access_due(day)
        if not due:
            return []
        known, consents = self.cache.chart_access(due), self.cache.consents(due)
        updates: dict[str, ChartAccess | None] = {}
        lifted = []
        for pid in due:
            blocked, ahead = evaluate(consents.get(pid, []), self.user, day)
            withheld = known.get(pid, NOTHING).withheld
            withheld = CLINICAL if withheld is None else withheld
            if withheld - blocked:
                lifted.append(pid)  # its record stays due until the full fetch replaces it
                continue
            withheld |= blocked
            updates[pid] = ChartAccess(withheld, day, ahead) if withheld or ahead else None
        if updates:
            self.cache.apply_page([], [], {}, updates)
        return lifted
