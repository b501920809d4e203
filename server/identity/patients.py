"""The patient side of an access decision, read from the store: who the patient's physicians
are and what the patient consented to.

The patient's physicians (decided here, used by `app.core.access.relationship`) come only from
the Patient resource as stored, i.e. from what the clinic recorded of the RAMQ registration
(app.core.registration):
- the practitioners named in `Patient.generalPractitioner` (the family physician), and
- the physicians of the patient's active RAMQ registration extensions.
Nothing a user writes about a visit makes them one of the patient's physicians: neither an
Encounter's participants nor the practitioners of the resource being written count (either would
let any physician write an Encounter naming themselves and then read the whole chart).
A Practitioner reference maps to an account by the id convention `Practitioner/user-{username}`
(server.identity.practitioner) or by the Practitioner's identifier of system USERNAME.
The consent is every Consent of the patient, judged (app.core.consent) for the requesting user
on the server's day (`PatientContext.today`). A Consent actor is matched by the reference
convention (or a USERNAME identifier) only, exactly as the client does: an actor naming another
Practitioner id is not looked up, so a deny naming it applies to everyone (fail closed).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import orjson

from app.core import fhir_systems
from app.core.access import PatientContext
from app.core.consent import consent_from_fhir
from server.identity.practitioner import username_of
from server.storage import Clause, Criteria, NeedsSnapshot
from server.storage.care import practitioner_refs

REFS_KEPT = 4096  # Patient versions whose physicians' references are remembered (`_refs`)


class PatientContexts:
    """Builds PatientContext from the store, read afresh each time (no per-process cache that
    another server process's writes could leave stale; server.authz keeps one per request)."""

    def __init__(self, store: Any):
        self.store = store
        self._refs: dict[bytes, frozenset[str]] = {}  # by digest of a Patient version's JSON

    def load(self, patient_id: str, writing: dict | None = None,
             writing_type: str | None = None) -> PatientContext:
        """The stored patient's context, read as one statement when it can be (the Patient and
        its Consents: what a write's gate reads). `writing` (a resource about to be written) is
        accepted for the callers' sake and deliberately ignored: it never makes anyone a
        physician."""
        del writing, writing_type
        try:  # the Patient and its Consents in one statement: one snapshot, no BEGIN, COMMIT
            with self.store.alone(single=True) as tx:
                found = tx.search(Criteria("Patient", [Clause("_id", (patient_id,))], count=1),
                                  total=False, consents=True).versions
                if found:
                    return self.load_in(tx, patient_id, found[0])
        except NeedsSnapshot:  # deciding needs one more read (a Practitioner resource)
            pass
        with self.store.read() as tx:  # that, or no such Patient: all in one transaction
            return self.load_in(tx, patient_id)

    def load_in(self, tx: Any, patient_id: str, current: Any = None) -> PatientContext:
        """`load` inside a read transaction the caller already has open (the request's own
        read: the context is then of the same snapshot, without a transaction of its own).
        `current`: the Patient's current version if the caller read it in `tx` already."""
        if current is None:
            current = tx.current("Patient", patient_id)
        refs = self._refs_of(current.text) \
            if current and not current.deleted and current.text else frozenset()
        consents = [v.resource() for v in tx.consents(patient_id)]
        physicians = frozenset(u for u in (self._username(tx, r) for r in refs) if u)
        return PatientContext(patient_id, physicians, consent_from_fhir(consents),
                              today=date.today())  # the server's day: Consent periods

    def _refs_of(self, text: str) -> frozenset[str]:
        """The physicians' references a stored Patient's JSON names (care.practitioner_refs),
        remembered by the text's digest: the Patient version itself is read from the store on
        every decision, only what its text gives is not worked out again (the parse was 0.055 M
        instructions of every audited read). A pure function of the text, so it cannot disagree
        with the database or between processes; nothing of the patient is kept but a digest."""
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        found = self._refs.get(key)
        if found is None:
            if len(self._refs) >= REFS_KEPT:
                self._refs.clear()
            found = self._refs[key] = frozenset(practitioner_refs(orjson.loads(text)))
        return found

    def physicians_changed(self, patient_id: str, patient: dict) -> bool:
        """Would storing this Patient change who the patient's physicians are?"""
        with self.store.read() as tx:
            current = tx.current("Patient", patient_id)
            before = practitioner_refs(current.resource()) \
                if current and not current.deleted else []
            after = practitioner_refs(patient)
            names = {r: self._username(tx, r) for r in set(before) | set(after)}
        return {names[r] for r in before} - {None} != {names[r] for r in after} - {None}

    def _username(self, tx: Any, reference: str) -> str | None:
        found = username_of(reference)  # the id convention; else the Practitioner as stored
        if found is None:
            current = tx.current("Practitioner", reference.split("/", 1)[1])
            ids = current.resource().get("identifier", []) if current and current.text else []
            found = next((i.get("value") for i in ids
                          if i.get("system") == fhir_systems.USERNAME), None)
        return found
