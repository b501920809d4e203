"""Client of the QHR gateway (server/qhr/routes.py documents the protocol).

`QhrGateway(base_url, auth)`: `auth` is an `httpx.Auth` (e.g. app.central.auth.BearerAuth, which
refreshes the OAuth token) or a callable returning the current access token. The NAM goes in
request bodies, never in URLs; nothing here logs a body. Failures are QhrError subclasses whose
`detail` names the call and status, never the patient.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from cryptography.hazmat.primitives.serialization import Encoding

from app.central.errors import SyncError
from app.devices.piv import KeyProof
from app.qhr.errors import GatewayError, GatewayRefused, SessionExpired

SESSION_HEADER = "X-QHR-Session"
KINDS = ("labs", "imaging", "medications")


@dataclass(frozen=True)
class OpenedSession:
    token: str
    key_id: str
    expires_in: float


class CentralServer(Protocol):
    """The central server's one HTTP seam (app.central.client.FhirClient.request)."""

    def request(self, method: str, path: str, *, json_body: object = None,
                headers: dict[str, str] | None = None, auth: bool = True) -> httpx.Response: ...


class QhrGateway:
    def __init__(self, server: CentralServer):
        self.server = server

    def close(self) -> None:
        """Nothing of its own to close: the connection is the central server client's."""

    def _call(self, method: str, path: str, what: str, *, json: object = None,
              headers: dict[str, str] | None = None) -> httpx.Response:
        try:
            response = self.server.request(method, "/qhr" + path, json_body=json,
                                           headers=headers)
        except SyncError as err:
            raise GatewayError(detail=f"{what}: {err.kind.name}") from None
        if response.status_code in (401, 403):
            body = _json(response)
            error = str(body.get("error", ""))
            if error == "invalid_session":
                raise SessionExpired(detail=what)
            raise GatewayRefused(error, tuple(body.get("conditions", ())),
                                 detail=f"{what}: {response.status_code} {error}")
        if response.status_code >= 400:
            raise GatewayError(detail=f"{what}: HTTP {response.status_code}")
        return response

    def challenge(self) -> bytes:
        body = self._call("POST", "/challenge", "challenge").json()
        return base64.b64decode(body["challenge"])

    def open_session(self, challenge: bytes, proof: KeyProof) -> OpenedSession:
        body = self._call("POST", "/session", "open session", json={
            "challenge": base64.b64encode(challenge).decode(),
            "certificate": base64.b64encode(proof.certificate.public_bytes(Encoding.DER)).decode(),
            "signature": base64.b64encode(proof.signature).decode()}).json()
        return OpenedSession(body["session"], body["key_id"], float(body["expires_in"]))

    def close_session(self, token: str) -> None:
        self._call("DELETE", "/session", "close session", headers={SESSION_HEADER: token})

    def read(self, token: str, kind: str, nam: str) -> list[dict[str, Any]]:
        """The resources of one kind (labs, imaging, medications) for the patient `nam`."""
        if kind not in KINDS:
            raise ValueError(kind)
        response = self._call("POST", f"/{kind}/_search", f"read {kind}",
                              json={"patient": nam}, headers={SESSION_HEADER: token})
        try:
            found: list[dict[str, Any]] = [e["resource"]
                                           for e in response.json().get("entry", ())]
            return found
        except (ValueError, KeyError, TypeError):
            raise GatewayError(detail=f"read {kind}: malformed Bundle") from None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
