"""What every FHIR operation needs: the HTTP request, the store, the settings, the base URL."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from server import authz
from server.fhir.respond import RawJson
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

    def visible(self, versions: list[Version]) -> list[tuple[Version, RawJson | None]]:
        """The versions this caller may see, each with its stored JSON (None for a deletion)."""
        check = self.settings.auth_required
        shown = []
        for v in versions:
            if check:
                try:
                    self.authorize("read", v.rtype, v.patient, v.resource() or None)
                except authz.Denied as denied:
                    if denied.status != 403:
                        raise
                    continue
            shown.append((v, RawJson(v.text) if v.text else None))
        return shown
