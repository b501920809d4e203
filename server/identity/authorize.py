"""The authorization endpoint (RFC 6749 §4.1, PKCE RFC 7636, native apps RFC 8252):
`GET /oauth/authorize` shows the login page (server.identity.login_page), `POST` checks the
password and sends the browser back to the app's loopback redirect with a single-use code.

- Clients are public native apps (CLIENTS); their redirect is a loopback address with any port
  (RFC 8252 §7.3): `http://127.0.0.1:<port>/…` or `http://[::1]:<port>/…`. An unknown client or
  a redirect that is not loopback is told on the page and never redirected to (§4.1.2.1); the
  request's other faults go back to the app as `error=…&state=…`.
- PKCE S256 is required (`plain` refused), and so are `state` and `aud` (this FHIR base).
- CSRF: double submit: the page sets a random cookie (HttpOnly, SameSite=Strict) and carries
  the same value in the form; a POST whose form and cookie differ is refused, nothing checked.
  Pages are not framable (clickjacking) and not cached.
- The password check is the token endpoint's, throttled the same way (429 + Retry-After).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from server import identity, limits
from server.identity import login_page
from server.identity.smart import FHIR_PATH, root_of
from server.identity.tokens import OAuthError

router = APIRouter()
CLIENTS = frozenset({"clinicdesk"})
PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
          "code_challenge_method", "aud")
CSRF_COOKIE = "clinicdesk_csrf"
MAX_FIELDS = len(PARAMS) + 4  # + username, password, csrf, lang
HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
           "frame-ancestors 'none'", "Referrer-Policy": "no-referrer"}


class _NoRedirect(Exception):
    """The redirect cannot be trusted: the fault is told on the page."""


class _Redirect(Exception):
    """An RFC 6749 §4.1.2.1 error sent back to the (checked) redirect."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error


def loopback(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    return (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")
            and port is not None and not parts.username and not parts.fragment)


def _check(fields: dict[str, str], request: Request) -> None:
    if fields.get("client_id") not in CLIENTS:
        raise _NoRedirect("client_id")
    if not loopback(fields.get("redirect_uri", "")):
        raise _NoRedirect("redirect_uri")
    if fields.get("response_type") != "code":
        raise _Redirect("unsupported_response_type", "response_type must be code")
    if not fields.get("state"):
        raise _Redirect("invalid_request", "state is required")
    if fields.get("code_challenge_method") != "S256" or len(
            fields.get("code_challenge", "")) != 43:
        raise _Redirect("invalid_request", "a PKCE S256 code_challenge is required")
    if fields.get("aud", "").rstrip("/") != root_of(request) + FHIR_PATH:
        raise _Redirect("invalid_request", "aud must be this server's FHIR base")


def _back(fields: dict[str, str], **answer: str) -> RedirectResponse:
    uri = fields["redirect_uri"]
    sep = "&" if urlsplit(uri).query else "?"
    return RedirectResponse(uri + sep + urlencode({**answer, "state": fields.get("state", "")}),
                            status_code=303, headers=HEADERS)


def _html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**HEADERS, **(headers or {})})


def _form_page(request: Request, fields: dict[str, str], lang: str, *, status: int = 200,
               username: str = "", error: str = "", extra: dict[str, str] | None = None
               ) -> HTMLResponse:
    csrf = request.cookies.get(CSRF_COOKIE, "")
    if len(csrf) != 43:
        csrf = secrets.token_urlsafe(32)
    response = _html(login_page.page(lang, fields, csrf, username, error), status, extra)
    response.set_cookie(CSRF_COOKIE, csrf, max_age=1800, path="/oauth/authorize",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.get("/oauth/authorize")
def authorize_page(request: Request) -> Response:
    query = request.query_params
    lang = login_page.language(query.get("lang"), request.headers.get("accept-language", ""))
    fields = {k: query[k] for k in PARAMS if k in query}
    try:
        _check(fields, request)
    except _NoRedirect as fault:
        return _html(login_page.message(lang, "bad_request", detail=str(fault)), 400)
    except _Redirect as fault:
        return _back(fields, error=fault.error, error_description=str(fault))
    return _form_page(request, fields, lang)


@router.post("/oauth/authorize")
async def authorize_submit(request: Request) -> Response:
    try:
        pairs = limits.parse_form(await request.body(), MAX_FIELDS)
    except limits.InputError:
        pairs = []
    form = dict(pairs)
    lang = login_page.language(form.get("lang"), request.headers.get("accept-language", ""))
    fields = {k: form[k] for k in PARAMS if k in form}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not (cookie and hmac.compare_digest(cookie, form.get("csrf", ""))):
        return _html(login_page.message(lang, "expired"), 403)
    try:
        _check(fields, request)
    except _NoRedirect as fault:
        return _html(login_page.message(lang, "bad_request", detail=str(fault)), 400)
    except _Redirect as fault:
        return _back(fields, error=fault.error, error_description=str(fault))
    tokens = identity.services(request.app).tokens
    username = form.get("username", "")
    address = request.client.host if request.client else "unknown"
    try:
        profile = await run_in_threadpool(tokens.check_password, username,
                                          form.get("password", ""), address)
    except OAuthError as refused:
        if refused.status == 429:
            minutes = str(max(1, -(-(refused.retry_after or 60) // 60)))
            return _form_page(request, fields, lang, status=429, username=username,
                              error=login_page.text(lang, "throttled", minutes=minutes),
                              extra={"Retry-After": str(refused.retry_after)})
        return _form_page(request, fields, lang, status=400, username=username,
                          error=login_page.text(lang, "wrong"))
    code = await run_in_threadpool(tokens.issue_code, profile, fields["client_id"],
                                   fields["redirect_uri"], fields["code_challenge"],
                                   fields.get("scope"))
    return _back(fields, code=code)
