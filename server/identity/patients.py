"""The patient side of an access decision, read from the store: who the patient's physicians
are and what the patient consented to.

The patient's physicians (decided here, used by `app.core.access.relationship`):
- the practitioners named in `Patient.generalPractitioner` (the RAMQ family physician, see
  app.core.registration), and
- the practitioners of the patient's Encounters (`Encounter.participant.individual`): a
  physician who sees the patient in clinic is one of their physicians.
A Practitioner reference maps to an account by the id convention `Practitioner/user-{username}`
(server.identity.practitioner) or by the Practitioner's identifier of system USERNAME.
"""

from __future__ import annotations

from typing import Any

from app.core import fhir_systems
from app.core.access import PatientContext
from app.core.consent import consent_from_fhir
from server.identity.practitioner import username_of
from server.storage import Clause, Criteria

MAX_ROWS = 10_000


def _practitioner_refs(rtype: str, resource: dict) -> list[str]:
    if rtype == "Patient":
        refs = [r.get("reference", "") for r in resource.get("generalPractitioner") or ()]
    elif rtype == "Encounter":
        refs = [(p.get("individual") or {}).get("reference", "")
                for p in resource.get("participant") or ()]
    else:
        return []
    return [r for r in refs if r.startswith("Practitioner/")]


def _all(tx: Any, rtype: str, patient_id: str) -> list[dict]:
    criteria = Criteria(rtype, [Clause("patient", (patient_id,))], count=MAX_ROWS)
    return [v.resource() for v in tx.search(criteria, total=False).versions]


class PatientContexts:
    """Builds PatientContext from the store; usernames of Practitioner ids are cached."""

    def __init__(self, store: Any):
        self.store = store
        self._usernames: dict[str, str | None] = {}

    def load(self, patient_id: str, writing: dict | None = None,
             writing_type: str | None = None) -> PatientContext:
        """`writing`: a resource about to be written, whose practitioners count too."""
        with self.store.read() as tx:
            current = tx.current("Patient", patient_id)
            refs = _practitioner_refs("Patient", current.resource()) \
                if current and not current.deleted else []
            for encounter in _all(tx, "Encounter", patient_id):
                refs += _practitioner_refs("Encounter", encounter)
            consents = _all(tx, "Consent", patient_id)
            if writing is not None and writing_type:
                refs += _practitioner_refs(writing_type, writing)
            physicians = frozenset(u for u in (self._username(tx, r) for r in set(refs)) if u)
        return PatientContext(patient_id, physicians, consent_from_fhir(consents))

    def _username(self, tx: Any, reference: str) -> str | None:
        if reference in self._usernames:
            return self._usernames[reference]
        found = username_of(reference)
        if found is None:
            current = tx.current("Practitioner", reference.split("/", 1)[1])
            ids = current.resource().get("identifier", []) if current and current.text else []
            found = next((i.get("value") for i in ids
                          if i.get("system") == fhir_systems.USERNAME), None)
        if len(self._usernames) > 50_000:
            self._usernames.clear()
        self._usernames[reference] = found
        return found
