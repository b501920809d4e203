"""Every AuditEvent ClinicDesk builds — the workstation's access-log entries (each action, with
and without a patient, a break-the-glass reason) and the server's own records (each
interaction, with and without a query and a client address; the QHR's) — is valid
R4(B) FHIR and follows IHE BALP (tests.fixtures.balp)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.core import balp
from app.store.access_log import Entry
from app.sync.audit import ACTION, audit_event, event_id
from app.sync.audit_check import essentials
from server.identity.audit import SUBTYPES, Access
from server.identity.audit import audit_event as server_event
from tests.fixtures.balp import assert_balp

HASH = "ab" * 32


def entry(action: str, patient: str | None = "p-1", reason: str | None = None) -> Entry:
    return Entry(seq=1, at="2026-12-07T02:00:00.000+00:00", username="1000001",
                 patient_id=patient, information="notes", action=action,
                 workstation="POSTE-3", reason=reason, prev_hash="0" * 64, hash=HASH)


@pytest.mark.parametrize("action", sorted(ACTION))
def test_workstation_events_follow_balp(action):
    event = audit_event(entry(action), "https://central.example")
    assert_balp(event)
    user = next(a for a in event["agent"] if a["requestor"])
    assert user["who"]["identifier"]["value"] == "1000001"
    data = next(e for e in event["entity"] if e["role"]["code"] == "4")
    assert data["what"]["identifier"]["value"] == HASH
    assert data["detail"] == [{"type": "data-classes", "valueString": "notes"}]
    assert event["outcome"] == ("4" if action == "denied" else "0")


def test_workstation_event_without_patient_and_with_a_reason():
    assert_balp(audit_event(entry("search", patient=None)), patient=False)
    glass = audit_event(entry("break-glass", reason="urgence"))
    assert_balp(glass)
    assert glass["purposeOfEvent"][0]["text"] == "urgence"


def test_event_ids_are_fhir_ids_and_one_per_entry():
    import re
    ident = event_id(entry("read"))
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", ident)
    assert ident == event_id(entry("update")) != event_id(replace(entry("read"), hash="cd" * 32))


def test_an_entry_pushed_in_the_old_shape_still_compares_equal():
    """Entries pushed before BALP (DICOM 110110, data class as the entity type) are still
    recognised by `audit verify` (app.sync.audit_check.essentials)."""
    old = {"resourceType": "AuditEvent", "action": "R", "recorded": entry("read").at,
           "outcome": "0",
           "type": {"system": balp.DCM, "code": "110110"},
           "agent": [{"who": {"identifier": {"system": "urn:clinicdesk:username",
                                             "value": "1000001"}}, "requestor": True}],
           "entity": [{"what": {"reference": "Patient/p-1"}, "role": {"code": "1"}},
                      {"what": {"identifier": {"system": "urn:clinicdesk:access-log-hash",
                                               "value": HASH}},
                       "type": {"system": "urn:clinicdesk:data-class", "code": "notes"}}]}
    assert essentials(old) == essentials(audit_event(entry("read")))


@pytest.mark.parametrize("action", sorted(SUBTYPES))
@pytest.mark.parametrize(("query", "address"), [(None, None), ("patient=p-1", "10.0.0.7")])
def test_server_events_follow_balp(action, query, address):
    read = action in ("read", "vread")
    access = Access("1000001", "Dre Test", "p-1", action, {"notes", "labs"},
                    query=query, address=address,
                    resource="Observation/o-1/_history/2" if read else None)
    event = server_event(access, datetime.now(UTC))
    assert_balp(event, data=query is not None or read)
    assert [e["what"]["reference"] for e in event["entity"] if e["role"]["code"] == "4"] == \
        (["Observation/o-1/_history/2"] if read else [])
    clients = [a for a in event["agent"] if a["type"]["coding"][0]["code"] == "110153"]
    assert [a["network"]["address"] for a in clients] == ([address] if address else [])


def test_qhr_events_follow_balp():
    from server.qhr.audit import event
    qhr = event(Access("1000001", "Dre Test", "", "search", {"qhr:labs"}), "key-1",
                "TREM12345678")
    assert_balp(qhr, data=False)
