"""A Consent denying one named physician ("deny THIS person": a relative working at the clinic),
end to end on the real reference server and a real SQLCipher store: the named physician is
refused by the server and by the client's store read, the patient's physician reads the chart.

The patient is created for this test (the matrix patients stay as the other tests expect them):
by the front desk, with the matrix patient's physicians; the named physician holds a
physician–physician mandate from the patient's physician, so only the Consent stops them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import quote

import httpx

from app.central.client import ClientConfig, FhirClient
from app.core import fhir_systems, nam
from app.core.consent import CLINICAL, consent_resource
from app.core.data_class import DataClass
from app.core.profiles import Profession, practitioner_reference, profile_from_json
from app.store import Store
from app.store.authorised import authorised_chart, chart_context
from app.sync.engine import SyncEngine
from app.sync.store_cache import StoreCache
from server.authz import BREAK_GLASS_HEADER
from tests import access_matrix as m
from tests.fixtures.access import (
    CONSENT_REASON,
    MATRIX_PASSWORD,
    class_resource,
    patient_resource,
)
from tests.fixtures.server import FHIR_JSON
from tests.fixtures.store import FAST_KDF

DOCTOR = m.username(Profession.PHYSICIAN, "own")  # one of the patient's physicians
RELATIVE = m.username(Profession.PHYSICIAN, "mandate")  # named in the patient's deny
FRONT_DESK = m.username(Profession.RECEPTIONIST, "own")
REASON = "Patient inconscient à l'urgence, médecin traitant absent"
PRCP = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "PRCP"}]}


def _seed(http: httpx.Client, tokens: dict[str, str]) -> tuple[str, str]:
    """The patient (id) and their Condition (id), with a Consent denying RELATIVE."""
    def as_(user: str) -> dict:
        return {"Authorization": f"Bearer {tokens[user]}"}

    patient = patient_resource("new") | {"name": [{"family": "Acteur", "given": ["Alice"]}]}
    patient["identifier"] = [{"system": fhir_systems.NAM,
                              "value": nam.build("Acteur", "Alice", date(1971, 5, 6), "F", "1")}]
    del patient["id"]
    made = http.post("Patient", json=patient, headers=as_(FRONT_DESK))
    assert made.status_code == 201, made.status_code
    pid = made.json()["id"]
    condition = http.post("Condition", json=class_resource(DataClass.PROBLEMS, pid),
                          headers=as_(DOCTOR))
    assert condition.status_code == 201, condition.status_code
    assert http.post("Encounter", json=class_resource(DataClass.NOTES, pid),
                     headers=as_(DOCTOR)).status_code == 201
    deny = {"type": "deny", "actor": [{"role": PRCP, "reference": {
        "reference": practitioner_reference(RELATIVE)}}]}
    assert http.post("Consent", json=consent_resource(f"Patient/{pid}", deny),
                     headers=as_(DOCTOR) | CONSENT_REASON).status_code == 201
    return pid, condition.json()["id"]


def _chart_as(base: str, tmp_path: Path, user: str, pid: str,
              planted: list[dict] | None = None) -> tuple[dict, list[dict], frozenset]:
    """(authorised chart, rows the server sent, classes the cached consent blocks for user)
    through a real sign-in, chart pull and store read; `planted`: rows put in the cache before
    the read (as if cached before the Consent, then read offline)."""
    store = Store.create(user, MATRIX_PASSWORD, path=tmp_path / f"{user}.db", kdf=FAST_KDF)
    client = FhirClient(ClientConfig(server_url=base, username=user))
    try:
        client.sign_in(MATRIX_PASSWORD)
        SyncEngine(client, StoreCache(store)).open_chart(pid)
        profile = profile_from_json(client.me())
        pulled = store._list_resources(pid)
        store.put_resources(planted or [])
        blocked = chart_context(store, pid).consent.blocked_for(profile.reference, date.today())
        return authorised_chart(store, profile, pid), pulled, blocked
    finally:
        client.close()
        store.close()


def test_a_physician_named_in_a_deny_is_refused_while_the_patients_physician_reads(
        matrix_server, matrix_tokens, tmp_path):
    with httpx.Client(base_url=f"{matrix_server}/fhir/", timeout=30,
                      headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}) as http:
        pid, condition = _seed(http, matrix_tokens)
        for user, status in ((RELATIVE, 403), (DOCTOR, 200)):
            auth = {"Authorization": f"Bearer {matrix_tokens[user]}"}
            assert http.get(f"Condition/{condition}", headers=auth).status_code == status, user
            assert http.get(f"Patient/{pid}", headers=auth).status_code == 200, user
            found = http.get("Condition", params={"patient": pid}, headers=auth).json()
            assert len(found.get("entry", [])) == (status == 200), user
        glass = {"Authorization": f"Bearer {matrix_tokens[RELATIVE]}",
                 BREAK_GLASS_HEADER: quote(REASON)}
        assert http.get(f"Condition/{condition}", headers=glass).status_code == 200

    chart, rows, blocked = _chart_as(matrix_server, tmp_path, DOCTOR, pid)
    clinical = {DataClass.PROBLEMS, DataClass.NOTES}
    assert not blocked and {"Condition", "Encounter"} <= {r["resourceType"] for r in rows}
    assert all(chart[c].decision.allowed and chart[c].resources for c in clinical)

    chart, pulled, blocked = _chart_as(matrix_server, tmp_path, RELATIVE, pid, planted=rows)
    assert blocked == CLINICAL  # the cached Consent names them: the client honours it
    assert "Consent" in {r["resourceType"] for r in pulled}
    assert not {r["resourceType"] for r in pulled} & {"Condition", "Encounter"}  # server
    for c in clinical:  # refused from the cache too, though the rows are there
        assert not chart[c].decision.allowed and chart[c].resources == [], c
        assert chart[c].decision.can_break_glass
        assert "refused access" in chart[c].decision.reasons[0].source
    assert chart[DataClass.DEMOGRAPHICS].decision.allowed


def test_the_physician_a_deny_names_cannot_lift_it_another_professional_can(
        matrix_server, matrix_tokens):
    with httpx.Client(base_url=f"{matrix_server}/fhir/", timeout=30,
                      headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}) as http:
        pid, condition = _seed(http, matrix_tokens)
        relative = {"Authorization": f"Bearer {matrix_tokens[RELATIVE]}"}
        doctor = {"Authorization": f"Bearer {matrix_tokens[DOCTOR]}"}
        (entry,) = http.get("Consent", params={"patient": pid}, headers=doctor).json()["entry"]
        consent = entry["resource"]
        url = f"Consent/{consent['id']}"
        version = {"If-Match": f'W/"{consent["meta"]["versionId"]}"'}
        withdrawn = consent | {"status": "inactive"}
        moved = consent | {"patient": {"reference": f"Patient/{m.patient_id('open')}"}}
        refused = relative | version | CONSENT_REASON
        for attempt in (http.put(url, json=withdrawn, headers=refused),
                        http.put(url, json=moved, headers=refused),
                        http.delete(url, headers=refused)):
            assert attempt.status_code == 403, attempt.request.method
        assert http.get(f"Condition/{condition}", headers=relative).status_code == 403

        assert http.put(url, json=withdrawn, headers=doctor | version).status_code == 400
        assert http.put(url, json=withdrawn,
                        headers=doctor | version | CONSENT_REASON).status_code == 200
        assert http.get(f"Condition/{condition}", headers=relative).status_code == 200
