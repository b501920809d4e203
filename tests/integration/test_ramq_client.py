"""The workstation's RAMQ services against the real server and a real encrypted store: a
receptionist's look-ups online, then offline from the cache (with the date of the
information), both in the access log; administrator-only forms refused on the client too."""

from __future__ import annotations

import pytest

from app.core import fhir_systems, registration
from app.core.access import AccessDenied
from app.core.account_request import AccountRequest
from app.core.data_class import DataClass
from app.core.ramq import ImportConfig
from app.ramq.service import FormRefused, NoAnswer
from tests.fixtures.ramq import good_config, good_request


def _nam(patient: dict) -> str:
    return next(i["value"] for i in patient["identifier"] if i["system"] == fhir_systems.NAM)


@pytest.fixture
def imported(ramq_server, ramq_desk):
    admin = ramq_desk(ramq_server.base, "1000010")
    admin.save_import_config(ImportConfig.from_json(good_config()), first_time=True)
    assert admin.run_import().state.value == "ok"
    return ramq_server


def test_receptionist_online_then_offline(imported, ramq_desk, fault_proxy_factory):
    port = int(imported.base.rsplit(":", 1)[1])
    proxy = fault_proxy_factory(port)
    desk = ramq_desk(proxy.url, "1000009")
    patient = next(c[0] for c in imported.charts if registration.registrations_of(c[0]))
    number = _nam(patient)
    online = desk.family_physician(number)
    assert not online.from_cache and online.answer.registered and online.answer.physician
    insured = desk.eligibility(number)
    assert not insured.from_cache
    proxy.down()
    offline = desk.family_physician(number.lower())
    assert offline.from_cache and offline.answer == online.answer
    assert offline.as_of == online.as_of
    assert desk.eligibility(number).answer == insured.answer
    other = _nam(imported.charts[-1][0])
    with pytest.raises(NoAnswer):
        desk.family_physician(other)
    entries = desk.store.access_entries()
    assert [e.action for e in entries] == ["ramq-family-physician", "ramq-eligibility",
                                           "ramq-family-physician", "ramq-eligibility"]
    assert {e.information for e in entries} == {DataClass.REGISTRATION.value}
    assert desk.store.verify_access_log().ok


def test_not_registered_is_an_answer(imported, ramq_desk):
    desk = ramq_desk(imported.base, "1000009")
    patient = next(c[0] for c in imported.charts if not registration.registrations_of(c[0]))
    assert desk.family_physician(_nam(patient)).answer.registered is False


def test_technical_support_refused_before_any_call(imported, ramq_desk):
    desk = ramq_desk(imported.base, "1000011")
    before = desk.client.requests
    with pytest.raises(AccessDenied):
        desk.family_physician(_nam(imported.charts[0][0]))
    assert desk.client.requests == before


def test_admin_forms_refused_to_a_receptionist_on_the_client(imported, ramq_desk):
    desk = ramq_desk(imported.base, "1000009")
    before = desk.client.requests
    for call in (desk.import_config, desk.run_import, desk.account_requests,
                 lambda: desk.submit_account_request(AccountRequest.from_json(good_request()))):
        with pytest.raises(FormRefused):
            call()
    assert desk.client.requests == before


def test_administrator_forms(imported, ramq_desk):
    admin = ramq_desk(imported.base, "1000010")
    view = admin.import_config()
    assert view.config["aip1_code"] == "AIPCD01" and "ce_password" not in view.config
    with pytest.raises(FormRefused) as refused:
        admin.save_import_config(ImportConfig.from_json(good_config(aip2_code="AIPFACT1")))
    assert "aip2_code" in refused.value.problems  # known only to the server: its 422
    with pytest.raises(FormRefused) as refused:
        admin.save_import_config(ImportConfig.from_json(good_config(place_of_follow_up="1")))
    assert "place_of_follow_up" in refused.value.problems
    record = admin.submit_account_request(AccountRequest.from_json(
        good_request(email="client.side@example.ca")))
    assert record.status.value == "submitted"
    assert record.id in {r.id for r in admin.account_requests()}
