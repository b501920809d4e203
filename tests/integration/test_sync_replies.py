"""Untrusted replies (app.central.replies), served by the fault proxy in front of the real server:
pages with too many entries, charts with too many resources, oversized resources and replies,
wrong Bundle types (a transaction-response to `$everything`, a batch-response to a search or a
history), bogus resources (another patient's, no id, no resourceType). Each is a clear
SyncError(INVALID); the cache stays byte for byte as it was (the chart pulled before, the chart
never pulled); once the server behaves, a real sync and chart pull are fine."""

from __future__ import annotations

import json
import tracemalloc
from dataclasses import replace

import pytest

from app.central.errors import Kind, SyncError
from app.central.replies import ReplyLimits
from tests.fixtures.sync import server_client, sync_pid

CACHED, FRESH = sync_pid(10), sync_pid(11)
TABLES = ("resources", "patient_index", "sync_state", "chart_access", "outbox")


def snapshot(store) -> dict[str, list]:
    """Every row of the cache's tables, as stored (JSON text included)."""
    conn = store._conn
    return {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


def server_chart(base: str, pid: str) -> dict:
    with server_client(base) as fhir:
        found = fhir.get(f"Patient/{pid}/$everything", params={"_count": "1000"}).json()
    return {(e["resource"]["resourceType"], e["resource"]["id"]): e["resource"]["meta"]
            for e in found.get("entry") or ()}


def cached_chart(store, pid: str) -> dict:
    return {(r["resourceType"], r["id"]): r["meta"] for r in store._list_resources(pid)}


# -- reply makers: the server's body in, the crafted body out ----------------------------------
def edited(fn):
    def make(body: bytes) -> bytes:
        bundle = json.loads(body)
        fn(bundle)
        return json.dumps(bundle).encode()
    make.__name__ = fn.__name__
    return make


def _first_clinical(bundle: dict) -> dict:
    """The page's first resource other than a Patient (one is added to an empty page)."""
    entries = bundle.setdefault("entry", [])
    found = next((e["resource"] for e in entries
                  if (e.get("resource") or {}).get("resourceType", "Patient") != "Patient"), None)
    if found is None:
        found = {"resourceType": "Observation", "id": "added", "status": "final",
                 "subject": {"reference": f"Patient/{CACHED}"},
                 "meta": {"versionId": "1", "lastUpdated": "2026-12-01T00:00:00Z"}}
        entries.append({"resource": found})
    return found


@edited
def too_many_entries(bundle):  # 1,001 entries: one over the default page limit
    bundle["entry"] = ((bundle.get("entry") or [{"resource": {
        "resourceType": "Patient", "id": CACHED}}]) * 1001)[:1001]


@edited
def transaction_response(bundle):
    bundle["type"] = "transaction-response"


@edited
def batch_response(bundle):
    bundle["type"] = "batch-response"


@edited
def oversized_resource(bundle):  # 5.1 MB of text in one resource (limit: 5 MB)
    _first_clinical(bundle)["note"] = [{"text": "x" * 5_100_000}]


@edited
def another_patients_resource(bundle):
    _first_clinical(bundle)["subject"] = {"reference": f"Patient/{sync_pid(3)}"}


@edited
def resource_without_id(bundle):
    del _first_clinical(bundle)["id"]


@edited
def resource_without_type(bundle):
    del _first_clinical(bundle)["resourceType"]


@edited
def bogus_deletion(bundle):  # a deletion that names no Type/id
    bundle.setdefault("entry", []).append({"request": {"method": "DELETE", "url": "x"}})


def bogus_entries(count: int, size: int):
    """A searchset Bundle of `count` bogus Observations of ~`size` bytes each, streamed in
    64 KB pieces with no length told (built once, before the client's memory is traced)."""
    built: list[bytes] = []

    def prepare() -> None:
        if not built:
            entry = json.dumps({"resource": {
                "resourceType": "Observation", "id": "bogus",
                "subject": {"reference": f"Patient/{CACHED}"},
                "note": [{"text": "x" * max(0, size - 120)}]}}).encode()
            built.append(b'{"resourceType":"Bundle","type":"searchset","entry":['
                         + b",".join([entry] * count) + b"]}")

    def make(_body: bytes):
        prepare()
        body = memoryview(built[0])
        return (bytes(body[i:i + 65536]) for i in range(0, len(body), 65536))
    make.prepare = prepare
    make.__name__ = f"bogus_{count}_entries_of_{size}_bytes"
    return make


def open_cached(ws):
    ws.sync.open_chart(CACHED)


def open_fresh(ws):
    ws.sync.open_chart(FRESH)


def open_many(ws):
    ws.sync.open_charts([FRESH, sync_pid(9)])


def sync_round(ws):
    ws.sync.sync()


def recheck(ws):
    ws.sync.recheck_access()


CASES = [  # (marker in the request line, reply maker, action, words the error must hold)
    ("$everything", too_many_entries, open_cached, "page of 1001 entries, over 1000"),
    ("$everything", too_many_entries, open_many, "page of 1001 entries"),
    ("$everything", transaction_response, open_cached, "type transaction-response, expected "
                                                        "searchset"),
    ("$everything", transaction_response, open_fresh, "transaction-response"),
    ("$everything", transaction_response, open_many, "transaction-response"),
    ("$everything", oversized_resource, open_cached, "over 5000000 bytes"),
    ("$everything", another_patients_resource, open_cached, "of another patient"),
    ("$everything", resource_without_id, open_fresh, "without resourceType or id"),
    ("$everything", resource_without_type, open_cached, "without resourceType or id"),
    ("$everything", bogus_entries(100_000, 1000), open_cached, "reply over 67108864 bytes"),
    ("$everything", bogus_entries(100_000, 150), open_cached, "page of 100000 entries"),
    ("/_history", batch_response, sync_round, "type batch-response, expected history"),
    ("/_history", too_many_entries, sync_round, "page of 1001 entries"),
    ("/_history", resource_without_id, sync_round, "without resourceType or id"),
    ("/_history", bogus_deletion, sync_round, "no resource"),
    ("GET /fhir/Patient?", batch_response, recheck, "type batch-response, expected searchset"),
]


@pytest.fixture
def workstation(sync_server, fault_proxy_factory, workstation_factory):
    proxy = fault_proxy_factory(sync_server.port)
    ws = workstation_factory(proxy.url, attempts=1).sign_in()  # a refused reply: no retry
    ws.sync.open_chart(CACHED)
    ws.sync.sync()  # history cursor set: rounds now read _history
    return proxy, ws


@pytest.mark.parametrize(("marker", "make", "action", "words"), CASES,
                         ids=[f"{c[1].__name__}-{c[2].__name__}" for c in CASES])
def test_bad_reply_is_refused_and_nothing_is_cached(sync_server, workstation, marker, make,
                                                    action, words):
    proxy, ws = workstation
    before = snapshot(ws.store)
    proxy.craft(marker, make)
    if hasattr(make, "prepare"):
        make.prepare()
    tracemalloc.start()
    try:
        with pytest.raises(SyncError) as raised:
            action(ws)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert raised.value.kind is Kind.INVALID, raised.value.detail
    assert words in raised.value.detail
    assert "crafted" in [fault for _, fault in proxy.log]
    assert snapshot(ws.store) == before
    assert peak < 200 * 2**20, f"{peak / 2**20:.0f} MiB allocated before refusing"
    print(f"refused ({raised.value.detail}); peak {peak / 2**20:.1f} MiB")

    proxy.calm()  # the server behaves again: a real round and real pulls are fine
    ws.sync.sync()
    ws.sync.open_charts([CACHED, FRESH])
    for pid in (CACHED, FRESH):
        assert cached_chart(ws.store, pid) == server_chart(sync_server.base, pid)


def test_chart_over_its_resource_limit_is_not_stored_in_part(sync_server, workstation):
    """Pages of 5: the real chart comes in several pages, the limit is one below its size;
    the pages before the refusal are not stored either (a chart is complete or absent)."""
    proxy, ws = workstation
    size = len(server_chart(sync_server.base, FRESH))
    ws.client.settings = replace(ws.client.settings, page_size=5,
                                 limits=ReplyLimits(resources_per_chart=size - 1))
    before = snapshot(ws.store)
    # (a cached chart opens with only what changed since its cursor: not over any limit)
    for action in (open_fresh, open_many):
        with pytest.raises(SyncError) as raised:
            action(ws)
        assert raised.value.kind is Kind.INVALID
        assert f"chart of over {size - 1} resources" in raised.value.detail
        assert snapshot(ws.store) == before
    ws.client.settings = replace(ws.client.settings, limits=ReplyLimits(resources_per_chart=size))
    ws.sync.open_chart(FRESH)  # 5 per page, exactly at the limit: stored whole
    assert cached_chart(ws.store, FRESH) == server_chart(sync_server.base, FRESH)


def test_limits_are_read_from_the_settings_file(tmp_path):
    from app.settings import Settings
    path = tmp_path / "clinicdesk.ini"
    path.write_text("[limits]\nentries_per_page=2000\nresource_bytes=nonsense\n"
                    "resources_per_chart=-5\n")
    limits = Settings(path).reply_limits()
    assert limits == replace(ReplyLimits(), entries_per_page=2000)


