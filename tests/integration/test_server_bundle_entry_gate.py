"""Issue 15: every entry of a batch or transaction decided as the request alone, with its own
patient's contexts, whatever the other entries name and in whatever order they come.

Each account of the attack matrix (tests/access_matrix.py kinds × relations) sends Bundles
whose entries concern three patients: the clinic's open chart, the consent-restricted chart
(notes and medications behind break the glass) and another clinic's patient. Each rotation of
the three puts a different one first (what the account may read first, or what it may not),
with and without the break-the-glass header. The entries: read, vread, search by patient and
by `_id`, `$everything`, conditional create matching the seeded resource (batch and
transaction), and the forbidden writes (PUT moving the subject, PUT, DELETE, a Consent, an
AuditEvent attributed to another). Expectations come from the matrix table, entry by entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.core import fhir_systems, nam
from app.core.data_class import DataClass
from app.core.fhir import patient_of
from server.authz import BREAK_GLASS_HEADER
from server.seed.load import bulk_create
from server.storage import open_store
from tests import access_matrix as m
from tests.fixtures.access import (
    CONSENT_REASON,
    MATRIX_RESOURCES,
    class_resource,
    patient_resource,
    token_for,
)
from tests.integration.test_server_attack_matrix import (
    CONSENT_CODES,
    FHIR_JSON,
    KINDS_OF_CLASS,
    OTHER_CLINIC_PATIENT,
    REASON,
    TARGETS,
    USERS,
    User,
    allowed_resource,
    breaks_glass,
    cares_for,
    may,
    ref,
    resources_in,
    rid,
    seed_attack,
    seeded,
    stored_state,
)

PATIENTS = [pid for pid, _ in TARGETS.values()]  # open, restricted, other clinic
ROTATIONS = [PATIENTS[n:] + PATIENTS[:n] for n in range(len(PATIENTS))]
CONSENT_PATIENT = "bundle-consent"  # written to by the consent test only
REFUSED = frozenset({403, 422})


@dataclass
class Entry:
    """One Bundle entry and what its answer may be."""

    name: str
    entry: dict
    pid: str
    expect_found: frozenset[str] = frozenset()  # positive control: in the entry's answer
    forbidden_write: bool = False  # refused (`refused_with`), nothing stored
    refused_with: frozenset[int] = REFUSED  # by the gate; 400: not supported at all
    returns: str | None = None  # conditional create: "match" (200, the seeded id), "new" (201)
    headers: dict = field(default_factory=dict)


def get(url: str) -> dict:
    return {"request": {"method": "GET", "url": url}}


def bundle(kind: str, entries: list[dict]) -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def conditional(pid: str, data_class: DataClass) -> dict:
    """A conditional create whose criteria match the seeded resource of this class."""
    body = seeded(pid, data_class)
    del body["id"]
    ident = body["identifier"][0]
    return {"resource": body, "request": {
        "method": "POST", "url": MATRIX_RESOURCES[data_class],
        "ifNoneExist": f"identifier={quote(ident['system'])}|{quote(ident['value'])}"}}


def outcome_of_create(user: User, pid: str, data_class: DataClass, glass: bool) -> str | None:
    """What a conditional create matching the seeded resource answers, decided as the create
    alone (the write first): refused (None) if the account may not write it, else the match
    if readable, else a new resource. A new Patient is decided by the role and the
    institutions its body names (the other clinic's: refused)."""
    if data_class == DataClass.DEMOGRAPHICS:
        writes = pid != OTHER_CLINIC_PATIENT and may(user.kind, user.relation, PATIENTS[0],
                                                     data_class, "write")
    else:
        writes = may(user.kind, user.relation, pid, data_class, "write", glass=glass)
    if not writes:
        return None
    return "match" if may(user.kind, user.relation, pid, data_class, glass=glass) else "new"


def read_entries(user: User, pid: str, glass: bool) -> Iterator[Entry]:
    for data_class in KINDS_OF_CLASS:
        rtype = MATRIX_RESOURCES[data_class]
        target = ref(data_class, pid)
        found = frozenset({target}) if may(user.kind, user.relation, pid, data_class,
                                           glass=glass) else frozenset()
        by = f"_id={pid}" if rtype == "Patient" else f"patient={pid}"
        for name, url in (("read", target), ("vread", f"{target}/_history/1"),
                          ("search", f"{rtype}?{by}"),
                          ("search by _id", f"{rtype}?_id={rid(pid, data_class)}")):
            yield Entry(name, get(url), pid, expect_found=found)
        yield Entry("conditional create", conditional(pid, data_class), pid,
                    returns=outcome_of_create(user, pid, data_class, glass))
    yield Entry("$everything", get(f"Patient/{pid}/$everything"), pid,
                expect_found=frozenset(ref(c, pid) for c in MATRIX_RESOURCES
                                       if may(user.kind, user.relation, pid, c, glass=glass)))


def write_entries(user: User, pid: str, glass: bool) -> Iterator[Entry]:
    """Writes the matrix forbids this account on this patient, glass or not (none that it
    allows: they would change what the other entries read)."""
    elsewhere = next(p for p in PATIENTS if p != pid)
    for data_class in KINDS_OF_CLASS:
        rtype = MATRIX_RESOURCES[data_class]
        target = ref(data_class, pid)
        body = seeded(pid, data_class)
        if rtype != "Patient":
            moved = class_resource(data_class, elsewhere) | {"id": body["id"],
                                                            "identifier": body["identifier"]}
            yield Entry("PUT moving", {"resource": moved, "request": {
                "method": "PUT", "url": target, "ifMatch": 'W/"1"'}}, pid, forbidden_write=True)
        forbidden = not may(user.kind, user.relation, pid, data_class, "write", glass=glass)
        if forbidden:
            yield Entry("PUT", {"resource": body, "request": {
                "method": "PUT", "url": target, "ifMatch": 'W/"1"'}}, pid, forbidden_write=True)
        if rtype == "Patient" or forbidden:
            yield Entry("DELETE", {"request": {"method": "DELETE", "url": target}}, pid,
                        forbidden_write=True)
        if data_class == DataClass.LABS:  # conditional update and delete: not supported
            criteria = f"{rtype}?_id={body['id']}"
            yield Entry("conditional PUT", {"resource": body, "request": {
                "method": "PUT", "url": criteria}}, pid, forbidden_write=True,
                refused_with=frozenset({400}))
            yield Entry("conditional DELETE", {"request": {"method": "DELETE", "url": criteria}},
                        pid, forbidden_write=True, refused_with=frozenset({400}))
    if not cares_for(user.kind, user.relation, pid):
        consent = {"resourceType": "Consent", "status": "active",
                   "patient": {"reference": f"Patient/{pid}"}, "provision": {"type": "deny"},
                   **CONSENT_CODES}
        yield Entry("Consent create", {"resource": consent, "request": {
            "method": "POST", "url": "Consent"}}, pid, forbidden_write=True)
    event = {"resourceType": "AuditEvent", "recorded": "2026-11-01T10:00:00+00:00",
             "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                      "code": "rest"}, "source": {"observer": {"display": "poste 12"}},
             "agent": [{"who": {"identifier": {"system": fhir_systems.USERNAME,
                                               "value": m.PATIENT_PHYSICIAN}},
                        "requestor": True}],
             "entity": [{"what": {"reference": f"Patient/{pid}"}}]}
    yield Entry("AuditEvent attributed to another", {"resource": event, "request": {
        "method": "POST", "url": "AuditEvent"}}, pid, forbidden_write=True)


def entry_wrong(user: User, entry: Entry, answer: dict, glass: bool) -> list[str]:
    status = int(str(answer["response"]["status"])[:3])
    label = f"{entry.name} {entry.entry['request']['method']} {entry.entry['request']['url']}"
    wrong = []
    if status >= 500:
        wrong.append(f"{label}: {status}")
    if entry.forbidden_write and status not in entry.refused_with:
        wrong.append(f"{label}: forbidden write answered {status}")
    found, patients = set(), set()
    for resource in resources_in(answer.get("resource")):
        why = allowed_resource(user, resource, glass)
        if why:
            wrong.append(f"{label}: {why}")
        found.add(f"{resource['resourceType']}/{resource.get('id')}")
        owner = patient_of(resource, resource["resourceType"])
        if owner and resource["resourceType"] != "AuditEvent":
            patients.add(owner)
    if patients - {entry.pid}:
        wrong.append(f"{label}: data of another patient than the entry's")
    if entry.expect_found - found:
        wrong.append(f"{label}: allowed resource missing ({status})")
    if entry.returns == "match" and (status != 200 or not found & {
            f"{entry.entry['request']['url']}/{rid(entry.pid, c)}" for c in KINDS_OF_CLASS}):
        wrong.append(f"{label}: readable match not returned ({status})")
    if entry.returns == "new" and status != 201:
        wrong.append(f"{label}: expected a new resource, got {status}")
    if entry.returns is None and "ifNoneExist" in entry.entry["request"] and status not in REFUSED:
        wrong.append(f"{label}: refused conditional create answered {status}")
    return wrong


def batch_wrong(client: httpx.Client, user: User, order: list[str], glass: bool) -> list[str]:
    """One batch: the read entries then the forbidden writes of each patient, in this order."""
    entries = [e for pid in order for e in read_entries(user, pid, glass)]
    entries += [e for pid in order for e in write_entries(user, pid, glass)]
    headers = {"Authorization": f"Bearer {user.token}", **CONSENT_REASON}
    if glass:
        headers[BREAK_GLASS_HEADER] = REASON
    response = client.post("", json=bundle("batch", [e.entry for e in entries]),
                           headers=headers)
    label = f"{user.username} ({user.kind} {user.relation}) batch {'/'.join(order)}" \
            f"{' +glass' if glass else ''}"
    if response.status_code != 200:
        return [f"{label}: {response.status_code}"]
    answers = response.json()["entry"]
    return [f"{label}: {w}" for e, a in zip(entries, answers, strict=True)
            for w in entry_wrong(user, e, a, glass)]


def transaction_wrong(client: httpx.Client, user: User, order: list[str],
                      glass: bool) -> list[str]:
    """Transactions across the three patients: the conditional creates the account may make
    (each answered with the readable match, or a new resource), all in one, answered entry by
    entry; then each forbidden entry of the first patient put before them, and each of the
    last patient's after them: the whole transaction refused, nothing stored."""
    entries = [e for pid in order for e in read_entries(user, pid, glass)
               if "ifNoneExist" in e.entry["request"]]
    allowed = [e for e in entries if e.returns]
    headers = {"Authorization": f"Bearer {user.token}", **CONSENT_REASON}
    if glass:
        headers[BREAK_GLASS_HEADER] = REASON
    label = f"{user.username} ({user.kind} {user.relation}) transaction {'/'.join(order)}" \
            f"{' +glass' if glass else ''}"
    wrong = []
    if allowed:
        response = client.post("", json=bundle("transaction", [e.entry for e in allowed]),
                               headers=headers)
        if response.status_code != 200:
            wrong.append(f"{label}: every entry allowed, answered {response.status_code}")
        else:
            wrong += [f"{label}: {w}" for e, a in zip(allowed, response.json()["entry"],
                                                       strict=True)
                      for w in entry_wrong(user, e, a, glass)]

    def forbidden(pid: str) -> list[Entry]:
        reads = [e for e in entries if e.pid == pid and not e.returns]
        writes = [e for e in write_entries(user, pid, glass)
                  if e.entry["request"]["url"] != "AuditEvent"]  # refused before any decision
        return reads + writes
    tries = [([f], allowed) for f in forbidden(order[0])] + \
        [(allowed, [f]) for f in forbidden(order[-1])]
    for before, after in tries:
        sent = [*before, *after]
        culprit = next(e for e in sent if e not in allowed)
        response = client.post("", json=bundle("transaction", [e.entry for e in sent]),
                               headers=headers)
        body = response.json()
        if response.status_code not in culprit.refused_with | REFUSED or \
                body.get("resourceType") != "OperationOutcome":
            where = "first" if before and before[0] is culprit else "last"
            wrong.append(f"{label}: forbidden {culprit.name} {culprit.entry['request']['url']} "
                         f"of {culprit.pid} ({where}) answered {response.status_code}")
    return wrong


def seed(data_dir: Path, database_url: str | None) -> None:
    seed_attack(data_dir, database_url)
    store = open_store(data_dir, database_url)
    try:
        nam_of = nam.build("Matrice", "Marie", date(1960, 2, 3), "F", "8")  # none other's
        bulk_create(store, [patient_resource(CONSENT_PATIENT) | {"identifier": [
                                {"system": fhir_systems.NAM, "value": nam_of}]},
                            class_resource(DataClass.NOTES, CONSENT_PATIENT) | {
                                "id": f"{CONSENT_PATIENT}-notes"}])
    finally:
        store.close()


@pytest.fixture(scope="module")
def entry_server(server_factory: Callable[..., str]) -> tuple[str, Path, list[User]]:
    where: list[Path] = []

    def setup(data_dir: Path, url: str | None) -> None:
        where.append(data_dir)
        seed(data_dir, url)
    base = server_factory("sqlite", auth=True, setup=setup, key="bundle-entry-gate")
    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(lambda u: token_for(base, m.username(*u)), USERS))
    return base, where[0], [User(k, r, t) for (k, r), t in zip(USERS, tokens, strict=True)]


def _client(base: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base}/fhir/", timeout=120,
                        headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON},
                        limits=httpx.Limits(max_connections=4))


@pytest.mark.parametrize("kind", ["batch", "transaction"])
def test_each_entry_is_decided_with_its_own_patients_contexts(entry_server, kind):
    base, data_dir, users = entry_server
    before = stored_state(data_dir)
    decide = batch_wrong if kind == "batch" else transaction_wrong
    work = [(u, order, glass) for u in users for order in ROTATIONS
            for glass in (False, True) if not glass or breaks_glass(u)]
    start = time.monotonic()
    with _client(base) as client, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda w: decide(client, *w), work))
    wrong = sorted({w for r in results for w in r})
    after = stored_state(data_dir)
    changed = sorted(k for k in before if after.get(k) != before[k])
    print(f"{kind} entries: {len(work)} Bundles, {len(wrong)} wrong, {len(changed)} stored "
          f"resources changed, {time.monotonic() - start:.1f} s")
    for line in wrong[:40]:
        print(" ", line)
    assert changed == []
    assert wrong == []
    assert {o[0] for _, o, _ in work} == set(PATIENTS)  # each patient comes first somewhere
    assert any(o[0] == OTHER_CLINIC_PATIENT for _, o, _ in work)


def test_a_consent_an_entry_writes_applies_to_the_entries_after_it(entry_server):
    """The patient's physician, in one batch: reads the visit notes, records a Consent that
    restricts them, reads them again (refused now: break the glass), withdraws the Consent,
    reads them (allowed again). Each entry on what is stored when it runs, never on what an
    earlier entry of the Bundle read."""
    base, _, users = entry_server
    doctor = next(u for u in users if (u.kind.value, u.relation) == ("physician", "own"))
    headers = {"Authorization": f"Bearer {doctor.token}", **CONSENT_REASON}
    notes = f"Encounter/{CONSENT_PATIENT}-notes"
    consent = {"resourceType": "Consent", "status": "active",
               "patient": {"reference": f"Patient/{CONSENT_PATIENT}"},
               "provision": {"type": "permit", "provision": [{"type": "deny", "class": [
                   {"system": m.DATA_CLASS_SYSTEM, "code": DataClass.NOTES.value}]}]},
               **CONSENT_CODES}
    reads = [get(notes), get(f"Encounter?patient={CONSENT_PATIENT}"),
             get(f"Patient/{CONSENT_PATIENT}/$everything")]

    def shown(answer: dict) -> bool:
        return notes in {f"{r['resourceType']}/{r.get('id')}"
                         for r in resources_in(answer.get("resource"))}
    with _client(base) as client:
        made = client.post("", headers=headers, json=bundle("batch", [
            *reads, {"resource": consent, "request": {"method": "POST", "url": "Consent"}},
            *reads]))
        assert made.status_code == 200, made.text
        answers = made.json()["entry"]
        assert answers[3]["response"]["status"].startswith("201"), answers[3]
        assert [shown(a) for a in answers] == [True] * 3 + [False] + [False] * 3
        assert answers[4]["response"]["status"].startswith("403")
        recorded = answers[3]["resource"]
        withdrawn = client.post("", headers=headers, json=bundle("batch", [
            *reads, {"resource": {**recorded, "status": "inactive"}, "request": {
                "method": "PUT", "url": f"Consent/{recorded['id']}", "ifMatch": 'W/"1"'}},
            *reads]))
        assert withdrawn.status_code == 200, withdrawn.text
        answers = withdrawn.json()["entry"]
        assert answers[3]["response"]["status"].startswith("200"), answers[3]
        assert [shown(a) for a in answers] == [False] * 3 + [False] + [True] * 3


VARIANTS = (  # the spellings of a read a batch entry may use; {pid}: the patient, {labs}: its
    # lab result's id. None of them may answer what the plain read refuses.
    "Observation/{labs}", "/Observation/{labs}", "Observation//{labs}", "Observation/{labs}/",
    "{base}/Observation/{labs}", "Observation/{labs}?_format=json",
    "Observation/{labs}/_history/1", "Observation/{labs}/_history", "Observation/_history",
    "Observation?patient={pid}", "Observation?patient={pid}&patient={pid}",
    "Observation?patient={pid}&_format=json", "Observation?subject=Patient/{pid}",
    "Observation?patient=" + PATIENTS[0] + ",{pid}", "Observation?_id={labs}",
    "Observation?patient={pid}&_include=Observation:subject",
    "Patient?_id={pid}&_revinclude=Observation:subject", "Observation?patient={pid}&_summary=true",
    "Observation?patient={pid}&_elements=id", "observation/{labs}", "OBSERVATION?patient={pid}",
    "Observation/{labs_encoded}", "Patient/{pid}/%24everything", "Patient/{pid}/$EVERYTHING",
    "Patient/{pid}/$everything?_since=2000-01-01T00:00:00Z", "Observation/_search?patient={pid}",
    "Patient/_history", "_history?_since=2000-01-01T00:00:00Z",
)


@pytest.mark.parametrize("who", [("physician", "none"), ("pharmacist", "none"),
                                 ("extern", "mandate"), ("technical_support", "own")])
def test_url_spellings_in_a_batch_answer_nothing_the_plain_read_refuses(entry_server, who):
    """Another clinic's patient's lab result (no account here may read it) and the clinic's
    open chart (read where the matrix allows: the positive control), through every spelling
    of the read a batch entry may use: nothing forbidden, no other patient, never a 500."""
    base, _, users = entry_server
    user = next(u for u in users if (u.kind.value, u.relation) == who)
    wrong = []
    with _client(base) as client:
        for pid in (OTHER_CLINIC_PATIENT, PATIENTS[0]):
            labs = rid(pid, DataClass.LABS)
            urls = [v.format(pid=pid, labs=labs, base=f"{base}/fhir",
                             labs_encoded=quote(labs).replace("-", "%2D")) for v in VARIANTS]
            response = client.post("", json=bundle("batch", [get(u) for u in urls]),
                                   headers={"Authorization": f"Bearer {user.token}"})
            assert response.status_code == 200, response.text
            found = set()
            for url, answer in zip(urls, response.json()["entry"], strict=True):
                status = int(answer["response"]["status"][:3])
                if status >= 500:
                    wrong.append(f"{url}: {status}")
                for resource in resources_in(answer.get("resource")):
                    why = allowed_resource(user, resource, False)
                    if why:
                        wrong.append(f"{url}: {why}")
                    owner = patient_of(resource, resource["resourceType"])
                    # (the listed ids name the open chart too)
                    if owner not in (None, pid, PATIENTS[0]) and \
                            resource["resourceType"] != "AuditEvent":
                        wrong.append(f"{url}: another patient's data")
                    found.add(f"{resource['resourceType']}/{resource.get('id')}")
            if pid == PATIENTS[0] and may(user.kind, user.relation, pid, DataClass.LABS):
                assert f"Observation/{labs}" in found
    assert wrong == []
