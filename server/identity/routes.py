"""HTTP: `POST /oauth/token` (RFC 6749 §4.1.3 authorization_code with PKCE, §4.3 password
where the settings allow it, §6 refresh_token; form-encoded), `POST /oauth/revoke` (RFC 7009)
and `GET /api/me` (app.core.profiles.profile_to_json); with the authorization endpoint
(server.identity.authorize) and SMART discovery (server.identity.smart).
Password grants are throttled per account and per client address (TCP peer): 429 with
Retry-After (server.identity.throttle)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.core.profiles import profile_to_json
from server import authz, identity, limits
from server.identity import authorize, smart
from server.identity.tokens import OAuthError

router = APIRouter()
router.include_router(smart.router)
router.include_router(authorize.router)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 10


async def _form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise OAuthError("invalid_request", f"the body must be {FORM}")
    try:
        pairs = limits.parse_form(await request.body(), MAX_FIELDS)
    except limits.InputError as error:
        raise OAuthError("invalid_request", str(error)) from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise OAuthError("invalid_request", f"parameter {key} repeated")
        form[key] = value
    return form


def _error(error: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


@router.post("/oauth/token")
async def token(request: Request) -> JSONResponse:
    tokens = identity.services(request.app).tokens
    try:
        form = await _form(request)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            missing = [k for k in ("code", "redirect_uri", "client_id", "code_verifier")
                       if not form.get(k)]
            if missing:
                raise OAuthError("invalid_request", f"{missing[0]} is required")
            body = await run_in_threadpool(tokens.code_grant, form["code"], form["client_id"],
                                           form["redirect_uri"], form["code_verifier"])
        elif grant == "password" and smart.password_grant_on(request):
            if "username" not in form or "password" not in form:
                raise OAuthError("invalid_request", "username and password are required")
            address = request.client.host if request.client else "unknown"
            body = await run_in_threadpool(tokens.password_grant, form["username"],
                                           form["password"], address, form.get("scope"))
        elif grant == "refresh_token":
            if not form.get("refresh_token"):
                raise OAuthError("invalid_request", "refresh_token is required")
            body = await run_in_threadpool(tokens.refresh_grant, form["refresh_token"])
        elif grant is None:
            raise OAuthError("invalid_request", "grant_type is required")
        else:
            raise OAuthError("unsupported_grant_type", "grant_type not supported: see "
                             "grant_types_supported in .well-known/smart-configuration")
    except OAuthError as error:
        return _error(error)
    return JSONResponse(body, headers=NO_STORE)


@router.post("/oauth/revoke")
async def revoke(request: Request) -> JSONResponse:
    try:
        form = await _form(request)
        if not form.get("token"):
            raise OAuthError("invalid_request", "token is required")
    except OAuthError as error:
        return _error(error)
    await run_in_threadpool(identity.services(request.app).tokens.revoke, form["token"])
    return JSONResponse({}, headers=NO_STORE)


@router.get("/api/me")
def me(request: Request) -> JSONResponse:
    try:
        user = authz.current_user(request)
    except authz.Denied as denied:
        return _error(OAuthError("invalid_token", denied.message, 401))
    return JSONResponse(profile_to_json(user), headers=NO_STORE)
