"""The one authorisation hook every FHIR route calls: the client's policy (app.core.access),
applied on the server to the bearer of the request's token.

How the FHIR routes call it (never while a store transaction is open on the calling thread):
- before touching the store: `authorize(request, action, type, patient_id, None)` with action
  "read", "vread", "search", "history", "everything", "create", "update", "delete", "batch",
  "transaction" — the role gate only (`access.READ`): a receptionist's search of Observations
  is refused (403) before any row is read;
- on each resource about to be returned: `authorize(request, "read", type, patient_id, resource)`
  — the full `access.decide` for the resource's class and patient (physicians, mandates,
  consent); a 403 drops the entry from a Bundle and fails a plain read. Each patient read is
  noted for the AuditEvent (server.identity.audit). A deleted version in a history page comes
  as `("read", type, patient_id, None)` and is decided like the chart it belonged to;
- on each resource about to be written: `authorize(request, "create"|"update"|"delete", type,
  patient_id, resource)` — `access.decide(..., Action.WRITE)`.
Each of these first asks the token's SMART scopes (server.identity.scopes): what they do not
cover is refused (403 insufficient_scope) whatever the role allows.

Break the glass: the header `X-Break-Glass-Reason` (UTF-8, percent-encoded) carries the typed
reason; `access.decide` accepts it only where the glass may be broken, and the AuditEvent then
carries purposeOfEvent BTG with the reason.

AuditEvents are visible to administrative accounts and to their own agent, never through
$everything (a chart's pull must not grow with every read of it); a user creates AuditEvents
only as their own agent (the client's access log), and nobody updates or deletes one. Consent
and reference data (Practitioner, Organization…) are readable by every signed-in user; Consent
is written by a professional caring for the patient (except by one a deny of that patient
names: it is not theirs to lift), with its reason (header X-Consent-Reason, else 400), audited
with that reason; reference data by administrative accounts only.
Writes to a Patient stay within the user's institutions; nobody deletes a Patient. Callers pass
the stored version for an update or delete (server.fhir.ops.check_update), then the new body.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar
from urllib.parse import unquote

from fastapi import Request

from app.core import access, balp, fhir_systems
from app.core.access import Action
from app.core.consent import CLINICAL, consent_from_fhir
from app.core.data_class import DataClass
from app.core.profiles import Profession, UserProfile
from app.core.resource_class import data_class_of
from server import identity
from server.identity.audit import Access, queue_noted, server_source
from server.identity.practitioner import username_of
from server.identity.scopes import CHALLENGE, Granted, needed, refusal

T = TypeVar("T")

BREAK_GLASS_HEADER = fhir_systems.BREAK_GLASS_HEADER
CONSENT_REASON_HEADER = fhir_systems.CONSENT_REASON_HEADER
WRITES = ("create", "update", "delete")
REFERENCE_DATA = frozenset({"Practitioner", "PractitionerRole", "Organization"})
NO_PATIENT = access.PatientContext("", frozenset(), consent_from_fhir([]))


class Denied(Exception):
    """401 (no or bad credentials) or 403 (not allowed); `message` holds no patient data."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def current_user(request: Request) -> UserProfile:
    """The profile of the request's bearer token (cached on the request); Denied(401) if none."""
    state = _state(request)
    user = state.get("user")
    if user is not None:
        return user
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Denied(401, "a bearer access token is required")
    found = _services(request).tokens.bearer(token.strip())
    if found is None:
        raise Denied(401, "the access token is invalid, expired or revoked")
    user, scope = found
    state["user"], state["scopes"] = user, (None if scope is None else _granted(scope))
    return user


@functools.lru_cache(maxsize=1024)
def _granted(scope: str) -> Granted:
    """Granted.parse, remembered by the scope's text (what it returns depends on that alone;
    the scope itself is still read with the token on every request)."""
    return Granted.parse(scope)


def _scope_gate(request: Request, action: str, resource_type: str | None,
                returned: bool) -> None:
    """The token's SMART scopes (server.identity.scopes) before the role's policy."""
    granted = _state(request).get("scopes")
    if granted is None or resource_type is None:
        return
    letters = needed(action, returned, "rid" in request.path_params)
    if letters and not granted.allows(resource_type, letters):
        raise Denied(403, refusal(action, resource_type), CHALLENGE)


def authorize(request: Request, action: str, resource_type: str | None,
              patient_id: str | None = None, resource: dict | None = None) -> None:
    if not _required(request):
        return
    user = current_user(request)
    state = _state(request)
    deletion = action == "read" and resource is None and patient_id is not None \
        and resource_type not in (None, "Patient")  # a deleted version in a history page
    _scope_gate(request, action, resource_type, resource is not None or deletion)
    if resource is None and action not in WRITES and not deletion:
        state["request_action"] = state.get("request_action") or action
        _role_gate(user, resource_type)
        return
    if resource_type is None:
        return
    write = action in WRITES
    if resource_type == "AuditEvent":
        if write and action != "create":
            raise Denied(403, "the audit trail is append-only")
        _audit_event_gate(request, user, resource or {})
        if not write and patient_id and resource and not _names_only_agent(resource, user):
            _note(request, user, patient_id, "audit-trail", None)  # a review is audited too
        return
    if resource_type == "Patient" and action == "delete":
        raise Denied(403, "a patient's record is not deleted: make it inactive (active: false)")
    data_class = data_class_of(resource_type, resource)
    if not write:
        _read(request, user, patient_id, data_class)
        return
    if data_class is None:
        _reference_write_gate(user, resource_type)
        if resource_type == "Consent":
            _consent_write_gate(request, user, action, patient_id, resource)
        return
    if patient_id is None:  # a new Patient (id not chosen yet): role and class decide
        decision = access.decide(user, NO_PATIENT, data_class, Action.WRITE)
        if not decision.allowed:
            raise Denied(403, decision.reasons[0].source)
        if resource_type == "Patient" and resource is not None and \
                institutions_of(resource) - {f"Organization/{i.id}" for i in user.institutions}:
            raise Denied(403, "a patient is registered only with your own institutions")
        return
    context = _context(request, patient_id, resource, resource_type)
    decision = access.decide(user, context, data_class, Action.WRITE,
                             _break_glass_reason(request))
    if not decision.allowed:
        raise Denied(403, decision.reasons[0].source)
    if resource_type == "Patient" and resource is not None:
        _registration_gate(request, user, patient_id, resource)
        _institution_gate(request, user, patient_id, resource)


def authorize_stored(request: Request, resource_type: str, patient_id: str | None,
                     data_class: str | None) -> None:
    """`authorize(request, "read", ...)` of a stored version by the data class stored with it
    (server.storage: written with each version), without decoding it. Not for AuditEvents
    (decided on their content) nor for a deleted Patient version (the role gate alone)."""
    if not _required(request):
        return
    user = current_user(request)
    _scope_gate(request, "read", resource_type, True)
    _read(request, user, patient_id,
          DataClass(data_class) if data_class is not None else None)


def _read(request: Request, user: UserProfile, patient_id: str | None,
          data_class: DataClass | None) -> None:
    """A read of one resource of this class: the role gate without a patient, else the full
    decision (once per request, patient and class), noted for the AuditEvent."""
    if data_class is None:
        return
    if patient_id is None:
        _class_gate(user, data_class)
        return
    decisions = _per_request(request, "decisions")
    decision = decisions.get((patient_id, data_class))
    if decision is None:
        decision = access.decide(user, _context(request, patient_id, None, ""), data_class,
                                 Action.READ, _break_glass_reason(request))
        decisions[(patient_id, data_class)] = decision
    if not decision.allowed:
        raise Denied(403, decision.reasons[0].source)
    _note(request, user, patient_id, data_class.value, decision.break_glass_reason)


def _registration_gate(request: Request, user: UserProfile, patient_id: str,
                       resource: dict) -> None:
    """The patient's physicians open the chart to them and to their mandatees, so no account
    with clinical access changes who they are (a physician naming themselves, or a resident
    naming the physician who mandates them): the RAMQ registration is recorded by the front
    desk and the nightly import (server.identity.patients)."""
    if not access.role_classes(user) & CLINICAL:
        return
    contexts = _services(request).patient_contexts
    if contexts.physicians_changed(patient_id, resource):
        raise Denied(403, "the patient's physicians are recorded by the front desk from the "
                          "RAMQ registration")


def _per_request(request: Request, name: str) -> dict:
    state = _state(request)
    found = state.get(name)
    if found is None:
        found = state[name] = {}
    return found


def _once(request: Request, name: str, look_up: Callable[[], T]) -> T:
    """What `look_up` gives, asked once per request (the app's `State` answers an attribute
    only after a failed lookup, an AttributeError made and dropped, each time)."""
    state = _state(request)
    found = state.get(name)
    if found is None:
        found = state[name] = look_up()
    return found


def _required(request: Request) -> bool:
    return _once(request, "auth_required", lambda: request.app.state.settings.auth_required)


def _services(request: Request) -> identity.Services:
    return _once(request, "identity_services", lambda: identity.services(request.app))


def _state(request: Request) -> dict:
    """The request's state (what `request.state` wraps) as the dict it is: a name not set yet
    is a lookup, not an AttributeError raised and caught (a few per request)."""
    return request.scope.setdefault("state", {})


def _context(request: Request, patient_id: str, writing: dict | None,
             resource_type: str) -> access.PatientContext:
    """Loaded once per request and patient for reads (a $everything asks once per resource)."""
    contexts = _services(request).patient_contexts
    if writing is not None:
        return contexts.load(patient_id, writing, resource_type)
    cache = _per_request(request, "patient_contexts")
    if patient_id not in cache:
        cache[patient_id] = contexts.load(patient_id)
    return cache[patient_id]


def prefetch(request: Request, tx: object, patients: Iterable[str | None],
             current: Mapping[str, object] | None = None) -> None:
    """Load, in the request's own read transaction `tx`, the context of each patient about to
    be decided that this request has not loaded yet (what `_context` would otherwise load in a
    transaction of its own, one per patient). `current`: Patient versions known current in
    `tx`, by id (not read again)."""
    if not _required(request):
        return
    cache = _per_request(request, "patient_contexts")
    contexts = _services(request).patient_contexts
    for patient_id in patients:
        if patient_id and patient_id not in cache:
            cache[patient_id] = contexts.load_in(tx, patient_id, (current or {}).get(patient_id))


def forget_prefetched(request: Request) -> None:
    """Drop the patient contexts this request loaded (`prefetch`): they are read again."""
    _per_request(request, "patient_contexts").clear()


def forget_decisions(request: Request) -> None:
    """Drop the patient contexts and read decisions this request made so far (what it noted
    for the audit trail stays): the next batch entry is decided on what is stored now, a
    Consent or a Patient an earlier entry wrote included."""
    forget_prefetched(request)
    _per_request(request, "decisions").clear()


def queue_audit(request: Request) -> None:
    """What this request read so far goes to the audit writer now (server.identity.audit
    .queue_noted); the answer still waits for its commit. For a route that reads nothing more,
    from its worker thread. A small answer (a read, a search) has little left to build: if no
    commit is running, this thread commits at once (no hop to the writer thread and back).
    A chart's `$everything` has a thousand entries left to build and encode: the writer thread
    commits meanwhile (measured: 19 ms instead of 25 for a 1,000-resource chart)."""
    state = request.scope.get("state")
    if state is not None:
        queue_noted(state, lead=state.get("request_action") != "everything")


def _role_gate(user: UserProfile, resource_type: str | None) -> None:
    data_class = data_class_of(resource_type) if resource_type else None
    if data_class is not None:
        _class_gate(user, data_class)


def _class_gate(user: UserProfile, data_class: DataClass) -> None:
    if user.profession.is_professional and user.is_administrative:
        raise Denied(403, "an account may not be both professional and administrative")
    if data_class not in access.READ.get(user.profession, frozenset()):
        raise Denied(403, "your role does not give access to this information")


def _reference_write_gate(user: UserProfile, resource_type: str) -> None:
    if resource_type == "Consent" and not user.profession.is_professional:
        raise Denied(403, "only a health professional records a patient's consent")
    if resource_type in REFERENCE_DATA and not user.is_administrative:
        raise Denied(403, "only an administrative account changes practitioners and institutions")


def _consent_write_gate(request: Request, user: UserProfile, action: str,
                        patient_id: str | None, resource: dict | None) -> None:
    """A patient's Consent is recorded, changed or withdrawn by a professional in a care
    relationship with the patient (their physician or a clinical mandatee: app.core.access
    .relationship; ClinicDesk has no privacy-officer role), never by one a deny of that patient
    names (it is not theirs to lift), with its reason (CONSENT_REASON_HEADER; the patient's
    signed request, say). The write and its reason are noted for the audit trail. Callers give the
    patient of the stored version for an update or delete (a Consent never changes patient)."""
    if not patient_id:
        raise Denied(403, "a consent names its patient")
    context = _context(request, patient_id, None, "Consent")
    if access.relationship(user, context) == access.Basis.NONE:
        raise Denied(403, "only a professional caring for the patient records their consent")
    if action != "create" and context.consent.singles_out(user.reference, context.today):
        raise Denied(403, "a patient's consent that restricts you is not yours to change")
    reason = unquote(request.headers.get(CONSENT_REASON_HEADER, "")).strip()
    if not reason:
        raise Denied(400, f"a consent is recorded, changed or withdrawn with its reason "
                          f"(the {CONSENT_REASON_HEADER} header)")
    _note(request, user, patient_id, "consent", None, action=f"consent-{action}")
    _per_request(request, "audit")[patient_id].reason = reason


def _institution_gate(request: Request, user: UserProfile, patient_id: str,
                      resource: dict) -> None:
    """Administrative writes to a Patient stay within the user's institutions: a Patient the
    clinic records names its institutions (Organization references in generalPractitioner or
    managingOrganization); a user changes only a Patient of one of their institutions (or one
    naming none yet) and names no other institution."""
    mine = {f"Organization/{i.id}" for i in user.institutions}
    with _services(request).patient_contexts.store.read() as tx:
        stored = tx.current("Patient", patient_id)
    before = institutions_of(stored.resource()) if stored and stored.text else set()
    if before and not before & mine:
        raise Denied(403, "this patient is recorded by another institution")
    if institutions_of(resource) - before - mine:
        raise Denied(403, "a patient is registered only with your own institutions")


def institutions_of(patient: dict) -> set[str]:
    refs = [r.get("reference", "") for r in patient.get("generalPractitioner") or ()
            if isinstance(r, dict)]
    managing = patient.get("managingOrganization")
    if isinstance(managing, dict):
        refs.append(managing.get("reference", ""))
    return {r for r in refs if isinstance(r, str) and r.startswith("Organization/")}


def in_clinic(request: Request, reference: str) -> bool:
    """Is this appointment actor the caller, one of the caller's institutions, or a
    Practitioner account sharing an institution with the caller?"""
    user = current_user(request)
    mine = {i.id for i in user.institutions}
    kind, _, rid = reference.partition("/")
    if kind in ("Organization", "Location"):
        return rid in mine
    if kind != "Practitioner":
        return False
    if reference == user.reference:
        return True
    username = username_of(reference)
    found = _services(request).identity.account(username) if username else None
    return found is not None and bool(mine & {i.id for i in found[0].institutions})


def own_audit_event(request: Request, event: dict) -> dict:
    """An AuditEvent a user posts (the workstation's access log) names the user as its only
    person agent and the server as where it came from: nobody attributes an access to someone
    else or adds a co-agent (a body naming anyone else: 403), and the stored user agent, server
    agent and source are built from the token (BALP shape, app.core.balp). What the workstation
    declares of itself (its client agent: name and network address) is kept, as its claim."""
    if not _required(request):
        return event
    user = current_user(request)
    given = event.get("agent")
    agents = given if isinstance(given, list) else []
    if any(not (_names_only(a, user) or balp.is_device_agent(a)) for a in agents):
        raise Denied(403, "an audit event you record names you as its only agent")
    given = event.get("subtype")
    subtypes = given if isinstance(given, list) else []
    interaction = next((c.get("code") for c in subtypes if isinstance(c, dict)
                        and c.get("system") == balp.INTERACTION), "read")
    stored = [balp.user_agent(user.username, user.reference, str(interaction),
                              user.display_name)]
    person = next((a for a in agents if _names_only(a, user) and isinstance(a, dict)), {})
    client = next((a for a in agents if balp.is_device_agent(a) and _is_client(a)), None)
    claim = (client or person).get("network") if isinstance(client or person, dict) else None
    if isinstance(claim, dict) and isinstance(claim.get("address"), str):
        stored.append(balp.client_agent(claim["address"][:100], claim["address"][:100],
                                        "2" if claim.get("type") == "2" else "1"))
    stored.append(balp.server_agent())
    site = user.primary_institution.id if user.primary_institution is not None else None
    return {**event, "agent": stored, "source": server_source(site)}


def _is_client(agent: dict) -> bool:
    return any(c.get("code") == balp.CLIENT for c in (agent.get("type") or {}).get("coding") or ()
               if isinstance(c, dict))


def _audit_event_gate(request: Request, user: UserProfile, event: dict) -> None:
    if _state(request).get("request_action") == "everything":
        raise Denied(403, "audit events are not part of a chart")
    if audit_reviewer(user):
        return
    agents = [(a.get("who") or {}).get("identifier") or {} for a in event.get("agent") or ()]
    if not any(i.get("system") == fhir_systems.USERNAME and i.get("value") == user.username
               for i in agents):
        raise Denied(403, "only administrators review other users' audit events")


def audit_reviewer(user: UserProfile) -> bool:
    """May this user review other users' AuditEvents?"""
    return user.is_administrative or user.profession == Profession.ADMINISTRATOR


def _names_only_agent(event: dict, user: UserProfile) -> bool:
    given = event.get("agent")
    agents = given if isinstance(given, list) else []
    people = [a for a in agents if not balp.is_device_agent(a)]
    return bool(people) and all(_names_only(a, user) for a in people)


def _names_only(agent: object, user: UserProfile) -> bool:
    who = agent.get("who") if isinstance(agent, dict) else None
    if not isinstance(who, dict):
        return not isinstance(agent, dict) or "who" not in agent
    identifier = who.get("identifier")
    ident = identifier if isinstance(identifier, dict) else {}
    return (who.get("reference") in (None, user.reference)
            and ident.get("value") in (None, user.username)
            and ident.get("system") in (None, fhir_systems.USERNAME))


def _read_target(path: str) -> str | None:
    """`Type/id` (and `/_history/vid`) of a read's URL path (BALP: the data entity read)."""
    parts = path.partition("/fhir/")[2].split("/")
    if len(parts) < 2 or not parts[0][:1].isupper() or not parts[1]:
        return None
    return "/".join(parts[:4] if len(parts) >= 4 and parts[2] == "_history" else parts[:2])


def _break_glass_reason(request: Request) -> str | None:
    given = request.headers.getlist(BREAK_GLASS_HEADER)  # no KeyError raised when absent
    return unquote(given[0]) if given and given[0] else None


def _note(request: Request, user: UserProfile, patient_id: str, data_class: str,
          break_glass_reason: str | None, action: str | None = None) -> None:
    noted: dict[str, Access] = _per_request(request, "audit")
    entry = noted.get(patient_id)
    if entry is None:
        action = action or _state(request).get("request_action") or "read"
        query = request.scope.get("query_string", b"").decode() \
            if action in ("search", "history") else None  # as request.url.query, unparsed
        entry = noted[patient_id] = Access(
            user.username, user.display_name, patient_id, action, query=query,
            address=request.client.host if request.client else None,
            resource=_read_target(request.url.path) if action in ("read", "vread") else None)
    entry.classes.add(data_class)
    if break_glass_reason:
        entry.break_glass_reason = break_glass_reason
