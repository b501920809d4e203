"""Responses are encoded by orjson with stored texts spliced in (server.fhir.respond.encode);
what orjson refuses and JSON allows goes through the standard encoder, so the client gets its
data back whatever it stored: an integer beyond 64 bits (a decimal given as a long integer)
in a read (a parsed resource) and in a search Bundle (the stored text)."""

from __future__ import annotations

import json

from server.fhir.respond import RawJson, encode

BIG = 2**70 + 1


def test_a_resource_with_an_integer_beyond_64_bits_reads_and_searches_back(fhir):
    observation = {"resourceType": "Observation", "status": "final",
                   "code": {"text": "count"}, "valueQuantity": {"value": BIG}}
    created = fhir.post("Observation", content=json.dumps(observation))
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    read = fhir.get(f"Observation/{rid}")
    assert read.status_code == 200 and read.json()["valueQuantity"]["value"] == BIG
    found = fhir.get("Observation", params={"_id": rid})
    assert found.status_code == 200
    assert found.json()["entry"][0]["resource"]["valueQuantity"]["value"] == BIG


def test_stored_texts_are_spliced_as_they_are_and_the_fallback_gives_the_same_json():
    stored = '{"resourceType":"Patient","id":"p","name":[{"family":"Lévesque"}]}'
    body = {"resourceType": "Bundle", "entry": [{"resource": RawJson(stored)}]}
    out = encode(body)
    assert stored.encode() in out  # verbatim, UTF-8, not re-encoded
    assert json.loads(out)["entry"][0]["resource"]["name"][0]["family"] == "Lévesque"
    slow = encode({**body, "total": BIG})  # orjson refuses it: the standard encoder
    assert json.loads(slow) == {**json.loads(out), "total": BIG}
