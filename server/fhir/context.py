"""What every FHIR operation needs: the HTTP request, the store, the settings, the base URL."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from server import authz
from server.settings import Settings
from server.storage import Store, Version


@dataclass
class Ctx:
    request: Request
    store: Store
    settings: Settings
    base: str

    @classmethod
    def of(cls, request: Request) -> Ctx:
        state = request.app.state
        base = str(request.base_url).rstrip("/") + "/fhir"
        return cls(request, state.store, state.settings, base)

    def authorize(self, action: str, rtype: str | None, patient_id: str | None = None,
                  resource: dict | None = None) -> None:
        authz.authorize(self.request, action, rtype, patient_id, resource)

    def visible(self, versions: list[Version]) -> list[tuple[Version, dict | None]]:
        """The versions this caller may see, each with its resource (None for a deletion)."""
        shown = []
        for v in versions:
            resource = v.resource() if not v.deleted else None
            try:
                self.authorize("read", v.rtype, v.patient, resource)
            except authz.Denied as denied:
                if denied.status != 403:
                    raise
                continue
            shown.append((v, resource))
        return shown
