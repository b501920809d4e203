"""What every FHIR operation needs: the HTTP request, the store, the settings, the base URL."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from app.core.profiles import UserProfile
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

    def user(self) -> UserProfile | None:
        """The signed-in caller; None when the server runs without authorisation."""
        return authz.current_user(self.request) if self.settings.auth_required else None

    def in_clinic(self, reference: str) -> bool:
        return authz.in_clinic(self.request, reference)

    def queue_audit(self) -> None:
        """The reads decided so far to the audit writer now (server.authz.queue_audit)."""
        authz.queue_audit(self.request)

    def prefetch(self, tx: object, versions: list[Version], current: bool = False) -> None:
        """Inside the request's own read transaction: the patient contexts that `visible` will
        decide these versions with (server.authz.prefetch), of the same snapshot. `current`:
        the versions are current ones (a search, $everything): a Patient among them is not read
        again."""
        patients = {v.rid: v for v in versions if v.rtype == "Patient"} if current else None
        authz.prefetch(self.request, tx, {v.patient for v in versions if v.rtype != "AuditEvent"
                                          and (v.data_class is not None or v.deleted)}, patients)

    def forget_prefetched(self) -> None:
        """The patient contexts prefetched so far are dropped (read again in another
        snapshot)."""
        authz.forget_prefetched(self.request)

    def forget_decisions(self) -> None:
        """The patient contexts and read decisions made so far are dropped (server.authz
        .forget_decisions): a batch entry is decided as the request alone would be."""
        authz.forget_decisions(self.request)

    def visible(self, versions: list[Version]) -> list[tuple[Version, RawJson | None]]:
        """The versions this caller may see, each with its stored JSON
        (None for a deletion). Every one shown is authorised as a read, hence audited: once per
        (patient, data class) by the class stored with each version, without decoding it;
        AuditEvents (and a deleted Patient version) on their content, one by one."""
        if not self.settings.auth_required:
            return [(v, RawJson(v.text) if v.text else None) for v in versions]
        decided: dict[tuple[str | None, str | None, str], bool] = {}
        shown = []
        for v in versions:
            if v.rtype == "AuditEvent" or (v.deleted and v.rtype == "Patient"):
                if not self._allowed(v, True):
                    continue
            else:
                key = (v.patient, v.data_class, v.rtype)  # the type: the token's scopes
                allowed = decided.get(key)
                if allowed is None:
                    allowed = decided[key] = self._allowed(v, False)
                if not allowed:
                    continue
            shown.append((v, RawJson(v.text) if v.text else None))
        return shown

    def _allowed(self, v: Version, by_content: bool) -> bool:
        try:
            if by_content:
                self.authorize("read", v.rtype, v.patient, v.resource() or None)
            else:
                authz.authorize_stored(self.request, v.rtype, v.patient, v.data_class)
        except authz.Denied as denied:
            if denied.status != 403:
                raise
            return False
        return True
