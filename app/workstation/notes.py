"""NoteService: consultation notes written in the chart, offline or not.

A note is a FHIR R4 DocumentReference shaped like the seed's consultation notes (LOINC 11488-4,
plain-text attachment, authored by the user's Practitioner). It goes into the user's encrypted
store and its outbox in ONE transaction (Store.put_resources with an OutboxChange), which also
drops the draft the editor autosaved; the next sync round pushes it. Only when app.core.access
allows the user to write NOTES for this patient.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from app.core import fhir_systems
from app.core.data_class import DataClass
from app.core.errors import UserFacingError
from app.core.profiles import practitioner_reference
from app.core.text import QT_TRANSLATE_NOOP, text
from app.workstation.chart_display import entry_of
from app.workstation.contracts import ChartEntry, Resource
from app.workstation.session import store_thread, user_of

if TYPE_CHECKING:
    from app.core.profiles import UserProfile
    from app.store import Store
    from app.workstation.session import Session

CTX = "notes"
NOT_ALLOWED = QT_TRANSLATE_NOOP(CTX, "You may not write notes in this chart.")
EMPTY = QT_TRANSLATE_NOOP(CTX, "The note is empty.")
NOTE_TITLE = "Note de consultation"


def note_resource(patient_id: str, author: str, body: str, when: datetime) -> Resource:
    stamp = when.astimezone().isoformat(timespec="seconds")
    return {"resourceType": "DocumentReference", "id": f"local-{uuid.uuid4()}",
            "status": "current",
            "type": {"coding": [{"system": fhir_systems.LOINC, "code": "11488-4",
                                 "display": NOTE_TITLE}], "text": NOTE_TITLE},
            "subject": {"reference": f"Patient/{patient_id}"}, "date": stamp,
            "author": [{"reference": practitioner_reference(author)}],
            "content": [{"attachment": {
                "contentType": "text/plain; charset=utf-8", "language": "fr-CA",
                "title": NOTE_TITLE, "creation": stamp,
                "data": base64.b64encode(body.encode()).decode()}}]}


class ChartNotes:
    def __init__(self, session: Session):
        self.session = session

    def may_write(self, profile: UserProfile) -> bool:
        """Whether the role may write notes at all (the action is not even created otherwise)."""
        from app.core.access import Action, role_classes

        return DataClass.NOTES in role_classes(profile, Action.WRITE)

    def draft(self, patient_id: str) -> str | None:
        """The autosaved draft of this chart's note being written, if any."""
        draft: str | None = store_thread(self.session).call(
            lambda store: store.note_draft(patient_id))
        return draft

    def save_draft(self, patient_id: str, body: str) -> None:
        """Autosave (encrypted store, migration 0006); blank text removes the draft."""
        store_thread(self.session).call(lambda store: store.put_note_draft(patient_id, body))

    def write(self, patient_id: str, body: str) -> ChartEntry:
        """Cache + outbox in one transaction, on the store thread; the chart row to show."""
        if not body.strip():
            raise UserFacingError(text(CTX, EMPTY))
        profile = user_of(self.session)
        note = note_resource(patient_id, profile.username, body, datetime.now())

        def save(store: Store) -> None:
            from app.core.access import writable_classes
            from app.store import OutboxChange
            from app.store.authorised import chart_context

            if DataClass.NOTES not in writable_classes(profile, chart_context(store, patient_id)):
                raise UserFacingError(text(CTX, NOT_ALLOWED))
            change = OutboxChange("DocumentReference", note["id"], "create", note, None,
                                  patient_id)
            store.put_resources([note], outbox_changes=[change], drop_draft=patient_id)
        store_thread(self.session).call(save)
        return entry_of(note, {practitioner_reference(profile.username): profile.display_name},
                        unsent=True)
