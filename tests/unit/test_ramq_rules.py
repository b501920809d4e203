"""Each rule of the RAMQ import configuration (seed 000) and of account requests (seed 003),
accepted and refused — the same functions the client's forms and the server's routes call."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.core import account_request as ar
from app.core.profiles import Institution, Profession, UserProfile
from app.core.ramq import ImportConfig, ImportStatus, ImportType, config_problems
from tests.fixtures.ramq import good_config, good_request

GMF = Institution("gmf-plateau", "GMF du Plateau-Mont-Royal")
ADMIN = UserProfile("1000010", "Nathalie Fortin", Profession.ADMINISTRATOR, institutions=(GMF,),
                    primary_institution_id=GMF.id, is_administrative=True)


def _config(**changes: str) -> ImportConfig:
    return ImportConfig.from_json(good_config(**changes))


def test_good_configuration_has_no_problem():
    assert config_problems(_config()) == {}
    assert config_problems(_config(import_type="non-fmg", fmg_reference="",
                                   place_of_follow_up="61234", ce_identifier="ipcote1")) == {}


@pytest.mark.parametrize(("change", "field"), [
    ({"establishment_name": "GMF"}, "establishment_name"),
    ({"import_type": ""}, "import_type"),
    ({"fmg_reference": ""}, "fmg_reference"),
    ({"fmg_reference": "12345"}, "fmg_reference"),
    ({"fmg_reference": "2345"}, "fmg_reference"),
    ({"import_type": "non-fmg"}, "fmg_reference"),  # non-FMG keeps no FMG number
    ({"aip1_code": ""}, "aip1_code"),
    ({"aip2_code": "A-1"}, "aip2_code"),
    ({"aip2_code": "AIPCD01"}, "aip2_code"),
    ({"aip1_password": ""}, "aip1_password"),
    ({"aip2_password": ""}, "aip2_password"),
    ({"place_of_follow_up": "4321"}, "place_of_follow_up"),
    ({"place_of_follow_up": "74321"}, "place_of_follow_up"),
    ({"ce_identifier": "AB12345"}, "ce_identifier"),
    ({"ce_owner_name": "Nathalie"}, "ce_owner_name"),
    ({"ce_password": ""}, "ce_password"),
])
def test_configuration_rule_refuses(change, field):
    problems = config_problems(_config(**change))
    assert field in problems
    assert problems[field].context == "ramq" and problems[field].source


def test_aip_code_used_by_another_system_refused():
    problems = config_problems(_config(), frozenset({"AIPCD02"}))
    assert set(problems) == {"aip2_code"}


def test_passwords_never_in_public_view_and_kept_when_blank():
    config = _config()
    assert not {"aip1_password", "aip2_password", "ce_password"} & set(config.public_view())
    blank = _config(aip1_password="", aip2_password="", ce_password="")
    assert blank.with_passwords_of(config) == config
    assert config.import_type is ImportType.FMG


def test_status_round_trip():
    status = ImportStatus.from_json({"state": "credentials-expired", "credential": "ce",
                                     "since": "2026-11-01T02:00:00+00:00", "imported": 3})
    assert ImportStatus.from_json(status.to_json()) == status


def _request(**changes: object) -> ar.AccountRequest:
    return ar.AccountRequest.from_json(good_request(**changes))


def test_good_requests_accepted():
    assert ar.request_problems(_request(), ADMIN) == {}
    physician = _request(occupation="physician", lab_registrations=[], practice_number="18452")
    assert ar.request_problems(physician, ADMIN) == {}
    clerk = _request(occupation="receptionist", administrative=True, practice_number="",
                     lab_registrations=[])
    assert ar.request_problems(clerk, ADMIN) == {}


@pytest.mark.parametrize(("change", "field"), [
    ({"first_name": ""}, "name"),
    ({"last_name": " "}, "name"),
    ({"email": "annie.bolduc"}, "email"),
    ({"email": "info@gmf.ca"}, "email"),
    ({"email": "Reception@gmf.ca"}, "email"),
    ({"email": "admin@gmf.ca"}, "email"),
    ({"institutions": []}, "institutions"),
    ({"institutions": ["gmf-plateau", "clinique-cote"]}, "institutions"),  # not the requester's
    ({"primary_institution": "clinique-cote"}, "primary_institution"),
    ({"administrative": True}, "administrative"),  # a nurse may not hold an admin account
    ({"occupation": "physician", "administrative": True}, "administrative"),
    ({"practice_number": ""}, "practice_number"),
    ({"lab_registrations": []}, "lab_registrations"),
    ({"lab_registrations": [{"laboratory": "", "number": "BR-1"}]}, "lab_registrations"),
    ({"reference_account_id": ""}, "reference_account"),
    ({"billing": "GMF du Plateau"}, "billing"),
    ({"billing": "123"}, "billing"),
])
def test_request_rule_refuses(change, field):
    assert field in ar.request_problems(_request(**change), ADMIN)


def test_same_email_for_two_people_refused():
    problems = ar.request_problems(_request(), ADMIN, frozenset({"annie.bolduc@example.ca"}))
    assert "email" in problems


def test_only_authorised_administrators_request():
    clerk = replace(ADMIN, profession=Profession.RECEPTIONIST, is_administrative=False)
    assert "requester" in ar.request_problems(_request(), clerk)
    nurse = replace(ADMIN, profession=Profession.NURSE, is_administrative=False)
    assert not ar.may_request(nurse) and ar.may_request(ADMIN)


def test_three_business_days():
    assert ar.due_date(date(2026, 11, 25)) == date(2026, 11, 30)  # Wed → Mon
    assert ar.due_date(date(2026, 11, 23)) == date(2026, 11, 26)  # Mon → Thu
