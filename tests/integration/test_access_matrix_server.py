"""The access matrix (tests/access_matrix.py) against the reference server over real HTTP: the
same verdicts as the client policy. Allowed ↔ 2xx, denied ↔ 403; a denied case is retried with a
break-the-glass reason, which must open it exactly when the matrix says the user may break the
glass. REGISTRATION (a Patient extension) and QHR (never stored) have no resource type of their
own on the server; every other class is read and written through its resource type.

Also the regression test of a privilege escalation: writing an Encounter that names oneself as
participant never makes anyone the patient's physician.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import pytest

from app.core.data_class import DataClass
from app.core.profiles import Profession
from server.authz import BREAK_GLASS_HEADER
from tests import access_matrix as m
from tests.fixtures.access import MATRIX_RESOURCES, class_resource, patient_resource, read_path
from tests.fixtures.server import BACKENDS

REASON = quote("Patient inconscient à l'urgence, allergies inconnues")
FHIR_JSON = "application/fhir+json"
SERVED = [c for c in m.cases() if c.data_class in MATRIX_RESOURCES]


def _patient_write(case: m.Case) -> bool:
    return case.action == "write" and case.data_class == DataClass.DEMOGRAPHICS


def _request(client: httpx.Client, tokens: dict[str, str], case: m.Case, glass: bool) -> int:
    headers = {"Authorization": f"Bearer {tokens[m.username(case.kind, case.relation)]}"}
    if glass:
        headers[BREAK_GLASS_HEADER] = REASON
    if case.action == "read":
        return client.get(read_path(case.data_class, case.consent), headers=headers).status_code
    pid = m.patient_id(case.consent)
    if case.data_class == DataClass.DEMOGRAPHICS:  # an update: If-Match the current version
        own = tokens[m.username(Profession.PHYSICIAN, "own")]
        current = client.get(f"Patient/{pid}", headers={"Authorization": f"Bearer {own}"})
        headers["If-Match"] = current.headers["ETag"]
        return client.put(f"Patient/{pid}", json=patient_resource(pid),
                          headers=headers).status_code
    body = class_resource(case.data_class, pid, author=m.username(case.kind, case.relation))
    return client.post(MATRIX_RESOURCES[case.data_class], json=body,
                       headers=headers).status_code


def _verdict(client: httpx.Client, tokens: dict[str, str], case: m.Case) -> list[str]:
    """What the server got wrong on this case (empty when it agrees with the matrix)."""
    status = _request(client, tokens, case, glass=False)
    wrong = []
    if case.allowed != (200 <= status < 300) or (not case.allowed and status != 403):
        wrong.append(f"{case.id}: {status}")
    if not case.allowed:
        glass = _request(client, tokens, case, glass=True)
        if case.can_break_glass != (200 <= glass < 300) or (
                not case.can_break_glass and glass != 403):
            wrong.append(f"{case.id} break-the-glass: {glass}")
    return wrong


@pytest.mark.parametrize("backend", BACKENDS)
def test_server_gives_the_matrix_verdicts(matrix_servers, backend):
    matrix_server, matrix_tokens = matrix_servers(backend)
    start = time.monotonic()
    with httpx.Client(base_url=f"{matrix_server}/fhir/", timeout=60,
                      headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON},
                      limits=httpx.Limits(max_connections=8)) as client, \
            ThreadPoolExecutor(6) as pool:
        # Updates of the one Patient per consent state run in turn (If-Match would race).
        results = [_verdict(client, matrix_tokens, c) for c in SERVED if _patient_write(c)]
        results += pool.map(lambda c: _verdict(client, matrix_tokens, c),
                            [c for c in SERVED if not _patient_write(c)])
    wrong = [w for r in results for w in r]
    elapsed = time.monotonic() - start
    kinds = {c.kind for c in SERVED}
    requests = len(SERVED) + sum(not c.allowed for c in SERVED)
    print(f"server matrix ({backend}): {len(SERVED)} cases, {requests} requests, "
          f"{len(wrong)} wrong, {elapsed:.1f} s")
    assert kinds == set(Profession) and len(SERVED) == 30 * 4 * len(MATRIX_RESOURCES) * 2
    assert wrong == []


@pytest.mark.parametrize("kind", [Profession.PHYSICIAN, Profession.NURSE])
def test_naming_oneself_in_an_encounter_grants_nothing(matrix_server, matrix_tokens, kind):
    """An unrelated professional cannot become a patient's physician by writing an Encounter
    naming themselves, nor through an Encounter someone else wrote naming them."""
    attacker = m.username(kind, "none")
    own = m.username(Profession.PHYSICIAN, "own")
    pid = m.patient_id("open")
    with httpx.Client(base_url=f"{matrix_server}/fhir/", timeout=30,
                      headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}) as client:
        def as_(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {matrix_tokens[user]}"}

        labs = read_path(DataClass.LABS, "open")
        assert client.get(labs, headers=as_(attacker)).status_code == 403
        forged = class_resource(DataClass.NOTES, pid, author=attacker)
        assert client.post("Encounter", json=forged, headers=as_(attacker)).status_code == 403
        # The patient's own physician records a visit the attacker took part in.
        assert client.post("Encounter", json=forged, headers=as_(own)).status_code == 201
        for data_class in (DataClass.LABS, DataClass.NOTES, DataClass.PROBLEMS):
            path = read_path(data_class, "open")
            assert client.get(path, headers=as_(attacker)).status_code == 403, data_class
        found = client.get("Observation", params={"patient": pid}, headers=as_(attacker))
        assert found.status_code == 200 and found.json().get("entry", []) == []


def test_no_professional_changes_who_the_patients_physicians_are(matrix_server, matrix_tokens):
    """Naming oneself (or one's mandator) the patient's physician through a Patient update is
    refused; the front desk records the registration."""
    pid = m.patient_id("open")
    labs = read_path(DataClass.LABS, "open")
    with httpx.Client(base_url=f"{matrix_server}/fhir/", timeout=30,
                      headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}) as client:
        def put(user: str, practitioners: list[str]) -> int:
            auth = {"Authorization": f"Bearer {matrix_tokens[user]}"}
            etag = client.get(f"Patient/{pid}", headers=auth).headers["ETag"]
            body = patient_resource(pid)
            body["generalPractitioner"] += [{"reference": f"Practitioner/user-{u}"}
                                            for u in practitioners]
            return client.put(f"Patient/{pid}", json=body,
                              headers=auth | {"If-Match": etag}).status_code

        attacks = {m.username(Profession.PHYSICIAN, "none"): [m.username(Profession.PHYSICIAN,
                                                                          "none")],
                   m.username(Profession.RESIDENT, "none"): [m.OTHER_PHYSICIAN]}
        for attacker, named in attacks.items():
            assert put(attacker, named) == 403, attacker
            auth = {"Authorization": f"Bearer {matrix_tokens[attacker]}"}
            assert client.get(labs, headers=auth).status_code == 403, attacker
        receptionist = m.username(Profession.RECEPTIONIST, "none")
        assert put(receptionist, ["2999999"]) == 200  # the front desk records a registration
        assert put(receptionist, []) == 200  # and puts it back for the other tests
        assert put(m.username(Profession.PHYSICIAN, "own"), []) == 200  # unchanged: allowed
