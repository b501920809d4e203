"""server.fhir.validate remembers the elements of valid resources: a resource, valid or not, is
judged exactly as without that memory (same answer, same error, same place)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.sync import audit
from server.fhir import validate as v
from server.fhir.errors import FhirError


def _audit_event(patient: str = "p1", digest: str = "ab" * 32) -> dict:
    entry = SimpleNamespace(action="read", information="chart", hash=digest,
                            at=datetime(2026, 12, 7, tzinfo=UTC).isoformat(),
                            username="dr-x", workstation="ws-1", patient_id=patient, reason=None)
    return {**audit.audit_event(entry, "http://server"), "id": audit.event_id(entry)}


SAMPLES = [
    _audit_event(),
    {"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
     "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003"}],
              "text": "note"},
     "contained": [{"resourceType": "Practitioner", "id": "a",
                    "name": [{"family": "X", "given": ["Y"]}]}]},
    {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
     "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
     "valueQuantity": {"value": 5.4, "unit": "mmol/L"}},
]
JUNK = ["", "x y", "2020-13-45", 12, 1.5, True, None, [], {}, [None], {"bogus": 1},
        {"reference": "Patient/p2"}, {"system": "s", "code": "c"}, [{"text": "t"}],
        # elements of the samples, valid where they are, moved elsewhere
        SAMPLES[0]["type"], SAMPLES[0]["agent"][1], SAMPLES[0]["source"], SAMPLES[1]["code"],
        SAMPLES[1]["contained"], SAMPLES[2]["valueQuantity"], SAMPLES[0]["entity"]]


def _outcome(resource: dict) -> tuple:
    """validate()'s answer as a comparable value: the resource, or the error it raises."""
    try:
        return ("valid", v.validate(copy.deepcopy(resource), resource["resourceType"]))
    except FhirError as error:
        return ("refused", error.status, error.diagnostics, error.issues)


def _cold(resource: dict) -> tuple:
    v._known.clear()
    return _outcome(resource)


def _warm(resource: dict) -> tuple:
    v._known.clear()
    for sample in SAMPLES:
        v.validate(copy.deepcopy(sample), sample["resourceType"])
    assert v._known
    return _outcome(resource)


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    out = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "resourceType":
                out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            out += _paths(value, (*path, n))
    return out


def _changed(resource: dict, path: tuple, value: object, drop: bool) -> dict:
    out = copy.deepcopy(resource)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return out


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_changed_resource_is_judged_as_without_memory(data: st.DataObject) -> None:
    """Any one element of a valid resource replaced (or removed): the same answer whether the
    elements of valid resources were remembered before or not."""
    sample = data.draw(st.sampled_from(SAMPLES))
    path = data.draw(st.sampled_from(_paths(sample)))
    drop = data.draw(st.booleans())
    value = data.draw(st.sampled_from(JUNK))
    changed = _changed(sample, path, value, drop)
    assert _warm(changed) == _cold(changed)


@pytest.mark.parametrize("changes", [
    {"recorded": "yesterday"},  # the rest, agents and source, remembered from a valid one
    {"entity": [{"what": {"reference": "Patient/p1"}, "bogus": True}]},
    {"agent": [{"requestor": "maybe"}]},
    {"subtype": SAMPLES[0]["type"]},  # a valid Coding, remembered, where a list is expected
    {"type": [SAMPLES[0]["type"]]},  # and in a list where one is expected
])
def test_an_invalid_audit_event_beside_remembered_parts_is_refused(changes: dict) -> None:
    bad = {**_audit_event(patient="p2"), **changes}
    cold = _cold(bad)
    assert cold[0] == "refused" and _warm(bad) == cold


def test_valid_resources_are_remembered_and_the_memory_is_bounded() -> None:
    v._known.clear()
    v.validate(_audit_event(), "AuditEvent")
    agents = len(v._known)
    v.validate(_audit_event(patient="p2", digest="cd" * 32), "AuditEvent")
    assert agents > 0 and len(v._known) < 2 * agents  # the agents and source: once
    for n in range(v.MAX_KNOWN // 4):
        v.validate(_audit_event(patient=f"p{n}", digest=f"{n:064x}"), "AuditEvent")
    assert len(v._known) <= v.MAX_KNOWN + 20
