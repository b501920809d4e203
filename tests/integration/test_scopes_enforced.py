"""SMART scopes bound every FHIR interaction at the reference server's gate (server.identity
.scopes), under the role's policy: each interaction x each scope set, over real HTTP. A token
is asked with a scope at sign-in and granted that scope narrowed to the role; what its scopes
do not cover is 403 with an OperationOutcome `insufficient_scope` (and the RFC 6750 challenge),
whatever the role would allow. Without any scope asked (an older client) the role decides."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from app.core import fhir_systems
from server.seed import staff
from tests.fixtures.identity import bearer, seed_store

PHYSICIAN, RECEPTIONIST = "1000001", "1000009"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


@pytest.fixture(scope="module")
def base(server_factory) -> str:
    """A server of its own: the matrix writes to the seeded charts (its creates and updates),
    which the tests sharing "identity-seeded" count as seeded."""
    return server_factory("sqlite", auth=True, setup=seed_store, key="scopes-enforced")


def token(base: str, username: str, scope: str | None) -> dict[str, str]:
    form = {"grant_type": "password", "username": username,
            "password": staff.by_username(username).password}
    if scope is not None:
        form["scope"] = scope
    answer = httpx.post(f"{base}/oauth/token", data=form, timeout=30)
    assert answer.status_code == 200, answer.text
    return bearer(answer.json())


@pytest.fixture(scope="module")
def chart(base, seeded_charts) -> dict[str, str]:
    """A chart of the physician's with labs, encounters and documents: its patient and one
    Observation."""
    for resources in seeded_charts:
        gp = [r["reference"] for r in resources[0].get("generalPractitioner", ())]
        labs = [r for r in resources if r["resourceType"] == "Observation"]
        types = {r["resourceType"] for r in resources}
        if f"Practitioner/user-{PHYSICIAN}" in gp and labs and "Consent" not in types and \
                {"Encounter", "DocumentReference"} <= types:
            return {"pid": resources[0]["id"], "obs": labs[0]["id"]}
    raise AssertionError("no such chart in the seeded data")


def new_observation(pid: str) -> dict:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": fhir_systems.LOINC, "code": "2823-3"}]},
            "subject": {"reference": f"Patient/{pid}"},
            "valueQuantity": {"value": 4.1, "unit": "mmol/L"}}


class Fhir:
    """The scoped caller (`headers`) and an unscoped one (`setup`) on the same server."""

    def __init__(self, base: str, headers: dict[str, str], setup: dict[str, str],
                 chart: dict[str, str]):
        self.base, self.headers, self.setup, self.chart = base, headers, setup, chart

    def call(self, method: str, path: str, body: dict | None = None,
             headers: dict[str, str] | None = None, setup: bool = False) -> httpx.Response:
        return httpx.request(method, f"{self.base}/fhir/{path}", json=body, timeout=30,
                             headers={**(self.setup if setup else self.headers), **FHIR_JSON,
                                      **(headers or {})})

    def current(self, path: str) -> dict:
        return self.call("GET", path, setup=True).json()

    def fresh(self) -> str:
        """A new Observation of the chart (made unscoped), for a delete to remove."""
        made = self.call("POST", "Observation", new_observation(self.chart["pid"]), setup=True)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])


def _update(f: Fhir) -> httpx.Response:
    now = f.current(f"Observation/{f.chart['obs']}")
    return f.call("PUT", f"Observation/{now['id']}", {**now, "note": [{"text": "revu"}]},
                  {"If-Match": f'W/"{now["meta"]["versionId"]}"'})


def _entry(f: Fhir, kind: str, request: dict, resource: dict | None = None) -> httpx.Response:
    """One entry in a batch or transaction; its status comes back as the response's."""
    entry: dict = {"request": request}
    if resource is not None:
        entry.update(resource=resource, fullUrl="urn:uuid:4b4f1d07-7c4b-4d55-9d0c-5a1fb6c1e0aa")
    answer = f.call("POST", "", {"resourceType": "Bundle", "type": kind, "entry": [entry]})
    if kind == "transaction" or answer.status_code != 200:
        return answer
    response = answer.json()["entry"][0]["response"]
    return httpx.Response(int(response["status"].split()[0]),
                          json=response.get("outcome") or {})


# interaction → (type, permission letters any of which suffices, the call)
INTERACTIONS: dict[str, tuple[str, str, Callable[[Fhir], httpx.Response]]] = {
    "read": ("Observation", "r", lambda f: f.call("GET", f"Observation/{f.chart['obs']}")),
    "vread": ("Observation", "r", lambda f: f.call(
        "GET", f"Observation/{f.chart['obs']}/_history/"
        f"{f.current('Observation/' + f.chart['obs'])['meta']['versionId']}")),
    "search": ("Observation", "s", lambda f: f.call(
        "GET", f"Observation?patient=Patient/{f.chart['pid']}")),
    "history": ("Observation", "r", lambda f: f.call(
        "GET", f"Observation/{f.chart['obs']}/_history")),
    "everything": ("Patient", "r", lambda f: f.call(
        "GET", f"Patient/{f.chart['pid']}/$everything")),
    "create": ("Observation", "c", lambda f: f.call(
        "POST", "Observation", new_observation(f.chart["pid"]))),
    "update": ("Observation", "u", _update),
    "delete": ("Observation", "d", lambda f: f.call("DELETE", f"Observation/{f.fresh()}")),
    "batch-read": ("Observation", "r", lambda f: _entry(
        f, "batch", {"method": "GET", "url": f"Observation/{f.chart['obs']}"})),
    "batch-search": ("Observation", "s", lambda f: _entry(
        f, "batch", {"method": "GET", "url": f"Observation?patient=Patient/{f.chart['pid']}"})),
    "batch-create": ("Observation", "c", lambda f: _entry(
        f, "batch", {"method": "POST", "url": "Observation"}, new_observation(f.chart["pid"]))),
    "transaction-create": ("Observation", "c", lambda f: _entry(
        f, "transaction", {"method": "POST", "url": "Observation"},
        new_observation(f.chart["pid"]))),
    "transaction-delete": ("Observation", "d", lambda f: _entry(
        f, "transaction", {"method": "DELETE", "url": f"Observation/{f.fresh()}"})),
}

# (who, scope asked, the permissions granted on Observation and Patient after narrowing)
SCOPE_SETS = {
    "read-search": (PHYSICIAN, "user/Observation.rs user/Patient.rs", "rs", "rs"),
    "search-only": (PHYSICIAN, "user/Observation.s user/Patient.rs", "s", "rs"),
    "write-only": (PHYSICIAN, "user/Observation.cud user/Patient.rs", "cud", "rs"),
    "no-observation": (PHYSICIAN, "user/Patient.rs", "", "rs"),
    "patient-context": (PHYSICIAN, "patient/*.rs", "", ""),  # no launch patient: nothing
    "wildcard": (PHYSICIAN, "user/*.cruds", "cruds", "cruds"),
    "receptionist": (RECEPTIONIST, "user/*.cruds user/Observation.rs", "", "cruds"),
}


@pytest.mark.parametrize("name", list(SCOPE_SETS))
def test_every_interaction_is_bounded_by_the_tokens_scopes(base, chart, name):
    who, asked, on_observation, on_patient = SCOPE_SETS[name]
    f = Fhir(base, token(base, who, asked), token(base, PHYSICIAN, None), chart)
    granted = {"Observation": on_observation, "Patient": on_patient}
    wrong = []
    for interaction, (rtype, letters, call) in INTERACTIONS.items():
        answer = call(f)
        allowed = any(letter in granted[rtype] for letter in letters)
        if allowed != (answer.status_code < 400) or not allowed and not refused(answer):
            wrong.append((interaction, answer.status_code, answer.text[:120]))
    assert wrong == []


def refused(answer: httpx.Response) -> bool:
    """403 with an OperationOutcome saying insufficient_scope (a transaction's whole answer,
    or a batch entry's outcome)."""
    issues = answer.json().get("issue") or []
    return answer.status_code == 403 and any(
        str(i.get("diagnostics", "")).startswith("insufficient_scope") for i in issues)


@pytest.mark.parametrize(("asked", "shown"), [
    ("user/Observation.rs user/Patient.rs", {"Patient", "Observation"}),
    ("user/Observation.s user/Patient.rs", {"Patient", "Observation"}),
    ("user/Observation.cud user/Patient.rs", {"Patient"}),
    ("user/Patient.rs", {"Patient"}),
    # Encounter and the notes among DocumentReferences share a data class: decided per type
    ("user/Patient.rs user/Encounter.rs", {"Patient", "Encounter"}),
    ("user/Patient.rs user/DocumentReference.rs", {"Patient", "DocumentReference"}),
    ("user/*.cruds", None),  # None: every type the chart has
], ids=["read-search", "search-only", "write-only", "no-observation", "encounters",
        "documents", "wildcard"])
def test_everything_shows_only_the_types_the_scopes_cover(base, chart, asked, shown):
    f = Fhir(base, token(base, PHYSICIAN, asked), token(base, PHYSICIAN, None), chart)
    path = f"Patient/{chart['pid']}/$everything"
    whole = {e["resource"]["resourceType"] for e in f.call("GET", path, setup=True).json()["entry"]}
    assert {"Observation", "Encounter", "DocumentReference"} <= whole, whole
    answer = f.call("GET", path)
    assert answer.status_code == 200, answer.text
    types = {e["resource"]["resourceType"] for e in answer.json().get("entry") or ()}
    assert types == (whole if shown is None else shown)


def test_a_refusal_carries_the_bearer_challenge(base, chart):
    f = Fhir(base, token(base, PHYSICIAN, "user/Patient.rs"), {}, chart)
    answer = f.call("GET", f"Observation/{chart['obs']}")
    assert answer.status_code == 403
    assert answer.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_without_a_scope_asked_the_role_alone_decides(base, chart):
    """A token from a password grant that asked no scope (older clients): the physician reads
    and writes the chart, the receptionist is refused by the role (not by scopes)."""
    f = Fhir(base, token(base, PHYSICIAN, None), {}, chart)
    assert f.call("GET", f"Observation/{chart['obs']}").status_code == 200
    assert f.call("POST", "Observation", new_observation(chart["pid"])).status_code == 201
    r = Fhir(base, token(base, RECEPTIONIST, None), {}, chart)
    answer = r.call("GET", f"Observation/{chart['obs']}")
    assert answer.status_code == 403 and not refused(answer)


@pytest.mark.parametrize("who", [PHYSICIAN, RECEPTIONIST])
def test_a_workstation_signed_in_with_its_roles_scopes_does_its_work(base, chart, who,
                                                                     workstation_factory):
    """The scopes the client asks for its role (app.core.smart_scopes.requested) cover what the
    workstation does: a chart opened (the receptionist's: what her role reads), the access log
    uploaded (PUT of AuditEvents), a note pushed by the physician."""
    from app.core import smart_scopes
    from app.core.data_class import DataClass
    from app.store.access_log import Access
    from tests.fixtures.sync import write_note
    account = staff.by_username(who)
    ws = workstation_factory(base, username=who, password=account.password)
    ws.client.sign_in(account.password, scope=smart_scopes.requested(account.profile))
    assert ws.sync.open_chart(chart["pid"]) >= 1
    ws.store.log_access(Access(who, chart["pid"], DataClass.DEMOGRAPHICS, "read"))
    if who == PHYSICIAN:
        write_note(ws.store, chart["pid"], "note sous portée")
    report = ws.sync.sync()
    assert report.audited == 1 and ws.store.unacknowledged_access() == []
    assert report.pushed.sent == (1 if who == PHYSICIAN else 0) and not report.pushed.conflicts
    types = {r["resourceType"] for r in ws.store._list_resources(chart["pid"])}
    assert ("Observation" in types) is (who == PHYSICIAN), types
