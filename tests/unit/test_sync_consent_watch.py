"""app.sync.consent_watch on a cache in memory: which charts are fetched again in full when a
consent stops withholding classes from the user (the real store and server:
tests/integration/test_sync_consent_lift.py)."""

from datetime import date

from app.core.consent import CLINICAL, consent_resource
from app.core.data_class import DataClass
from app.core.fhir_systems import DATA_CLASS
from app.sync.cache import ChartAccess
from app.sync.consent_watch import ConsentWatch, evaluate

ME, OTHER = "Practitioner/user-1000001", "Practitioner/user-1000002"
DAY = date(2026, 11, 26)


def deny(*classes: DataClass, actor: str | None = ME, start: str | None = None,
         end: str | None = None, pid: str = "p1") -> dict:
    provision: dict = {"type": "deny"}
    if actor:
        provision["actor"] = [{"reference": {"reference": actor}}]
    if classes:
        provision["class"] = [{"system": DATA_CLASS, "code": c.value} for c in classes]
    if start or end:
        provision["period"] = {k: v for k, v in (("start", start), ("end", end)) if v}
    return consent_resource(f"Patient/{pid}", provision)


class Cache:
    def __init__(self, consents: dict[str, list[dict]], access: dict[str, ChartAccess]):
        self._consents, self.access = consents, dict(access)

    def chart_access(self, ids):
        return {p: self.access[p] for p in ids if p in self.access}

    def access_due(self, day):
        return sorted(p for p, a in self.access.items() if a.next_check and a.next_check <= day)

    def consents(self, ids):
        return {p: self._consents.get(p, []) for p in ids}

    def apply_page(self, upserts, deletes, cursors, access=None):
        for pid, record in (access or {}).items():
            self.access.pop(pid, None) if record is None else self.access.update({pid: record})


def test_evaluate_gives_the_blocked_classes_and_the_next_period_boundary():
    dated = deny(DataClass.LABS, start="2026-12-01", end="2026-12-31")
    assert evaluate([dated], ME, DAY) == (frozenset(), date(2026, 12, 1))
    assert evaluate([dated], ME, date(2026, 12, 5)) == ({DataClass.LABS}, date(2027, 1, 1))
    assert evaluate([dated], ME, date(2027, 1, 1)) == (frozenset(), None)
    assert evaluate([dated], OTHER, date(2026, 12, 5))[0] == frozenset()  # names only me
    assert evaluate([deny()], ME, DAY) == (CLINICAL, None)
    assert evaluate([], ME, DAY) == (frozenset(), None)


def test_a_full_fetch_keeps_a_record_only_when_something_is_withheld_or_ahead():
    watch = ConsentWatch(Cache({}, {}), ME, lambda: DAY)
    assert watch.fetched([]) is None
    assert watch.fetched([deny(actor=OTHER)]) is None
    assert watch.fetched([deny(DataClass.NOTES)]) == ChartAccess({DataClass.NOTES}, DAY)
    assert watch.fetched([deny(end="2026-11-30")]) == ChartAccess(CLINICAL, DAY,
                                                                  date(2026, 12, 1))


def test_charts_due_whose_consent_blocks_fewer_classes_are_lifted():
    withdrawn = {**deny(), "status": "inactive"}
    cache = Cache(
        {"lifted": [withdrawn], "narrower": [deny(DataClass.LABS, pid="narrower")],
         "stricter": [deny(pid="stricter")], "unknown": [], "later": [],
         "ended": [deny(end="2026-11-25", pid="ended")]},
        {"lifted": ChartAccess(CLINICAL, DAY, DAY),
         "narrower": ChartAccess({DataClass.LABS, DataClass.NOTES}, None, DAY),
         "stricter": ChartAccess({DataClass.LABS}, None, DAY),
         "unknown": ChartAccess(None, None, date(1, 1, 1)),  # cached before the migration
         "later": ChartAccess(CLINICAL, None, date(2026, 12, 1)),
         "ended": ChartAccess(CLINICAL, date(2026, 11, 25), DAY)})
    watch = ConsentWatch(cache, ME, lambda: DAY)
    assert watch.lifted() == ["ended", "lifted", "narrower", "unknown"]
    # the stricter one now withholds every clinical class; lifted charts stay due until fetched
    assert cache.access["stricter"] == ChartAccess(CLINICAL, DAY, None)
    assert cache.access["lifted"].next_check == DAY and "later" in cache.access
    assert watch.lifted() == ["ended", "lifted", "narrower", "unknown"]


def test_a_consent_change_makes_the_chart_due_today_keeping_what_was_withheld():
    cache = Cache({}, {"a": ChartAccess({DataClass.LABS}, None, date(2027, 1, 1)),
                       "b": ChartAccess(CLINICAL, None, date(2026, 1, 1))})
    due = ConsentWatch(cache, ME, lambda: DAY).due_today(["a", "b", "c"])
    assert due == {"a": ChartAccess({DataClass.LABS}, None, DAY),
                   "b": ChartAccess(CLINICAL, None, date(2026, 1, 1)),
                   "c": ChartAccess(frozenset(), None, DAY)}
