"""`_history` (system, type, instance) and `Patient/$everything` over real HTTP, both back-ends."""

from __future__ import annotations

import httpx

from tests.integration.fhir_data import condition, observation, patient


def _post(fhir: httpx.Client, body: dict) -> dict:
    r = fhir.post(body["resourceType"], json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _pages(fhir: httpx.Client, url: str, params: dict | None = None) -> list[dict]:
    pages = [fhir.get(url, params=params).json()]
    while nxt := next((x["url"] for x in pages[-1]["link"] if x["relation"] == "next"), None):
        pages.append(fhir.get(nxt).json())
    return pages


def test_history_with_updates_and_deletions(fhir: httpx.Client) -> None:
    pid = _post(fhir, patient())["id"]
    obs = _post(fhir, observation(f"Patient/{pid}"))
    since = obs["meta"]["lastUpdated"]
    url = f"Observation/{obs['id']}"
    fhir.put(url, json={**obs, "status": "amended"}, headers={"If-Match": 'W/"1"'})
    assert fhir.delete(url).status_code == 204
    pages = _pages(fhir, "Observation/_history", {"_since": since, "_count": "2"})
    entries = [e for page in pages for e in page["entry"]]
    mine = [e for e in entries if e["fullUrl"].endswith(url)]
    assert [e["request"]["method"] for e in mine] == ["DELETE", "PUT", "POST"]  # newest first
    assert "resource" not in mine[0] and mine[0]["response"]["etag"] == 'W/"3"'
    assert mine[1]["resource"]["status"] == "amended"
    assert mine[2]["response"]["status"] == "201 Created"
    assert all(page["type"] == "history" for page in pages) and len(pages) >= 2
    assert all(e["fullUrl"].split("/fhir/")[1].startswith("Observation/") for e in entries)
    instance = fhir.get(f"{url}/_history").json()
    assert [e["request"]["method"] for e in instance["entry"]] == ["DELETE", "PUT", "POST"]


def test_system_history_since_and_paging(fhir: httpx.Client) -> None:
    first = _post(fhir, patient())
    made = [first["id"], *(_post(fhir, condition(f"Patient/{first['id']}"))["id"]
                           for _ in range(4))]
    pages = _pages(fhir, "_history", {"_since": first["meta"]["lastUpdated"], "_count": "2"})
    ids = [e["resource"]["id"] for page in pages for e in page["entry"] if "resource" in e]
    assert set(made) <= set(ids) and len(ids) == len(set(ids))  # no entry twice across pages
    assert ids.index(made[-1]) < ids.index(made[0])
    later = fhir.get("_history", params={"_since": "2999-01-01T00:00:00Z"}).json()
    assert later["entry"] == [] and later["meta"]["lastUpdated"]
    assert fhir.get("_history", params={"_since": "yesterday"}).status_code == 400
    assert fhir.get("_history", params={"patient": "x"}).status_code == 400


def test_everything_with_since_and_paging(fhir: httpx.Client) -> None:
    p = _post(fhir, patient())
    pid, ref = p["id"], f"Patient/{p['id']}"
    old = [_post(fhir, observation(ref))["id"] for _ in range(3)]
    other = _post(fhir, patient())
    _post(fhir, observation(f"Patient/{other['id']}"))
    cond = _post(fhir, condition(ref))
    gone = _post(fhir, observation(ref))
    fhir.delete(f"Observation/{gone['id']}")
    audit = _post(fhir, {
        "resourceType": "AuditEvent", "recorded": "2026-01-01T00:00:00Z",
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110"},
        "agent": [{"requestor": True, "who": {"display": "Dre Test"}}],
        "source": {"observer": {"display": "ClinicDesk"}},
        "entity": [{"what": {"reference": ref}}]})
    pages = _pages(fhir, f"Patient/{pid}/$everything", {"_count": "2"})
    ids = {e["resource"]["id"] for page in pages for e in page["entry"]}
    assert ids == {pid, *old, cond["id"]} and len(pages) == 3  # no AuditEvent: not the chart
    by_patient = fhir.get("AuditEvent", params={"patient": pid}).json()
    assert [e["resource"]["id"] for e in by_patient["entry"]] == [audit["id"]]
    recent = fhir.get(f"Patient/{pid}/$everything",
                      params={"_since": cond["meta"]["lastUpdated"]}).json()
    assert {e["resource"]["id"] for e in recent["entry"]} == {cond["id"]}
    assert fhir.get("Patient/no-such/$everything").status_code == 404


def test_everything_of_a_deleted_patient_is_gone_though_its_chart_remains(
        fhir: httpx.Client) -> None:
    """The Patient comes with the chart's one statement: deleted, 410, even though the chart's
    other resources are still there (and with a cursor or `_since` that leaves it off the
    page)."""
    pid = _post(fhir, patient())["id"]
    _post(fhir, observation(f"Patient/{pid}"))
    assert fhir.delete(f"Patient/{pid}").status_code == 204
    for params in ({}, {"_count": "1", "_cursor": "1"}, {"_since": "2000-01-01T00:00:00Z"}):
        assert fhir.get(f"Patient/{pid}/$everything", params=params).status_code == 410
