"""Client of the QHR gateway (server/qhr/routes.py documents the protocol).

`QhrGateway(base_url, auth)`: `auth` is an `httpx.Auth` (e.g. app.central.auth.BearerAuth, which
refreshes the OAuth token) or a callable returning the current access token. The NAM goes in
request bodies, never in URLs; nothing here logs a body. Failures are QhrError subclasses whose
`detail` names the call and status, never the patient.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.serialization import Encoding

from app.devices.piv import KeyProof
from app.qhr.errors import GatewayError, GatewayRefused, SessionExpired

SESSION_HEADER = "X-QHR-Session"
KINDS = ("labs", "imaging", "medications")


@dataclass(frozen=True)
class OpenedSession:
    token: str
    key_id: str
    expires_in: float


class _CallableAuth(httpx.Auth):
    def __init__(self, token: Callable[[], str]):
        self.token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


class QhrGateway:
    def __init__(self, base_url: str, auth: httpx.Auth | Callable[[], str], *,
                 verify: object = True, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None):
        self.client = httpx.Client(
            base_url=base_url.rstrip("/") + "/qhr", verify=verify, timeout=timeout,
            transport=transport,
            auth=auth if isinstance(auth, httpx.Auth) else _CallableAuth(auth))

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, what: str, **kw) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kw)
        except httpx.HTTPError as err:
            raise GatewayError(detail=f"{what}: {type(err).__name__}") from None
        if response.status_code in (401, 403):
            body = _json(response)
            error = body.get("error", "")
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
            return [e["resource"] for e in response.json().get("entry", ())]
        except (ValueError, KeyError, TypeError):
            raise GatewayError(detail=f"read {kind}: malformed Bundle") from None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
