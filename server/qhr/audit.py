"""Server-side audit of QHR consultations: one AuditEvent (BALP shape, as server.identity.audit)
per read, naming the patient by NAM (the QHR has no EMR id), the user, the key identifier, the
sub-class read (`qhr:labs`, `qhr:imaging`, `qhr:medications`) and the client address.
Noted on the request: stored before the answer goes out (server.identity.audit).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from app.core import fhir_systems
from app.core.profiles import UserProfile
from server.identity.audit import Access, audit_event, note_events

KEY_ID_DETAIL = "qhr-key-id"


def record(request: Request, user: UserProfile, key_id: str, nam: str, kind: str) -> None:
    access = Access(user.username, user.display_name, "", "search", classes={f"qhr:{kind}"},
                    address=request.client.host if request.client else None)
    note_events(request.state, [event(access, key_id, nam)])


def event(access: Access, key_id: str, nam: str) -> dict:
    built = audit_event(access, datetime.now(UTC))
    patient = built["entity"][0]
    patient["what"] = {"identifier": {"system": fhir_systems.NAM, "value": nam}}
    patient["detail"].append({"type": KEY_ID_DETAIL, "valueString": key_id})
    return built
