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

Break the glass: the header `X-Break-Glass-Reason` (UTF-8, percent-encoded) carries the typed
reason; `access.decide` accepts it only where the glass may be broken, and the AuditEvent then
carries purposeOfEvent BTG with the reason.

AuditEvents are visible to administrative accounts and to their own agent, never through
$everything (a chart's pull must not grow with every read of it); a user creates AuditEvents
only as their own agent (the client's access log), and nobody updates or deletes one. Consent
and reference data (Practitioner, Organization…) are readable by every signed-in user; Consent
is written by professionals (except by one a deny of that patient names: it is not theirs to
lift), reference data by administrative accounts only.
"""

from __future__ import annotations

from urllib.parse import unquote

from fastapi import Request

from app.core import access, fhir_systems
from app.core.access import Action
from app.core.consent import CLINICAL, consent_from_fhir
from app.core.profiles import Profession, UserProfile
from app.core.resource_class import data_class_of
from server import identity
from server.identity.audit import Access

BREAK_GLASS_HEADER = fhir_systems.BREAK_GLASS_HEADER
WRITES = ("create", "update", "delete")
REFERENCE_DATA = frozenset({"Practitioner", "PractitionerRole", "Organization"})
NO_PATIENT = access.PatientContext("", frozenset(), consent_from_fhir([]))


class Denied(Exception):
    """401 (no or bad credentials) or 403 (not allowed); `message` holds no patient data."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def current_user(request: Request) -> UserProfile:
    """The profile of the request's bearer token (cached on the request); Denied(401) if none."""
    state = request.state
    user = getattr(state, "user", None)
    if user is not None:
        return user
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Denied(401, "a bearer access token is required")
    user = identity.services(request.app).tokens.authenticate(token.strip())
    if user is None:
        raise Denied(401, "the access token is invalid, expired or revoked")
    state.user = user
    return user


def authorize(request: Request, action: str, resource_type: str | None,
              patient_id: str | None = None, resource: dict | None = None) -> None:
    if not request.app.state.settings.auth_required:
        return
    user = current_user(request)
    state = request.state
    deletion = action == "read" and resource is None and patient_id is not None \
        and resource_type not in (None, "Patient")  # a deleted version in a history page
    if resource is None and action not in WRITES and not deletion:
        state.request_action = getattr(state, "request_action", None) or action
        _role_gate(user, resource_type)
        return
    if resource_type is None:
        return
    write = action in WRITES
    if resource_type == "AuditEvent":
        if write and action != "create":
            raise Denied(403, "the audit trail is append-only")
        _audit_event_gate(request, user, resource or {})
        return
    data_class = data_class_of(resource_type, resource)
    if data_class is None:
        if write:
            _reference_write_gate(user, resource_type)
        if resource_type == "Consent" and action in ("update", "delete"):
            _consent_change_gate(request, user, patient_id, resource)
        return
    if patient_id is None and not write:
        _role_gate(user, resource_type, resource)
        return
    if patient_id is None:  # a new Patient (id not chosen yet): role and class decide
        decision = access.decide(user, NO_PATIENT, data_class, Action.WRITE)
        if not decision.allowed:
            raise Denied(403, decision.reasons[0].source)
        return
    decisions = _per_request(request, "decisions")
    decision = None if write else decisions.get((patient_id, data_class))
    if decision is None:
        context = _context(request, patient_id, resource if write else None, resource_type)
        decision = access.decide(user, context, data_class,
                                 Action.WRITE if write else Action.READ,
                                 _break_glass_reason(request))
        if not write:
            decisions[(patient_id, data_class)] = decision
    if not decision.allowed:
        raise Denied(403, decision.reasons[0].source)
    if write and resource_type == "Patient" and resource is not None:
        _registration_gate(request, user, patient_id, resource)
    if not write:
        _note(request, user, patient_id, data_class.value, decision.break_glass_reason)


def _registration_gate(request: Request, user: UserProfile, patient_id: str,
                       resource: dict) -> None:
    """The patient's physicians open the chart to them and to their mandatees, so no account
    with clinical access changes who they are (a physician naming themselves, or a resident
    naming the physician who mandates them): the RAMQ registration is recorded by the front
    desk and the nightly import (server.identity.patients)."""
    if not access.role_classes(user) & CLINICAL:
        return
    contexts = identity.services(request.app).patient_contexts
    if contexts.physicians_changed(patient_id, resource):
        raise Denied(403, "the patient's physicians are recorded by the front desk from the "
                          "RAMQ registration")


def _per_request(request: Request, name: str) -> dict:
    found = getattr(request.state, name, None)
    if found is None:
        found = {}
        setattr(request.state, name, found)
    return found


def _context(request: Request, patient_id: str, writing: dict | None,
             resource_type: str) -> access.PatientContext:
    """Loaded once per request and patient for reads (a $everything asks once per resource)."""
    contexts = identity.services(request.app).patient_contexts
    if writing is not None:
        return contexts.load(patient_id, writing, resource_type)
    cache = _per_request(request, "patient_contexts")
    if patient_id not in cache:
        cache[patient_id] = contexts.load(patient_id)
    return cache[patient_id]


def _role_gate(user: UserProfile, resource_type: str | None, resource: dict | None = None) -> None:
    data_class = data_class_of(resource_type, resource) if resource_type else None
    if data_class is None:
        return
    if user.profession.is_professional and user.is_administrative:
        raise Denied(403, "an account may not be both professional and administrative")
    if data_class not in access.READ.get(user.profession, frozenset()):
        raise Denied(403, "your role does not give access to this information")


def _reference_write_gate(user: UserProfile, resource_type: str) -> None:
    if resource_type == "Consent" and not user.profession.is_professional:
        raise Denied(403, "only a health professional records a patient's consent")
    if resource_type in REFERENCE_DATA and not user.is_administrative:
        raise Denied(403, "only an administrative account changes practitioners and institutions")


def _consent_change_gate(request: Request, user: UserProfile, patient_id: str | None,
                         resource: dict | None) -> None:
    """A professional a patient's Consent singles out (a deny naming them) may not edit or
    withdraw that patient's Consents: checked on the patient whose Consent it is now and, for
    an update, the one it was (moving a deny to another patient would lift it too)."""
    contexts = identity.services(request.app).patient_contexts
    patients = {patient_id} if patient_id else set()
    if resource is not None and resource.get("id"):
        with contexts.store.read() as tx:
            current = tx.current("Consent", str(resource["id"]))
        if current is not None and current.patient:
            patients.add(current.patient)
    for pid in patients:
        context = contexts.load(pid)
        if context.consent.singles_out(user.reference, context.today):
            raise Denied(403, "a patient's consent that restricts you is not yours to change")


def _audit_event_gate(request: Request, user: UserProfile, event: dict) -> None:
    if getattr(request.state, "request_action", None) == "everything":
        raise Denied(403, "audit events are not part of a chart")
    if user.is_administrative or user.profession == Profession.ADMINISTRATOR:
        return
    agents = [(a.get("who") or {}).get("identifier") or {} for a in event.get("agent") or ()]
    if not any(i.get("system") == fhir_systems.USERNAME and i.get("value") == user.username
               for i in agents):
        raise Denied(403, "only administrators review other users' audit events")


def _break_glass_reason(request: Request) -> str | None:
    raw = request.headers.get(BREAK_GLASS_HEADER)
    return unquote(raw) if raw else None


def _note(request: Request, user: UserProfile, patient_id: str, data_class: str,
          break_glass_reason: str | None) -> None:
    state = request.state
    noted: dict[str, Access] = _per_request(request, "audit")
    entry = noted.get(patient_id)
    if entry is None:
        action = getattr(state, "request_action", None) or "read"
        query = str(request.url.query) if action in ("search", "history") else None
        entry = noted[patient_id] = Access(
            user.username, user.display_name, patient_id, action, query=query,
            address=request.client.host if request.client else None)
    entry.classes.add(data_class)
    if break_glass_reason:
        entry.break_glass_reason = break_glass_reason
