"""SMART App Launch 2.x discovery (`{fhir base}/.well-known/smart-configuration`) and its
OpenID-style twin at the root (`/.well-known/openid-configuration`, RFC 8414 fields), built from
the address the request came to (behind a trusted proxy: the forwarded one).

What is advertised is what the server does: public native clients (`client-public`,
`launch-standalone`) with the authorization code and PKCE S256 only; `permission-v2` scopes,
`permission-offline` (refresh tokens); the password grant only when the server's settings
allow it (`serve --no-password-grant` removes it here and at the token endpoint).
No id_token is issued, so neither `sso-openid-connect` nor `openid`/`fhirUser` are claimed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.core import smart_scopes
from app.core.profiles import Profession
from server.identity.tokens import IDENTITY_SCOPES

router = APIRouter()
FHIR_PATH = "/fhir"
CAPABILITIES = ["launch-standalone", "client-public", "permission-v2", "permission-user",
                "permission-offline"]


def password_grant_on(request: Request) -> bool:
    return bool(getattr(request.app.state.settings, "password_grant", True))


def root_of(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _grants(request: Request) -> list[str]:
    return ["authorization_code", "refresh_token",
            *(["password"] if password_grant_on(request) else [])]


def _scopes() -> list[str]:
    widest: dict[str, str] = {}  # resource scope → the most permissions any role has
    for profession in Profession:
        for scope in smart_scopes.role_scopes(profession):
            name, perms = scope.rsplit(".", 1)
            if len(perms) > len(widest.get(name, "")):
                widest[name] = perms
    return [*IDENTITY_SCOPES, *(f"{name}.{perms}" for name, perms in widest.items())]


def smart_configuration(request: Request) -> dict[str, Any]:
    root = root_of(request)
    return {
        "authorization_endpoint": f"{root}/oauth/authorize",
        "token_endpoint": f"{root}/oauth/token",
        "revocation_endpoint": f"{root}/oauth/revoke",
        "grant_types_supported": _grants(request),
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": _scopes(),
        "capabilities": CAPABILITIES,
    }


@router.get(FHIR_PATH + "/.well-known/smart-configuration")
def smart(request: Request) -> JSONResponse:
    return JSONResponse(smart_configuration(request),
                        headers={"Cache-Control": "max-age=3600"})


@router.get("/.well-known/openid-configuration")
def openid(request: Request) -> JSONResponse:
    # RFC 8414 needs `issuer`; SMART omits it without sso-openid-connect (not claimed here)
    body = {"issuer": root_of(request),
            **{k: v for k, v in smart_configuration(request).items() if k != "capabilities"}}
    return JSONResponse(body, headers={"Cache-Control": "max-age=3600"})
