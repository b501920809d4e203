"""Concurrent versioned updates over real HTTP, both back-ends: no lost update, no error."""

from __future__ import annotations

import threading

import httpx

from tests.integration.fhir_data import observation, patient

WRITERS, ROUNDS = 8, 12


def _writer(base: str, rid: str, done: list[int], errors: list[int]) -> None:
    with httpx.Client(base_url=f"{base}/fhir/", timeout=30) as fhir:
        for n in range(ROUNDS):
            current = fhir.get(f"Observation/{rid}")
            body = current.json()
            body["valueQuantity"]["value"] = n
            r = fhir.put(f"Observation/{rid}", json=body,
                         headers={"If-Match": current.headers["etag"]})
            if r.status_code == 200:
                done.append(1)
            elif r.status_code != 412:
                errors.append(r.status_code)


def test_no_lost_update_under_contention(fhir: httpx.Client, fhir_server: str) -> None:
    pid = fhir.post("Patient", json=patient()).json()["id"]
    rid = fhir.post("Observation", json=observation(f"Patient/{pid}")).json()["id"]
    done: list[int] = []
    errors: list[int] = []
    threads = [threading.Thread(target=_writer, args=(fhir_server, rid, done, errors))
               for _ in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = fhir.get(f"Observation/{rid}").json()["meta"]["versionId"]
    assert int(final) == 1 + len(done) and len(done) >= ROUNDS  # some writer always wins
    history = fhir.get(f"Observation/{rid}/_history", params={"_count": "1000"}).json()
    versions = [int(e["response"]["etag"][3:-1]) for e in history["entry"]]
    assert versions == list(range(int(final), 0, -1))
