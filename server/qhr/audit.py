"""Server-side audit of QHR consultations: one AuditEvent (BALP shape, as server.identity.audit)
per read, naming the patient by NAM (the QHR has no EMR id), the user, the key identifier, the
sub-class read (`qhr:labs`, `qhr:imaging`, `qhr:medications`) and the client address.
Handed to the identity layer's batch writer, off the request's path.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from app.core import fhir_systems
from app.core.profiles import UserProfile
from server import identity
from server.identity.audit import Access, audit_event

KEY_ID_DETAIL = "qhr-key-id"


def record(request: Request, user: UserProfile, key_id: str, nam: str, kind: str) -> None:
    access = Access(user.username, user.display_name, "", "search", classes={f"qhr:{kind}"},
                    address=request.client.host if request.client else None)
    identity.services(request.app).audit.add_events([event(access, key_id, nam)])


def event(access: Access, key_id: str, nam: str) -> dict:
    built = audit_event(access, datetime.now(UTC))
    patient = built["entity"][0]
    patient["what"] = {"identifier": {"system": fhir_systems.NAM, "value": nam}}
    patient["detail"].append({"type": KEY_ID_DETAIL, "valueString": key_id})
    return built
