"""SMART App Launch 2.x for a native app: endpoint discovery and the authorization request.

Discovery (`discover`): `{fhir base}/.well-known/smart-configuration`, else the OpenID
Provider metadata `{root}/.well-known/openid-configuration` (same field names for what is used
here). The fields used: `authorization_endpoint`, `token_endpoint`, `revocation_endpoint`,
`grant_types_supported`, `code_challenge_methods_supported`, `scopes_supported`.

The standalone launch (`AuthorizationRequest`): authorization code with PKCE S256 (RFC 7636),
a fresh `state` and `code_verifier` per attempt, `aud` = the FHIR base, through the system
browser with a loopback redirect (RFC 8252, app.central.loopback).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from app.central.errors import Kind, SyncError

CLIENT_ID = "clinicdesk"  # a public native client (no secret: RFC 8252 §8.4)
SMART_PATH = "/.well-known/smart-configuration"
OPENID_PATH = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Endpoints:
    token: str
    authorization: str | None = None
    revocation: str | None = None
    grants: frozenset[str] = frozenset()
    pkce_methods: frozenset[str] = frozenset()
    scopes: tuple[str, ...] = field(default=())

    @property
    def browser(self) -> bool:
        """Whether the code + PKCE S256 sign-in is offered (R4 servers: RFC 8414 says an
        absent `grant_types_supported` means authorization_code and implicit)."""
        return (self.authorization is not None and "authorization_code" in self.grants
                and "S256" in self.pkce_methods)

    @property
    def password(self) -> bool:
        return "password" in self.grants


def parse(body: Any) -> Endpoints:
    """SyncError(INVALID) when the document lacks what a sign-in needs."""
    if not isinstance(body, dict) or not isinstance(body.get("token_endpoint"), str):
        raise SyncError(Kind.CLIENT, "discovery document without token_endpoint")

    def strings(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        if name not in body:
            return default
        value = body[name]
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    authorization = body.get("authorization_endpoint")
    revocation = body.get("revocation_endpoint")
    return Endpoints(
        token=body["token_endpoint"],
        authorization=authorization if isinstance(authorization, str) else None,
        revocation=revocation if isinstance(revocation, str) else None,
        grants=frozenset(strings("grant_types_supported",
                                 ("authorization_code", "implicit"))),
        pkce_methods=frozenset(strings("code_challenge_methods_supported")),
        scopes=strings("scopes_supported"))


def discover(get_json: Callable[[str], Any | None], fhir_base: str, root: str) -> Endpoints:
    """`get_json(url)`: the JSON body, None when the server has no such document (404/…);
    transport failures raise (SyncError: offline is decided by the caller)."""
    for url in (fhir_base.rstrip("/") + SMART_PATH, root.rstrip("/") + OPENID_PATH):
        body = get_json(url)
        if body is not None:
            return parse(body)
    raise SyncError(Kind.CLIENT, "the server publishes no SMART or OpenID configuration")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class AuthorizationRequest:
    """One attempt: its secrets (`state`, `verifier`) never leave this process except the
    verifier, once, to the token endpoint."""
    redirect_uri: str
    scope: str
    state: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(64))  # 86 chars

    @property
    def challenge(self) -> str:
        return _b64(hashlib.sha256(self.verifier.encode("ascii")).digest())

    def url(self, endpoints: Endpoints, fhir_base: str) -> str:
        assert endpoints.authorization is not None
        query = urlencode({
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": self.redirect_uri,
            "scope": self.scope, "state": self.state, "aud": fhir_base,
            "code_challenge": self.challenge, "code_challenge_method": "S256"})
        sep = "&" if "?" in endpoints.authorization else "?"
        return endpoints.authorization + sep + query

    def token_form(self, code: str) -> dict[str, str]:
        return {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID,
                "redirect_uri": self.redirect_uri, "code_verifier": self.verifier}
