"""Narrow unit tests of what the reference server extracts and parses (no server, no database)."""

from __future__ import annotations

import pytest

from server.fhir import search
from server.fhir.errors import FhirError
from server.storage import index


def test_normalise_strips_accents_and_case() -> None:
    assert index.normalise(" Hélène ") == "helene"
    assert index.normalise("CÔTÉ-Bélanger") == "cote belanger"  # hyphens are spaces in names


def test_tokens_of_a_patient() -> None:
    rows = index.tokens("Patient", {"identifier": [{"system": "s", "value": "V"}],
                                    "name": [{"family": "Côté", "given": ["Éric", "Jean"]}],
                                    "birthDate": "1970-01-02"})
    assert rows == [("identifier", "s", "V"), ("family", "", "cote"), ("given", "", "eric"),
                    ("given", "", "jean"), ("birthdate", "", "1970-01-02")]


def test_search_criteria_parsing() -> None:
    c = search.criteria("Patient", [("family", "Côté"), ("birthdate", "ge1970-01-01"),
                                    ("_count", "5000")], 100, 1000)
    assert c.count == 1000
    assert [(x.name, x.values, x.prefix) for x in c.clauses] == [
        ("family", ("cote",), "eq"), ("birthdate", ("1970-01-01",), "ge")]
    obs = search.criteria("Observation", [("subject", "Patient/a,Patient/b")], 100, 1000)
    assert obs.clauses[0].values == ("a", "b")
    with pytest.raises(FhirError) as refused:
        search.criteria("Observation", [("name", "x")], 100, 1000)
    assert refused.value.status == 400
    assert search.instant("2026-01-02T03:04:05Z", "_since") == "2026-01-02T03:04:05.000000+00:00"
