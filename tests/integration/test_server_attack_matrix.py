"""The attack matrix of issue 15: every role (tests/access_matrix.py kinds, each in the three
relationships) × every target (the patient they care for or someone else's in the clinic, a
consent-restricted patient, another clinic's patient) × every path that reads, lists or
writes, on the real server over loopback with auth on.

What must hold for each request (`check`):
- no resource in the answer is one the caller may not read: its (patient, class) is allowed to
  the caller by the matrix (tests/access_matrix.py, written by hand from docs/domain.md), with break
  the glass only where the matrix lets that user break it;
- the answer holds the data of no patient the request does not name, except the documented
  lists (a workstation's system `_history` of the patients the user cares for, the day's
  appointments of one's own clinic, the audit trail for administrators);
- every forbidden write is refused, and at the end the stored data is unchanged (read from the
  database itself).
The expectations come from the matrix table, not from the server's policy code. A positive
control (allowed reads do return their resources) keeps the checks from passing vacuously.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.core import fhir_systems
from app.core.data_class import DataClass
from app.core.fhir import patient_of
from app.core.profiles import Profession
from server.authz import BREAK_GLASS_HEADER
from server.identity.accounts import add_account
from server.seed.load import bulk_create
from server.storage import open_store
from tests import access_matrix as m
from tests.fixtures.access import (
    CONSENT_REASON,
    MATRIX_PASSWORD,
    MATRIX_RESOURCES,
    class_resource,
    consent_resources,
    patient_resource,
    token_for,
)

FHIR_JSON = "application/fhir+json"
ATTACK = "urn:clinicdesk:attack-matrix"  # identifier system of every seeded resource
OTHER_CLINIC_PATIENT = "attack-other-clinic"
OTHER_CLINIC_PHYSICIAN = "2000003"
OTHER_ORG = "Organization/other-clinic"
DAY = "2026-11-02"  # the seeded appointments' day
REASON = quote("Patient inconscient à l'urgence, allergies inconnues")
# target → (patient id, consent state); the relationship to it depends on the user
TARGETS = {"clinic": (m.patient_id("open"), "open"),
           "restricted": (m.patient_id("restricted"), "restricted"),
           "other-clinic": (OTHER_CLINIC_PATIENT, "open")}
CLASS_OF_TYPE = {rtype: c for c, rtype in MATRIX_RESOURCES.items()}
# The classes the policy tells apart, one of each kind: administrative; clinical blocked by the
# restricted consent, read without a relationship by a pharmacist; clinical blocked by it;
# clinical not blocked by it. Direct read, search, $everything and writes take every class; the
# other paths (vread, histories, POST _search, Bundles, conditional creates) these four.
KINDS_OF_CLASS = (DataClass.DEMOGRAPHICS, DataClass.MEDICATIONS, DataClass.NOTES,
                  DataClass.LABS)
USERS = [(k, r) for k in Profession for r in m.RELATIONS]
CONSENT_CODES = {  # what a Consent needs to validate (R4)
    "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                          "code": "patient-privacy"}]},
    "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}]}


def rid(pid: str, data_class: DataClass) -> str:
    return pid if data_class == DataClass.DEMOGRAPHICS else f"{pid}-{data_class.value}"


def ref(data_class: DataClass, pid: str) -> str:
    return f"{MATRIX_RESOURCES[data_class]}/{rid(pid, data_class)}"


def seeded(pid: str, data_class: DataClass) -> dict:
    """The stored resource of this class of this patient, with an identifier to match on."""
    if data_class == DataClass.DEMOGRAPHICS:
        body = patient_resource(pid)
        if pid == OTHER_CLINIC_PATIENT:
            body["generalPractitioner"] = [
                {"reference": f"Practitioner/user-{OTHER_CLINIC_PHYSICIAN}"},
                {"reference": OTHER_ORG}]
        return body
    body = class_resource(data_class, pid) | {"id": rid(pid, data_class)}
    if data_class == DataClass.APPOINTMENTS:  # on the clinic's day list
        clinic = "other-clinic" if pid == OTHER_CLINIC_PATIENT else m.CLINIC.id
        body = body | {"start": f"{DAY}T14:00:00+00:00", "end": f"{DAY}T14:20:00+00:00",
                       "participant": [*body["participant"], {
                           "actor": {"reference": f"Location/{clinic}"},
                           "status": "accepted"}]}
    return body | {"identifier": [{"system": ATTACK, "value": body["id"]}]}


def seed_attack(data_dir: Path, database_url: str | None) -> None:
    store = open_store(data_dir, database_url)
    try:
        for kind, relation in USERS:
            add_account(store, m.profile(kind, relation), MATRIX_PASSWORD)
        resources = []
        for pid, consent in TARGETS.values():
            resources += [seeded(pid, c) for c in MATRIX_RESOURCES]
            if pid != OTHER_CLINIC_PATIENT:
                resources += consent_resources(consent)
        bulk_create(store, resources)
    finally:
        store.close()


def stored_state(data_dir: Path) -> dict[tuple[str, str], tuple[int, bool]]:
    """(type, id) → (version, deleted) of every resource but the audit trail, from the
    database itself."""
    store = open_store(data_dir, None)
    try:
        with store.read() as tx:
            rows = tx.conn.execute("SELECT rtype, rid, version, deleted FROM resource_current "
                                   "WHERE rtype <> 'AuditEvent'").fetchall()
    finally:
        store.close()
    return {(r[0], r[1]): (int(r[2]), bool(r[3])) for r in rows}


# -- what each user may see ---------------------------------------------------------------------
def relation_to(kind: Profession, relation: str, pid: str) -> str:
    """The user's relationship to this patient: the matrix accounts care for the clinic's
    patients as their relation says; nobody at the matrix clinic cares for the other clinic's."""
    return "none" if pid == OTHER_CLINIC_PATIENT else relation


def consent_of(pid: str) -> str:
    return next(c for p, c in TARGETS.values() if p == pid)


ROWS = {(c.kind, c.relation, c.consent, c.data_class, c.action): c for c in m.cases()}


def may(kind: Profession, relation: str, pid: str, data_class: DataClass, action: str = "read",
        glass: bool = False) -> bool:
    case = ROWS[(kind, relation_to(kind, relation, pid), consent_of(pid), data_class, action)]
    return case.allowed or (glass and case.can_break_glass)


def cares_for(kind: Profession, relation: str, pid: str) -> bool:
    """Own patient or clinical mandate: the own/mandate rows that open the chart (a
    secretarial mandate, or a nurse "own" who is no physician, gives no care relationship)."""
    rel = relation_to(kind, relation, pid)
    return rel != "none" and ROWS[(kind, rel, "open", DataClass.PROBLEMS, "read")].allowed


# -- requests -----------------------------------------------------------------------------------
@dataclass
class Probe:
    """One request and what its answer may hold."""

    name: str
    method: str
    path: str
    json: dict | None = None
    params: dict | None = None
    data: dict | None = None
    headers: dict = field(default_factory=dict)
    names: frozenset[str] = frozenset()  # patients the request names
    also: frozenset[str] = frozenset()  # patients a documented list may add
    forbidden_write: bool = False  # must be refused (and change nothing)
    refused_with: frozenset[int] = frozenset({403, 422})  # by the gate, not by validation
    expect_found: frozenset[str] = frozenset()  # positive control: these must be in the answer


@dataclass
class User:
    kind: Profession
    relation: str
    token: str

    @property
    def username(self) -> str:
        return m.username(self.kind, self.relation)


def resources_in(body: object) -> Iterator[dict]:
    """Every resource an answer carries (the body, Bundle entries, nested Bundles)."""
    if isinstance(body, dict):
        if body.get("resourceType") and body.get("resourceType") != "OperationOutcome":
            yield body
        for entry in body.get("entry") or ():
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                yield from resources_in(entry["resource"])


def transaction(kind: str, *entries: dict) -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def read_probes(user: User, pid: str, glass: bool) -> Iterator[Probe]:
    names = frozenset({pid})
    for data_class, rtype in MATRIX_RESOURCES.items():
        target = ref(data_class, pid)
        allowed = may(user.kind, user.relation, pid, data_class, glass=glass)
        control = frozenset({target}) if allowed else frozenset()
        by = {"_id": pid} if rtype == "Patient" else {"patient": pid}
        yield Probe("read", "GET", target, names=names, expect_found=control)
        yield Probe("search", "GET", rtype, params=by, names=names, expect_found=control)
        if data_class not in KINDS_OF_CLASS or (glass and not breaks_glass(user)):
            continue
        yield Probe("instance history", "GET", f"{target}/_history", names=names,
                    expect_found=control)
        yield Probe("batch GET", "POST", "", json=transaction("batch", *(
            {"request": {"method": "GET", "url": url}} for url in (
                target, f"{target}/_history/1", f"{rtype}?{next(iter(by))}={pid}",
                f"{rtype}?_id={rid(pid, data_class)}", f"Patient/{pid}/$everything"))),
            names=names, expect_found=control)
        body = seeded(pid, data_class)
        body.pop("id")
        ident = body["identifier"][0]
        criteria = f"identifier={quote(ident['system'])}|{quote(ident['value'])}"
        entry = {"resource": body, "request": {"method": "POST", "url": rtype,
                                               "ifNoneExist": criteria}}
        yield Probe("transaction conditional create", "POST", "",
                    json=transaction("transaction", entry), names=names)
        if glass:
            continue
        yield Probe("vread", "GET", f"{target}/_history/1", names=names, expect_found=control)
        yield Probe("POST _search", "POST", f"{rtype}/_search", data=by, names=names,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    expect_found=control)
        yield Probe("search by _id", "GET", rtype, params={"_id": rid(pid, data_class)},
                    names=names, expect_found=control)
        yield Probe("batch conditional create", "POST", "", json=transaction("batch", entry),
                    names=names)
        yield Probe("If-None-Exist", "POST", rtype, json=body,
                    headers={"If-None-Exist": criteria}, names=names)
        by_id = {**entry, "request": {**entry["request"],
                                      "ifNoneExist": f"_id={rid(pid, data_class)}"}}
        yield Probe("transaction conditional create by _id", "POST", "",
                    json=transaction("transaction", by_id), names=names)
        # The original attack: a body about another patient, criteria naming this one's.
        elsewhere = {**entry, "resource": class_resource(data_class, m.patient_id("open"))
                     if rtype != "Patient" else body}
        yield Probe("transaction conditional create, body elsewhere", "POST", "",
                    json=transaction("transaction", elsewhere),
                    names=names | {m.patient_id("open")})
    yield Probe("$everything", "GET", f"Patient/{pid}/$everything", names=names,
                expect_found=frozenset(ref(c, pid) for c in MATRIX_RESOURCES
                                       if may(user.kind, user.relation, pid, c, glass=glass)))


def listing_probes(user: User) -> Iterator[Probe]:
    """Requests that name no patient: none may answer with patient data, but for the lists
    the issue keeps."""
    # the physicians' own accounts and every mandatee of the patient's physician (clinical or
    # secretarial) work with the clinic's matrix patients; nobody with the other clinic's
    works_with = frozenset(pid for pid, _ in TARGETS.values()
                           if relation_to(user.kind, user.relation, pid) != "none")
    clinical = ("Observation", "MedicationRequest", "Condition", "Encounter",
                "AllergyIntolerance", "DocumentReference", "Appointment", "Consent",
                "AuditEvent")
    gets: list[tuple[str, dict]] = [
        ("Patient", {"family": "Matrice", "birthdate": "ge1800-01-01"}),
        ("Patient", {"family": "matrice,tremblay", "birthdate": "1960-02-03"}),
        ("Patient", {"family": "Matr", "birthdate": "1960-02-03"}),
        ("Patient", {"identifier": f"{fhir_systems.NAM}|"}),
        ("Patient", {"given": "Marie"}),
        ("Patient", {"_lastUpdated": "ge2000-01-01"}),
        ("Patient/_history", {}), ("_history", {}),
        *((t, {}) for t in clinical),
        *((t, {"_lastUpdated": "ge2000-01-01"}) for t in clinical),
        *((f"{t}/_history", {}) for t in clinical),
        ("Observation", {"identifier": f"{ATTACK}|{m.patient_id('open')}-labs"}),
        ("Appointment", {"date": "ge2000-01-01", "actor": f"Location/{m.CLINIC.id}"}),
        ("Appointment", {"date": DAY, "actor": "Location/other-clinic"}),
        ("Appointment", {"date": DAY}),
    ]
    for path, params in gets:
        yield Probe(f"list {path}", "GET", path, params=params)
        if path == "Patient" or (path == "Observation" and not params):
            yield Probe(f"list POST {path}/_search", "POST", f"{path}/_search", data=params,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    yield Probe("list in a batch", "POST", "", json=transaction("batch", *(
        {"request": {"method": "GET", "url": path + ("?" + "&".join(
            f"{k}={v}" for k, v in params.items()) if params else "")}}
        for path, params in gets if path != "_history" and "/_history" not in path)))
    # The workstation's sync stream: reference data and the patients the user cares for.
    yield Probe("system history since", "GET", "_history",
                params={"_since": "2000-01-01T00:00:00Z"}, also=works_with)
    # The day's appointments of one's own clinic: its patients' appointments, nothing more.
    clinic = frozenset(pid for pid, _ in TARGETS.values() if pid != OTHER_CLINIC_PATIENT)
    yield Probe("the clinic's day", "GET", "Appointment",
                params={"date": DAY, "actor": f"Location/{m.CLINIC.id}"}, also=clinic,
                expect_found=frozenset() if user.kind == Profession.TECHNICAL_SUPPORT else
                frozenset(ref(DataClass.APPOINTMENTS, p) for p in clinic))
    if user.kind == Profession.ADMINISTRATOR:  # the audit review: AuditEvents, no chart data
        yield Probe("audit review", "GET", "AuditEvent", params={"_count": "50"},
                    also=frozenset(pid for pid, _ in TARGETS.values()))


def write_probes(user: User, pid: str) -> Iterator[Probe]:
    """Writes the matrix forbids this user on this patient (allowed ones are not sent: they
    would change the data the other probes read)."""
    names = frozenset({pid})
    elsewhere = m.patient_id("open") if pid != m.patient_id("open") else OTHER_CLINIC_PATIENT
    for data_class, rtype in MATRIX_RESOURCES.items():
        target = ref(data_class, pid)
        body = seeded(pid, data_class)
        etag = {"If-Match": 'W/"1"'}
        if rtype != "Patient" and data_class in KINDS_OF_CLASS:  # never changes patient
            moved = class_resource(data_class, elsewhere) | {"id": body["id"],
                                                            "identifier": body["identifier"]}
            yield Probe("PUT moving to another patient", "PUT", target, json=moved,
                        headers=etag, names=names | {elsewhere}, forbidden_write=True)
            yield Probe("transaction PUT moving", "POST", "", json=transaction(
                "transaction", {"resource": moved, "request": {
                    "method": "PUT", "url": target, "ifMatch": 'W/"1"'}}),
                names=names | {elsewhere}, forbidden_write=True)
        if rtype == "Patient" or not may(user.kind, user.relation, pid, data_class, "write"):
            yield Probe("DELETE", "DELETE", target, names=names, forbidden_write=True)
        if (rtype == "Patient" or not may(user.kind, user.relation, pid, data_class, "write")) \
                and data_class in KINDS_OF_CLASS:
            yield Probe("transaction DELETE", "POST", "", json=transaction(
                "transaction", {"request": {"method": "DELETE", "url": target}}),
                names=names, forbidden_write=True)
            yield Probe("batch DELETE", "POST", "", json=transaction(
                "batch", {"request": {"method": "DELETE", "url": target}}),
                names=names, forbidden_write=True)
        if not may(user.kind, user.relation, pid, data_class, "write"):
            yield Probe("PUT", "PUT", target, json=body, headers=etag, names=names,
                        forbidden_write=True)
        if not may(user.kind, user.relation, pid, data_class, "write") and \
                data_class in KINDS_OF_CLASS:
            yield Probe("transaction PUT", "POST", "", json=transaction("transaction", {
                "resource": body, "request": {"method": "PUT", "url": target,
                                              "ifMatch": 'W/"1"'}}),
                names=names, forbidden_write=True)
        if data_class == DataClass.LABS and not may(user.kind, user.relation, pid,
                                                    DataClass.LABS, "write"):
            # an update is decided on the stored version too: a lab result rewritten as a
            # visit observation (NOTES, which an extern under mandate writes) is still a lab
            # result one may not change
            visit = {**body, "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs"}]}]}
            yield Probe("PUT changing the class", "PUT", target, json=visit, headers=etag,
                        names=names, forbidden_write=True)
        if data_class != DataClass.LABS or pid != m.patient_id("open"):
            continue
        # Conditional update and delete are not supported: refused, nothing matched.
        criteria = f"{rtype}?_id={body['id']}"
        unsupported = frozenset({400, 405})
        yield Probe("conditional PUT", "PUT", criteria, json=body, names=names,
                    forbidden_write=True, refused_with=unsupported)
        yield Probe("conditional DELETE", "DELETE", criteria, names=names, forbidden_write=True,
                    refused_with=unsupported)
        yield Probe("transaction conditional DELETE", "POST", "", json=transaction(
            "transaction", {"request": {"method": "DELETE", "url": criteria}}),
            names=names, forbidden_write=True, refused_with=unsupported)
    if not cares_for(user.kind, user.relation, pid):
        consent = {"resourceType": "Consent", "status": "active",
                   "patient": {"reference": f"Patient/{pid}"},
                   "provision": {"type": "deny"}, **CONSENT_CODES}
        # with a reason: refused by the care-relationship rule, not for want of one
        yield Probe("Consent create", "POST", "Consent", json=consent, names=names,
                    headers=CONSENT_REASON, forbidden_write=True)
        yield Probe("Consent create in a transaction", "POST", "", json=transaction(
            "transaction", {"resource": consent, "request": {"method": "POST",
                                                             "url": "Consent"}}),
            names=names, headers=CONSENT_REASON, forbidden_write=True)
        if pid != OTHER_CLINIC_PATIENT:
            cid = consent_resources(consent_of(pid))[0]["id"] if consent_of(pid) != "open" \
                else None
            if cid:
                lifted = {**consent_resources(consent_of(pid))[0], "status": "inactive",
                          **CONSENT_CODES}
                yield Probe("Consent withdrawn", "PUT", f"Consent/{cid}", json=lifted,
                            headers={"If-Match": 'W/"1"'} | CONSENT_REASON, names=names,
                            forbidden_write=True)
                yield Probe("Consent deleted", "DELETE", f"Consent/{cid}", names=names,
                            headers=CONSENT_REASON, forbidden_write=True)
                yield Probe("Consent deleted in a transaction", "POST", "", json=transaction(
                    "transaction", {"request": {"method": "DELETE", "url": f"Consent/{cid}"}}),
                    names=names, headers=CONSENT_REASON, forbidden_write=True)
    if pid == OTHER_CLINIC_PATIENT:  # administrative writes stay in one's institutions
        moved = seeded(pid, DataClass.DEMOGRAPHICS)
        moved["generalPractitioner"] = [{"reference": "Organization/matrix-clinic"}]
        yield Probe("Patient of another clinic re-registered", "PUT", f"Patient/{pid}",
                    json=moved, headers={"If-Match": 'W/"1"'}, names=names,
                    forbidden_write=True)
        registered = {k: v for k, v in seeded(pid, DataClass.DEMOGRAPHICS).items() if k != "id"}
        yield Probe("Patient created in another clinic", "POST", "Patient", json=registered,
                    forbidden_write=True)
    event = {"resourceType": "AuditEvent", "recorded": "2026-11-01T10:00:00+00:00",
             "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                      "code": "rest"}, "source": {"observer": {"display": "poste 12"}},
             "entity": [{"what": {"reference": f"Patient/{pid}"}}]}
    other = m.PATIENT_PHYSICIAN

    def agent(username: str) -> dict:
        return {"who": {"identifier": {"system": fhir_systems.USERNAME, "value": username}},
                "requestor": True}
    yield Probe("AuditEvent attributed to another", "POST", "AuditEvent",
                json=event | {"agent": [agent(other)]}, names=names, forbidden_write=True)
    yield Probe("AuditEvent with a co-agent", "POST", "", json=transaction("batch", {
        "resource": event | {"agent": [agent(user.username), agent(other)]},
        "request": {"method": "POST", "url": "AuditEvent"}}), names=names,
        forbidden_write=True)
    disguised = {"type": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM",
                                      "code": "110153"}]}, "requestor": False,
                 "who": {"reference": f"Practitioner/{other}"}}
    yield Probe("AuditEvent with a person as its client agent", "POST", "AuditEvent",
                json=event | {"agent": [agent(user.username), disguised]}, names=names,
                forbidden_write=True)
    rid = str(uuid.uuid4())
    yield Probe("AuditEvent created by PUT attributed to another", "PUT", f"AuditEvent/{rid}",
                json=event | {"id": rid, "agent": [agent(other)]}, names=names,
                forbidden_write=True)


def breaks_glass(user: User) -> bool:
    return any(c.can_break_glass for c in m.cases()
               if (c.kind, c.relation) == (user.kind, user.relation))


def targets(user: User) -> list[tuple[str, str]]:
    """The clinic's two patients for every account; the other clinic's for one account of
    each kind (no account at the matrix clinic has any relationship with that patient, so the
    three relations of a kind are the same case there)."""
    return [(pid, consent) for pid, consent in TARGETS.values()
            if pid != OTHER_CLINIC_PATIENT or user.relation == "own"]


def probes(user: User, part: str) -> Iterator[tuple[Probe, bool]]:
    """The probes of one part of the matrix: one target patient, or the lists."""
    if part == "lists":
        for probe in listing_probes(user):
            yield probe, False
        return
    for pid, consent in targets(user):
        if pid != TARGETS[part][0]:
            continue
        for probe in read_probes(user, pid, glass=False):
            yield probe, False
        if consent != "open":
            for probe in read_probes(user, pid, glass=True):
                yield probe, True
        for probe in write_probes(user, pid):
            yield probe, False


# -- checks -------------------------------------------------------------------------------------
def allowed_resource(user: User, resource: dict, glass: bool) -> str | None:
    """Why this resource must not be in an answer to this user (None: it may)."""
    rtype = resource.get("resourceType")
    pid = patient_of(resource, rtype) if rtype else None
    if rtype == "AuditEvent":
        agents = {ident.get("value") for a in resource.get("agent") or ()
                  if (ident := (a.get("who") or {}).get("identifier") or {}).get("system")
                  == fhir_systems.USERNAME}  # client and server agents name devices
        if user.kind != Profession.ADMINISTRATOR and agents != {user.username}:
            return "another user's audit event"
        return None
    if rtype not in CLASS_OF_TYPE or pid is None:
        return None  # reference data, Consent (read by every signed-in user)
    if pid not in {p for p, _ in TARGETS.values()}:
        return f"{rtype} of an unknown patient"
    if may(user.kind, user.relation, pid, CLASS_OF_TYPE[rtype], glass=glass):
        return None
    return f"forbidden {CLASS_OF_TYPE[rtype]} of {pid}"


def check(client: httpx.Client, user: User, probe: Probe, glass: bool) -> list[str]:
    headers = {"Authorization": f"Bearer {user.token}", **probe.headers}
    if glass:
        headers[BREAK_GLASS_HEADER] = REASON
    response = client.request(probe.method, probe.path, params=probe.params, json=probe.json,
                              data=probe.data, headers=headers)
    label = f"{user.username} ({user.kind} {user.relation}) {probe.name} {probe.method} " \
            f"{probe.path}{' +glass' if glass else ''}"
    wrong = []
    if response.status_code >= 500:
        wrong.append(f"{label}: {response.status_code}")
    body = response.json() if response.content else None
    if probe.forbidden_write:
        entries = body.get("entry") if isinstance(body, dict) and body.get(
            "resourceType") == "Bundle" else None
        statuses = [int(str(e["response"]["status"])[:3]) for e in entries] \
            if entries else [response.status_code]
        if any(s not in probe.refused_with for s in statuses):
            wrong.append(f"{label}: forbidden write answered {statuses}")
    found: set[str] = set()
    patients: set[str] = set()
    for resource in resources_in(body):
        why = allowed_resource(user, resource, glass)
        if why:
            wrong.append(f"{label}: {why}")
        rtype = resource["resourceType"]
        found.add(f"{rtype}/{resource.get('id')}")
        pid = patient_of(resource, rtype)
        if pid and rtype != "AuditEvent":
            patients.add(pid)
    extra = patients - probe.names - probe.also
    if extra:
        wrong.append(f"{label}: data of {len(extra)} patient(s) the request does not name")
    if probe.expect_found - found:
        wrong.append(f"{label}: allowed resource missing ({response.status_code})")
    return wrong


@pytest.fixture(scope="module")
def attack_server(server_factory: Callable[..., str]) -> tuple[str, Path, list[User]]:
    where: list[Path] = []

    def setup(data_dir: Path, url: str | None) -> None:
        where.append(data_dir)
        seed_attack(data_dir, url)
    base = server_factory("sqlite", auth=True, setup=setup, key="attack-matrix")
    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(lambda u: token_for(base, m.username(*u)), USERS))
    users = [User(k, r, t) for (k, r), t in zip(USERS, tokens, strict=True)]
    return base, where[0], users


@pytest.mark.parametrize("part", [*TARGETS, "lists"])
def test_attack_matrix(attack_server, part):
    base, data_dir, users = attack_server
    before = stored_state(data_dir)
    work = [(u, p, g) for u in users for p, g in probes(u, part)]
    start = time.monotonic()
    with httpx.Client(base_url=f"{base}/fhir/", timeout=60,
                      headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON},
                      limits=httpx.Limits(max_connections=8)) as client, \
            ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda w: check(client, *w), work))
    wrong = sorted({w for r in results for w in r})
    after = stored_state(data_dir)
    changed = sorted(k for k in before if after.get(k) != before[k])
    print(f"attack matrix ({part}): {len(users)} users, {len(work)} requests, {len(wrong)} "
          f"wrong, {len(changed)} stored resources changed, {time.monotonic() - start:.1f} s")
    for line in wrong[:40]:
        print(" ", line)
    assert {u.kind for u in users} == set(Profession)
    assert changed == []
    assert wrong == []


# -- the documented answers, one by one (after the matrix: these add data) ---------------------
def _as(users: list[User], kind: Profession, relation: str) -> dict[str, str]:
    user = next(u for u in users if (u.kind, u.relation) == (kind, relation))
    return {"Authorization": f"Bearer {user.token}"}


def _client(base: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base}/fhir/", timeout=30,
                        headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON})


def test_a_conditional_match_one_may_not_read_counts_as_none(attack_server):
    """The patient's own physician, on the consent-restricted chart: a visit Observation (NOTES,
    blocked) recorded by breaking the glass, then a lab result (LABS, open) sent with criteria
    that match that visit. Without the glass the match counts as none: a new resource (201,
    another id), never the blocked one; with the glass, the match (200)."""
    base, _, users = attack_server
    pid = m.patient_id("restricted")
    doctor = _as(users, Profession.PHYSICIAN, "own")
    glass = doctor | {BREAK_GLASS_HEADER: REASON}
    lab = seeded(pid, DataClass.LABS)
    del lab["id"]
    visit = {**lab, "identifier": [{"system": ATTACK, "value": "visit-1"}], "category": [
        {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                     "code": "vital-signs"}]}]}
    entry = {"resource": {**lab, "identifier": visit["identifier"]}, "request": {
        "method": "POST", "url": "Observation", "ifNoneExist": f"identifier={ATTACK}|visit-1"}}
    with _client(base) as client:
        assert client.post("Observation", json=visit, headers=doctor).status_code == 403
        recorded = client.post("Observation", json=visit, headers=glass)
        assert recorded.status_code == 201, recorded.text
        blocked = recorded.json()["id"]
        made = client.post("", json=transaction("transaction", entry), headers=doctor)
        assert made.status_code == 200, made.text
        answer = made.json()["entry"][0]
        assert answer["response"]["status"].startswith("201")
        assert answer["resource"]["id"] != blocked and blocked not in made.text
        header = client.post("Observation", json=entry["resource"], headers=doctor | {
            "If-None-Exist": entry["request"]["ifNoneExist"]})
        assert header.status_code == 200  # one readable match: our copy, not the visit
        assert header.json()["id"] == answer["resource"]["id"]
        found = client.post("", json=transaction("transaction", entry), headers=glass)
        assert found.status_code == 412  # with the glass both are readable: several match
        by_id = {**entry, "request": {**entry["request"], "ifNoneExist": f"_id={blocked}"}}
        refused = client.post("", json=transaction("transaction", by_id), headers=doctor)
        assert refused.status_code == 400
        assert refused.json()["resourceType"] == "OperationOutcome"


def test_refused_writes_answer_an_operation_outcome(attack_server):
    base, data_dir, users = attack_server
    pid, other = m.patient_id("open"), OTHER_CLINIC_PATIENT
    doctor = _as(users, Profession.PHYSICIAN, "own")
    desk = _as(users, Profession.RECEPTIONIST, "mandate")
    lab = seeded(pid, DataClass.LABS)
    moved = {**lab, "subject": {"reference": f"Patient/{m.patient_id('restricted')}"}}
    with _client(base) as client:
        answer = client.put(f"Observation/{lab['id']}", json=moved,
                            headers=doctor | {"If-Match": 'W/"1"'})
        assert answer.status_code == 422
        assert answer.json()["resourceType"] == "OperationOutcome"
        for who, path in ((desk, f"Patient/{pid}"), (doctor, f"Patient/{pid}")):
            gone = client.delete(path, headers=who)
            assert gone.status_code == 403 and gone.json()["resourceType"] == "OperationOutcome"
        moved_patient = seeded(other, DataClass.DEMOGRAPHICS)
        moved_patient["generalPractitioner"] = [{"reference": f"Organization/{m.CLINIC.id}"}]
        refused = client.put(f"Patient/{other}", json=moved_patient,
                             headers=desk | {"If-Match": 'W/"1"'})
        assert refused.status_code == 403
    state = stored_state(data_dir)
    assert state[("Observation", lab["id"])] == (1, False)
    assert state[("Patient", pid)] == (1, False) and state[("Patient", other)] == (1, False)


def test_an_audit_event_is_stored_with_the_posters_agent_and_the_servers_source(attack_server):
    base, _, users = attack_server
    doctor = _as(users, Profession.PHYSICIAN, "own")
    me = m.username(Profession.PHYSICIAN, "own")
    event = {"resourceType": "AuditEvent", "recorded": "2026-11-01T10:00:00+00:00",
             "type": {"system": "http://dicom.nema.org/resources/ontology/DCM",
                      "code": "110110"},
             "agent": [{"who": {"identifier": {"system": fhir_systems.USERNAME, "value": me}},
                        "requestor": True, "network": {"address": "poste-12", "type": "1"}}],
             "source": {"observer": {"display": "poste-12"}},
             "entity": [{"what": {"reference": f"Patient/{m.patient_id('open')}"}}]}
    with _client(base) as client:
        made = client.post("AuditEvent", json=event, headers=doctor)
        assert made.status_code == 201, made.text
        stored = made.json()
    agent, client, server = stored["agent"]  # BALP: the user, the workstation, the server
    assert agent["who"]["reference"] == f"Practitioner/user-{me}"
    assert agent["who"]["identifier"]["value"] == me and agent["requestor"] is True
    assert client["network"]["address"] == "poste-12"  # the workstation's claim, kept
    assert [a["type"]["coding"][0]["code"] for a in (client, server)] == ["110153", "110152"]
    assert stored["source"]["observer"]["display"] == "clinicdesk-server"
    assert stored["source"]["site"] == m.CLINIC.id


def test_a_consent_recorded_by_the_patients_physician_needs_a_reason_and_is_audited(
        attack_server):
    base, _, users = attack_server
    pid = m.patient_id("open")
    doctor = _as(users, Profession.PHYSICIAN, "own")
    admin = _as(users, Profession.ADMINISTRATOR, "none")
    consent = {"resourceType": "Consent", "status": "inactive",
               "patient": {"reference": f"Patient/{pid}"}, "provision": {"type": "deny"},
               **CONSENT_CODES}
    with _client(base) as client:
        before = client.get("Consent", params={"patient": pid}, headers=doctor).json()
        without = client.post("Consent", json=consent, headers=doctor)
        assert without.status_code == 400, without.text
        assert without.json()["resourceType"] == "OperationOutcome"
        assert client.get("Consent", params={"patient": pid},
                          headers=doctor).json().get("entry") == before.get("entry")
        made = client.post("Consent", json=consent, headers=doctor | CONSENT_REASON)
        assert made.status_code == 201, made.text
        deadline = time.monotonic() + 10
        while True:
            events = client.get("AuditEvent", params={"patient": pid, "_count": "1000"},
                                headers=admin).json().get("entry") or []
            created = [e for e in events if any(
                s.get("code") == "create" for s in e["resource"].get("subtype") or ())]
            if created or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert created, "no AuditEvent for the Consent recorded"
    details = {d["type"]: d["valueString"] for e in created
               for d in e["resource"]["entity"][0].get("detail") or ()}
    assert details.get("reason") == "Demande écrite et signée du patient"
