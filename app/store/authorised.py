"""Reads of cached patient data that the access policy authorises and the access log records,
in one call and one transaction (ARCHITECTURE rule 4): the UI and the commands read charts
through here, never through the store's unchecked `_list_resources`.

    context = chart_context(store, patient_id)               # physicians + consent, from the cache
    result = authorised_read(store, user, context, DataClass.LABS, reason=None)
    result.decision.allowed, result.resources                # [] when denied
    chart = authorised_chart(store, user, patient_id)        # one read per section the role shows
    log_search(store, user, "nam", 1)                        # kind and count, never the query

Exactly one access-log entry per call of `authorised_read` (so one per chart section shown):
- allowed: action `read` (or `break-glass`, with the typed reason, flagged for review);
- denied: action `denied` — refused attempts are logged too, so a patient's "who looked at my
  record" report and the clinic's review see them.
The entry and the read share one write transaction: no read without its entry, no entry for a
read that failed.

The patient's physicians come from the cached Patient as the server records them (RAMQ
registration: `generalPractitioner` and active registration extensions, app.core.registration),
never from Encounter participants. The consent is the cached Consents when the chart was
fetched from the server (its pull cursor `chart:{id}` exists; the last known consent applies
offline); otherwise UNKNOWN, which the policy treats as restricted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from app.core import access, registration
from app.core.access import Action, Decision, PatientContext
from app.core.consent import consent_from_fhir
from app.core.data_class import DataClass
from app.core.profiles import PRACTITIONER_PREFIX, UserProfile
from app.store import access_log, resources
from app.store.db import Connection

if TYPE_CHECKING:
    from app.store.store import Store

READ, BREAK_GLASS, DENIED, SEARCH = "read", "break-glass", "denied", "search"
SEARCH_KINDS = frozenset({"nam", "chart-number", "name-birthdate"})


@dataclass(frozen=True)
class ReadResult:
    decision: Decision
    resources: list[dict[str, Any]] = field(default_factory=list)
    entry: access_log.Entry | None = None


def physicians_of(patient: dict[str, Any] | None) -> frozenset[str]:
    """Usernames of the patient's physicians: `generalPractitioner` and active registrations."""
    if not patient:
        return frozenset()
    refs = [g.get("reference", "") for g in patient.get("generalPractitioner") or ()]
    refs += [r.physician for r in registration.registrations_of(patient) if r.active]
    return frozenset(r.removeprefix(PRACTITIONER_PREFIX) for r in refs
                     if r.startswith(PRACTITIONER_PREFIX))


def chart_context(store: Store, patient_id: str) -> PatientContext:
    """The policy's view of a cached patient (see the module docstring)."""
    patient = store.get_resource("Patient", patient_id)
    fetched = store.get_cursor(f"chart:{patient_id}") is not None
    consents = store.consents([patient_id])[patient_id] if fetched else None
    return context_of(patient_id, patient, consents)


def context_of(patient_id: str, patient: dict[str, Any] | None,
               consents: list[dict[str, Any]] | None) -> PatientContext:
    """The policy's view from the cached Patient and Consents (None: the chart was never
    fetched, consent unknown), as `chart_context` reads them (several patients at once)."""
    return PatientContext(patient_id, physicians_of(patient), consent_from_fhir(consents),
                          today=date.today())  # the workstation's day: Consent periods


def authorised_read(store: Store, user: UserProfile, context: PatientContext, data_class: DataClass,
                    reason: str | None = None, *, workstation: str | None = None,
                    purpose: str = READ) -> ReadResult:
    """Decide, log one entry and (when allowed) read the class's cached resources, atomically.
    `reason`: a break-the-glass reason typed by the user (only used where the glass may be
    broken). `purpose`: the logged action of an allowed read (`read`, `export`…). QHR data is
    never cached: its read is logged here and shown by the QHR viewer."""
    decision = access.decide(user, context, data_class, Action.READ, reason)
    with store.transaction() as conn:
        found = resources.by_class(conn, context.patient_id, _readable({data_class: decision}))
        return _logged(conn, decision, found.get(data_class, []), user, context, data_class,
                       workstation, purpose)


def _readable(decisions: dict[DataClass, Decision]) -> set[DataClass]:
    """The classes whose cached resources are read: allowed, and cached (QHR never is)."""
    return {c for c, d in decisions.items() if d.allowed and c != DataClass.QHR}


def _logged(conn: Connection, decision: Decision, found: list[dict[str, Any]], user: UserProfile,
            context: PatientContext, data_class: DataClass, workstation: str | None,
            purpose: str) -> ReadResult:
    """The decision's one access-log entry, and its result (`found`: [] when denied)."""
    action = (BREAK_GLASS if decision.break_glass else purpose) if decision.allowed else DENIED
    entry_reason = decision.break_glass_reason if decision.break_glass else None
    entry = access_log.append(conn, access_log.Access(
        user.username, context.patient_id, data_class, action, entry_reason),
        workstation=workstation)
    return ReadResult(decision, found if decision.allowed else [], entry)


def chart_sections(user: UserProfile) -> list[DataClass]:
    """The sections the UI shows this user (the role's best case), QHR apart (its viewer)."""
    return sorted(c for c in access.role_classes(user) if c != DataClass.QHR)


def authorised_chart(store: Store, user: UserProfile, patient_id: str, reason: str | None = None,
                     sections: Sequence[DataClass] | None = None, *,
                     purpose: str = READ) -> dict[DataClass, ReadResult]:
    """One authorised, logged read per section shown (`reason` breaks the glass), all in one
    transaction: one commit per chart opening, not one per section. The patient's rows are
    read once and decoded only for the allowed sections."""
    context = chart_context(store, patient_id)
    wanted = sections if sections is not None else chart_sections(user)
    decisions = {c: access.decide(user, context, c, Action.READ, reason) for c in wanted}
    with store.transaction() as conn:
        found = resources.by_class(conn, patient_id, _readable(decisions))
        return {c: _logged(conn, decisions[c], found.get(c, []), user, context, c, None, purpose)
                for c in wanted}


def log_search(store: Store, user: UserProfile, kind: str, result_count: int, *,
               workstation: str | None = None) -> access_log.Entry:
    """A single-individual search: its kind (nam, chart-number, name-birthdate) and how many
    records it found — never the query itself, which is patient data."""
    if kind not in SEARCH_KINDS:
        raise ValueError("unknown search kind")
    with store.transaction() as conn:
        return access_log.append(conn, access_log.Access(
            user.username, None, f"{SEARCH}:{kind}:{result_count}", SEARCH),
            workstation=workstation)
