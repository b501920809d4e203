"""The QHR gateway's HTTP interface (router under /qhr; every call needs the OAuth bearer).

    POST   /qhr/challenge                 → {"challenge": b64, "expires_in": s}
    POST   /qhr/session  {"challenge", "certificate" (DER, b64), "signature" (b64)}
                                          → {"session": token, "key_id": …, "expires_in": s}
    DELETE /qhr/session                   (header X-QHR-Session) → 204
    POST   /qhr/{labs|imaging|medications}/_search  {"patient": NAM}  (header X-QHR-Session)
                                          → FHIR searchset Bundle

The NAM travels in the body, never in a URL (URLs end up in proxies' logs). Refusals: 401
{"error": "invalid_token" | "invalid_session"}, 403 {"error": "not_eligible", "conditions":
[…]} (app.qhr.eligibility's conditions, checked again here), 403 {"error": "invalid_proof" |
"wrong_key"}, 503 {"error": "no_ca"} when the server has no QHR CA (`--qhr-ca`).
Each read is audited (server.qhr.audit).
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.core import nam as nams
from app.qhr.eligibility import eligibility
from server import authz, limits
from server.qhr import audit, data, proof
from server.qhr.sessions import Sessions

router = APIRouter(prefix="/qhr")
SESSION_HEADER = "x-qhr-session"
NO_STORE = {"Cache-Control": "no-store"}


def _error(status: int, error: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": error, **extra}, status, headers=NO_STORE)


def sessions(request: Request) -> Sessions:
    found = getattr(request.app.state, "qhr_sessions", None)
    if found is None:
        ttl = getattr(request.app.state.settings, "qhr_session_ttl", None)
        found = request.app.state.qhr_sessions = Sessions(**({"ttl": ttl} if ttl else {}))
    return found


def _ca(request: Request):
    path = getattr(request.app.state.settings, "qhr_ca", None)
    return _load_ca(str(path)) if path else None


@lru_cache(maxsize=4)
def _load_ca(path: str):
    return proof.load_ca(path)


async def _json(request: Request) -> dict:
    try:
        body = limits.parse_json(await request.body() or b"{}")
    except limits.InputError:  # not JSON, too deep: taken as empty, refused further on
        body = None
    return body if isinstance(body, dict) else {}


@router.post("/challenge")
def challenge(request: Request) -> JSONResponse:
    try:
        user = authz.current_user(request)
    except authz.Denied as denied:
        return _error(denied.status, "invalid_token")
    nonce = sessions(request).challenge(user.username)
    return JSONResponse({"challenge": base64.b64encode(nonce).decode(),
                         "expires_in": sessions(request).challenge_ttl}, headers=NO_STORE)


@router.post("/session")
async def open_session(request: Request) -> JSONResponse:
    body = await _json(request)
    try:
        user = authz.current_user(request)
    except authz.Denied as denied:
        return _error(denied.status, "invalid_token")
    ca = _ca(request)
    if ca is None:
        return _error(503, "no_ca")
    try:
        nonce, cert, signature = (base64.b64decode(body.get(k) or "", validate=True)
                                  for k in ("challenge", "certificate", "signature"))
    except (binascii.Error, TypeError):
        return _error(400, "invalid_request")
    if not sessions(request).take_challenge(nonce, user.username):
        return _error(403, "invalid_proof", detail="challenge unknown, used or expired")
    try:
        key_id = proof.check_proof(cert, signature, nonce, ca)
    except proof.ProofError as err:
        return _error(403, "invalid_proof", detail=str(err))
    verdict = eligibility(user, key_plugged=True, plugged_key_id=key_id)
    if not verdict.eligible:
        return _error(403, "not_eligible", conditions=sorted(verdict.conditions))
    token = sessions(request).open(user.username, key_id)
    return JSONResponse({"session": token, "key_id": key_id,
                         "expires_in": sessions(request).ttl}, headers=NO_STORE)


@router.delete("/session")
def close_session(request: Request) -> Response:
    try:
        user = authz.current_user(request)
    except authz.Denied as denied:
        return _error(denied.status, "invalid_token")
    if not sessions(request).close(request.headers.get(SESSION_HEADER, ""), user.username):
        return _error(401, "invalid_session")
    return Response(status_code=204, headers=NO_STORE)


@router.post("/{kind}/_search")
async def search(kind: str, request: Request) -> Response:
    body = await _json(request)
    try:
        user = authz.current_user(request)
    except authz.Denied as denied:
        return _error(denied.status, "invalid_token")
    if kind not in data.KINDS:
        return _error(404, "not_found")
    session = sessions(request).get(request.headers.get(SESSION_HEADER, ""), user.username)
    if session is None:
        return _error(401, "invalid_session")
    nam = str(body.get("patient") or "").strip().upper()
    if not nams.is_valid(nam):
        return _error(400, "invalid_nam")
    audit.record(request, user, session.key_id, nam, kind)
    return Response(_bundle_bytes(nam, kind), media_type="application/fhir+json",
                    headers=NO_STORE)


@lru_cache(maxsize=16)
def _bundle_bytes(nam: str, kind: str) -> bytes:
    resources = data.bundle(nam, kind)
    return json.dumps({"resourceType": "Bundle", "type": "searchset", "total": len(resources),
                       "entry": [{"resource": r} for r in resources]},
                      ensure_ascii=False, separators=(",", ":")).encode()
