"""The sync engine against three FHIR R4 servers (tests/fixtures/r4.py): the reference server,
the same in minimal-R4 mode (no CapabilityStatement, no `$everything`, no system `_history`,
pages of 20 without `next`) and Medplum's independent implementation (npm, behind a thin HTTP
shim). Each test runs on all three; each uses its own charts (the reference servers' data is
shared by the session). The behaviours of issue 17 that failed against an independent server:
no CapabilityStatement, bare-id searches, cut pages stored as whole charts, deletions never
applied, the cursor race of a parallel open; and the incremental open of a cached chart."""

from __future__ import annotations

import threading
import time

import pytest

from app.central.errors import Kind, SyncError
from app.core.fhir import parse_instant
from app.sync import bulk, pull
from app.sync.pull import HISTORY

CUT = 5  # entries a crafted answer keeps


def cached(ws, pid: str) -> set[tuple[str, str]]:
    return {(r["resourceType"], r["id"]) for r in ws.store._list_resources(pid)}


def server_edit(fhir, rtype: str, rid: str, **fields) -> dict:
    current = fhir.get(f"{rtype}/{rid}")
    assert current.status_code == 200, current.status_code
    body = {**current.json(), **fields}
    done = fhir.put(f"{rtype}/{rid}", json=body, headers={
        "If-Match": f'W/"{body["meta"]["versionId"]}"'})
    assert done.status_code == 200, done.text
    return done.json()


def first(r4, index: int, rtype: str) -> str:
    return next(r["id"] for r in r4.charts[index] if r["resourceType"] == rtype)


def test_a_chart_opens_whole_without_capability_statement_or_bare_ids(r4, workstation_factory):
    """Medplum answers /metadata with a searchset and matches `patient=Patient/{id}` only;
    the minimal server has no /metadata (404) and cuts pages at 20 without `next` (this chart
    has 37 Observations there): the chart is stored whole on each."""
    ws = workstation_factory(r4.base).sign_in()
    pid = r4.pid(0)
    assert ws.sync.open_chart(pid) >= len(r4.chart(0))
    assert cached(ws, pid) == r4.chart(0)
    assert ws.store.get_cursor(f"chart:{pid}") and ws.store.get_cursor(HISTORY)
    assert ws.client.capabilities().known is (r4.name == "reference")


def test_a_round_brings_changes_and_deletions_of_cached_charts_only(r4, workstation_factory):
    """Without system `_history` (minimal, Medplum) deletions come by reconciliation."""
    ws = workstation_factory(r4.base).sign_in()
    pid, other = r4.pid(8), r4.pid(9)
    ws.sync.open_chart(pid)
    cond, obs = first(r4, 8, "Condition"), first(r4, 8, "Observation")
    server_edit(r4.fhir, "Condition", cond, note=[{"text": "revu"}])
    assert r4.fhir.delete(f"Observation/{obs}").status_code in (200, 204)
    elsewhere = first(r4, 9, "AllergyIntolerance")
    server_edit(r4.fhir, "AllergyIntolerance", elsewhere, note=[{"text": "ailleurs"}])
    ws.sync.sync()
    assert ws.store.get_resource("Condition", cond)["note"] == [{"text": "revu"}]
    assert ws.store.get_resource("Observation", obs) is None
    assert ws.store.get_resource("AllergyIntolerance", elsewhere) is None
    assert other not in ws.store.cached_patient_ids()
    assert cached(ws, pid) == r4.chart(8) - {("Observation", obs)}


def test_a_change_right_after_a_charts_first_answer_is_not_lost_in_a_parallel_open(
        r4, workstation_factory, monkeypatch):
    """Chart A's Patient changes just after A's first answer, and another thread's answer
    comes later than the overlap: A's cursor is A's own first answer, so the round pulls it."""
    monkeypatch.setattr(pull, "OVERLAP", 0.5)
    monkeypatch.setattr(bulk, "OVERLAP", 0.5)
    ws = workstation_factory(r4.base).sign_in()
    a, b = r4.pid(1), r4.pid(2)
    changed, b_may_go, b_answered = threading.Event(), threading.Event(), threading.Event()
    real = ws.client.pages

    def pages(url, params=None, **kw):
        asked = f"{url} {params}"
        if b in asked:
            b_may_go.wait(10)
        for page in real(url, params, **kw):
            yield page
            if a in asked and not changed.is_set():
                changed.set()
                server_edit(r4.fhir, "Patient", a,
                            telecom=[{"system": "phone", "value": "514-555-0142"}])
                time.sleep(2.5)  # the next answers' `Date` (whole seconds) past the overlap
                b_may_go.set()
                b_answered.wait(10)
        if b in asked:
            b_answered.set()
    ws.client.pages = pages
    opened = ws.sync.open_charts([a, b, *(r4.pid(i) for i in (3, 4, 5, 6))])
    assert changed.is_set() and len(opened) == 6
    for i in (1, 2, 3, 4, 5, 6):
        assert cached(ws, r4.pid(i)) == r4.chart(i)
    ws.client.pages = real
    changed_at = r4.fhir.get(f"Patient/{a}").json()["meta"]["lastUpdated"]
    assert parse_instant(ws.store.get_cursor(f"chart:{a}")) < parse_instant(changed_at)
    ws.sync.open_chart(a)  # online again: what changed since A's own cursor
    assert ws.store.get_resource("Patient", a)["telecom"][0]["value"] == "514-555-0142"
    server_edit(r4.fhir, "Patient", a, telecom=[{"system": "phone", "value": "514-555-0143"}])
    ws.sync.sync()
    assert ws.store.get_resource("Patient", a)["telecom"][0]["value"] == "514-555-0143"


def test_an_online_open_of_a_cached_chart_asks_only_what_changed(r4, workstation_factory):
    ws = workstation_factory(r4.base).sign_in()
    pid = r4.pid(10)
    if r4.name == "medplum":  # loaded just now: within the overlap of a cursor taken from
        time.sleep(pull.OVERLAP + 1.1)  # a `Date` (whole seconds)
    ws.sync.open_chart(pid)
    cond = first(r4, 10, "Condition")
    server_edit(r4.fhir, "Condition", cond, note=[{"text": "nouveau"}])
    assert ws.sync.open_chart(pid) == 1  # the changed resource only
    assert ws.store.get_resource("Condition", cond)["note"] == [{"text": "nouveau"}]
    assert cached(ws, pid) == r4.chart(10)


def _cut(body: bytes) -> bytes:
    """A searchset page cut to its first CUT entries, its next link dropped, its total kept
    (or told: a page without `next` and without `total` cut short cannot be told from a
    whole one)."""
    import json
    bundle = json.loads(body)
    if bundle.get("resourceType") == "Bundle" and len(bundle.get("entry") or []) > CUT:
        if not any(ln.get("relation") == "next" for ln in bundle.get("link") or ()):
            bundle.setdefault("total", len(bundle["entry"]))
        bundle["entry"] = bundle["entry"][:CUT]
        bundle["link"] = [ln for ln in bundle.get("link") or () if ln.get("relation") != "next"]
    return json.dumps(bundle).encode()


def _drop_one(body: bytes) -> bytes:
    """Every answer short of one entry, its total kept: no window ever completes."""
    import json
    bundle = json.loads(body)
    if bundle.get("resourceType") == "Bundle" and bundle.get("entry"):
        bundle["entry"] = bundle["entry"][:-1]
        bundle["link"] = [ln for ln in bundle.get("link") or () if ln.get("relation") != "next"]
        bundle["total"] = len(bundle["entry"]) + 1
    return json.dumps(bundle).encode()


def test_pages_cut_without_next_are_fetched_again_by_date_windows(
        r4, workstation_factory, fault_proxy_factory):
    """Every page cut to 5 entries (total kept, no next link): the chart is read again by
    `_lastUpdated` windows small enough for one page each, and stored whole."""
    if r4.name == "medplum":  # its batch load stamps many resources in the same millisecond
        pytest.skip("windows cannot split resources stamped in the same millisecond")
    proxy = fault_proxy_factory(r4.port)
    ws = workstation_factory(proxy.url).sign_in()
    proxy.craft("/fhir/", _cut)
    pid = r4.pid(11)
    ws.sync.open_chart(pid)
    assert cached(ws, pid) == r4.chart(11)


def test_a_chart_the_server_keeps_cutting_is_not_stored_and_the_user_is_told(
        r4, workstation_factory, fault_proxy_factory):
    proxy = fault_proxy_factory(r4.port)
    ws = workstation_factory(proxy.url).sign_in()
    ws.sync.open_chart(r4.pid(12))
    before = ws.store.cached_patient_ids()
    proxy.craft("/fhir/", _drop_one)
    for opening in (lambda: ws.sync.open_chart(r4.pid(13)),
                    lambda: ws.sync.open_charts([r4.pid(13)])):
        with pytest.raises(SyncError) as caught:
            opening()
        assert caught.value.kind is Kind.INCOMPLETE and not caught.value.transient
        assert ws.store.cached_patient_ids() == before  # nothing of it, the other one kept
    assert "only part of this record" in str(caught.value.text)  # French: the .ts (UI tests)


def test_a_missing_or_unreadable_metadata_evicts_nothing_and_rounds_finish(
        r4, workstation_factory, fault_proxy_factory):
    """/metadata unreadable or answering a searchset (the issue: rounds looped until their
    timeout); a 404 (the issue: every chart being opened was evicted) is the minimal server's
    own answer."""
    for answer in ("unreadable", "searchset"):
        proxy = fault_proxy_factory(r4.port)
        ws = workstation_factory(proxy.url, f"ws-{answer}").sign_in()
        if answer == "unreadable":
            proxy.craft("/fhir/metadata", lambda body: b"")
        else:
            proxy.craft("/fhir/metadata",
                        lambda body: b'{"resourceType":"Bundle","type":"searchset","total":0}')
        ids = [r4.pid(14), r4.pid(15)]
        assert set(ws.sync.open_charts(ids)) == set(ids)
        assert sorted(ws.store.cached_patient_ids()) == sorted(ids)
        started = time.monotonic()
        ws.sync.run_until_synced(timeout=30)
        assert time.monotonic() - started < 10  # a round, not a loop until the timeout
        assert sorted(ws.store.cached_patient_ids()) == sorted(ids)


def test_the_minimal_mode_answers_only_what_r4_requires(reference_r4):
    from tests.fixtures.r4 import r4_charts
    from tests.fixtures.sync import server_client
    chart = r4_charts()[0]
    pid = chart[0]["id"]
    observations = sum(1 for r in chart if r["resourceType"] == "Observation")
    for mode, missing in (("minimal", 404), ("reference", 200)):
        with server_client(reference_r4[mode]) as fhir:
            for path in ("metadata", "_history", f"Patient/{pid}/$everything"):
                assert fhir.get(path).status_code == missing, (mode, path)
            page = fhir.get("Observation", params={"patient": f"Patient/{pid}",
                                                   "_count": "1000"}).json()
            assert page["total"] == observations > 20
            assert len(page["entry"]) == (20 if mode == "minimal" else observations)
            assert all(ln["relation"] != "next" for ln in page["link"])
