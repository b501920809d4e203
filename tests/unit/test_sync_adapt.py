"""The pull adapts to a server without `$everything` or system `_history` (type-level searches
with `_lastUpdated`), and a push's transaction answer updates the cache — narrow MockTransport
cases; the reference server is exercised in tests/integration/test_sync_*."""

import uuid

import httpx
import pytest

from app.central.auth import TokenStore
from app.central.client import ClientConfig, FhirClient
from app.central.retry import Retrier
from app.core.fhir_systems import CHANGE_ID
from app.sync.cache import Change
from app.sync.pull import HISTORY, Puller, local_midnight
from app.sync.push import Pusher
from tests.fixtures.smart import smart_reply

BASE = "https://plain.test"
TYPES = ("Patient", "Condition", "Observation")  # in CHART_TYPES order


class Memory:
    """A SyncCache in memory (the real one is app.sync.store_cache over the SQLCipher store)."""

    def __init__(self):
        self.resources, self.cursors, self.outbox, self.done, self.conflicts = {}, {}, [], [], []
        self.access = {}

    def cached_patients(self):
        return {rid for (t, rid) in self.resources if t == "Patient"}

    def cursor(self, stream):
        return self.cursors.get(stream)

    def apply_page(self, upserts, deletes, cursors, access=None):
        for r in upserts:
            self.resources[(r["resourceType"], r["id"])] = r
        for key in deletes:
            self.resources.pop(key, None)
        self.cursors.update(cursors)
        for pid, record in (access or {}).items():
            self.access.pop(pid, None) if record is None else self.access.update({pid: record})

    def chart_access(self, patient_ids):
        return {pid: self.access[pid] for pid in patient_ids if pid in self.access}

    def access_due(self, day):
        return sorted(p for p, a in self.access.items() if a.next_check and a.next_check <= day)

    def consents(self, patient_ids):
        return {pid: [r for (t, _), r in self.resources.items() if t == "Consent"
                      and r["patient"]["reference"] == f"Patient/{pid}"] for pid in patient_ids}

    def owner(self, rtype, rid):
        from app.core.fhir import patient_of
        found = self.resources.get((rtype, rid))
        return patient_of(found) if found else None

    def evict(self, patient_id):
        self.resources.pop(("Patient", patient_id), None)

    def chart_ids(self, patient_ids):
        from app.core.fhir import patient_of
        return {key for key, r in self.resources.items() if patient_of(r) in patient_ids}

    def pending(self, limit):
        return self.outbox[:limit]

    def pushed(self, done):
        self.done += done
        seqs = {p.change.seq for p in done}
        self.outbox = [c for c in self.outbox if c.seq not in seqs]

    def conflict(self, change, server, reason):
        self.conflicts.append((change, server, reason))
        self.outbox.remove(change)


def statement():
    return {"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1", "rest": [{
        "mode": "server", "interaction": [{"code": "transaction"}],
        "resource": [{"type": t, "interaction": [{"code": "read"}, {"code": "search-type"}]}
                     for t in TYPES]}]}


def searchset(*resources):
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": r} for r in resources]}


@pytest.fixture
def store():
    s = TokenStore(BASE, "t", service=f"ClinicDesk sync test {uuid.uuid4()}")
    s.save("r")
    yield s
    s.delete()


def client_with(handler, store):
    def route(request):
        if (discovery := smart_reply(request)) is not None:
            return discovery
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "a", "expires_in": 900})
        if request.url.path == "/fhir/metadata":
            return httpx.Response(200, json=statement())
        return handler(request)
    return FhirClient(ClientConfig(BASE, "t"), transport=httpx.MockTransport(route),
                      retrier=Retrier(attempts=1), token_store=store)


def test_without_everything_a_chart_is_read_type_by_type(store):
    asked = []

    def handler(request):
        asked.append((request.url.path, dict(request.url.params)))
        rtype = request.url.path.split("/")[-1]
        if rtype == "Patient":
            return httpx.Response(200, json=searchset({"resourceType": "Patient", "id": "p1"}))
        return httpx.Response(200, json=searchset(
            {"resourceType": rtype, "id": f"{rtype}-1", "subject": {"reference": "Patient/p1"}}))
    cache = Memory()
    count = Puller(client_with(handler, store), cache).open_chart("p1")
    assert count == 3 and len(cache.resources) == 3
    assert [p for p, _ in asked] == [f"/fhir/{t}" for t in TYPES]
    assert asked[0][1]["_id"] == "p1" and asked[2][1]["patient"] == "Patient/p1"
    assert cache.cursor(HISTORY)  # the round starts where this chart was read


def test_without_system_history_a_round_searches_by_last_updated(store):
    asked = []

    def handler(request):
        asked.append(dict(request.url.params))
        if request.url.path.endswith("/Observation"):
            return httpx.Response(200, json=searchset({
                "resourceType": "Observation", "id": "o9", "subject": {"reference": "Patient/p1"},
                "meta": {"versionId": "2", "lastUpdated": "2026-01-01T00:00:00Z"}}))
        if request.url.path.endswith("/Patient") and "_lastUpdated" not in request.url.params:
            return httpx.Response(200, json=searchset({"resourceType": "Patient", "id": "p1"}))
        return httpx.Response(200, json=searchset())
    cache = Memory()
    cache.apply_page([{"resourceType": "Patient", "id": "p1"}], [],
                     {HISTORY: "2025-12-31T00:00:00.000Z"})
    assert Puller(client_with(handler, store), cache).sync_round() == 1
    assert ("Observation", "o9") in cache.resources
    changes = [a for a in asked if "_lastUpdated" in a]
    assert [a["_lastUpdated"] for a in changes] == ["ge2025-12-31T00:00:00.000Z"] * len(TYPES)
    assert len(asked) == 2 * len(TYPES)  # and the reconciliation of the cached charts' ids
    assert cache.cursor(HISTORY) != "2025-12-31T00:00:00.000Z"


def test_a_transaction_answer_names_the_created_resource(store):
    sent = []

    def handler(request):
        import json
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "transaction-response",
                                         "entry": [{"response": {
                                             "status": "201 Created",
                                             "location": "Observation/srv-1/_history/1",
                                             "etag": 'W/"1"'}}]})
    cache = Memory()
    change = Change(1, "create", "Observation", "local-1",
                    {"resourceType": "Observation", "id": "local-1", "status": "final",
                     "subject": {"reference": "Patient/p1"}}, None, "urn:uuid:abc")
    cache.outbox.append(change)
    report = Pusher(client_with(handler, store), cache).push()
    assert report.sent == 1 and cache.outbox == []
    entry = sent[0]["entry"][0]
    assert entry["request"] == {"method": "POST", "url": "Observation",
                                "ifNoneExist": f"identifier={CHANGE_ID}|urn:uuid:abc"}
    assert "id" not in entry["resource"]
    server = cache.done[0].resource
    assert server["id"] == "srv-1" and server["meta"]["versionId"] == "1"


def test_history_pages_newest_first_never_bring_back_an_older_version(store):
    """Page 1 holds version 3 and a deletion, page 2 (older) versions 2 and the deleted one:
    what stays is version 3, and the deleted resource stays deleted."""
    def version(rid, vid, at):
        return {"resource": {"resourceType": "Observation", "id": rid,
                             "subject": {"reference": "Patient/p1"},
                             "meta": {"versionId": vid, "lastUpdated": at}}}
    pages = {
        "1": {"resourceType": "Bundle", "type": "history",
              "meta": {"lastUpdated": "2026-01-02T00:00:10Z"},
              "link": [{"relation": "next", "url": f"{BASE}/fhir/_history?_cursor=2"}],
              "entry": [version("o1", "3", "2026-01-02T00:00:05Z"),
                        {"request": {"method": "DELETE", "url": "Observation/o2"},
                         "response": {"status": "410", "lastModified": "2026-01-02T00:00:04Z"}}]},
        "2": {"resourceType": "Bundle", "type": "history",
              "entry": [version("o1", "2", "2026-01-02T00:00:03Z"),
                        version("o2", "1", "2026-01-02T00:00:02Z")]}}

    def handler(request):
        return httpx.Response(200, json=pages[request.url.params.get("_cursor", "1")])
    caps = statement()
    caps["rest"][0]["interaction"].append({"code": "history-system"})
    cache = Memory()
    cache.apply_page([{"resourceType": "Patient", "id": "p1"}, version("o2", "1", "x")["resource"]],
                     [], {HISTORY: "2026-01-01T00:00:00Z"})
    client = client_with(handler, store)
    from app.central import capabilities as capabilities_module
    client._capabilities = capabilities_module.parse_capabilities(caps)
    Puller(client, cache).sync_round()
    assert cache.resources[("Observation", "o1")]["meta"]["versionId"] == "3"
    assert ("Observation", "o2") not in cache.resources
    assert cache.cursor(HISTORY) == "2026-01-02T00:00:08.000Z"  # first page's time less 2 s


def test_the_days_appointments_and_their_charts_are_prefetched(store):
    from datetime import date

    from app.central import capabilities as capabilities_module
    from app.sync.engine import SyncEngine
    asked = []

    def handler(request):
        asked.append((request.url.path, request.url.params.get_list("date"),
                      request.url.params.get("actor")))
        if request.url.path == "/fhir/Appointment":
            return httpx.Response(200, json=searchset(
                {"resourceType": "Appointment", "id": "a1", "status": "booked",
                 "participant": [{"actor": {"reference": "Patient/p7"}},
                                 {"actor": {"reference": "Location/l1"}}]}))
        if request.url.path == "/fhir/Patient/p7/$everything":
            return httpx.Response(200, json=searchset({"resourceType": "Patient", "id": "p7"}))
        return httpx.Response(404)
    caps = statement()
    caps["rest"][0]["resource"].append({
        "type": "Appointment", "interaction": [{"code": "search-type"}],
        "searchParam": [{"name": "date"}, {"name": "actor"}]})
    caps["rest"][0]["resource"][0]["operation"] = [{"name": "everything"}]
    client = client_with(handler, store)
    client._capabilities = capabilities_module.parse_capabilities(caps)
    cache = Memory()
    service = SyncEngine(client, cache)
    found = service.prefetch_appointments(date(2026, 11, 25), {"actor": "Location/l1"},
                                          with_charts=True)
    assert found == ["p7"]
    day, nxt = local_midnight(date(2026, 11, 25)), local_midnight(date(2026, 11, 26))
    assert day.startswith("2026-11-25T00:00:00") and nxt.startswith("2026-11-26T00:00:00")
    assert asked[0] == ("/fhir/Appointment", [f"ge{day}", f"lt{nxt}"], "Location/l1")
    assert ("Appointment", "a1") in cache.resources and ("Patient", "p7") in cache.resources


def test_no_appointment_search_by_date_means_no_request(store):
    asked = []
    cache = Memory()
    client = client_with(lambda r: asked.append(r) or httpx.Response(500), store)
    from datetime import date
    assert Puller(client, cache).prefetch_appointments(date(2026, 11, 25)) is None
    assert asked == []
