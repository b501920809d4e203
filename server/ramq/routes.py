"""HTTP: /api/ramq/... — JSON in and out; every route calls `authz.current_user` first.

  GET  /api/ramq/config              import configuration (no passwords) + last import status
  PUT  /api/ramq/config              save it (administrator); 422 {"problems": {field: text}}
  POST /api/ramq/import              run the import now (administrator) → status
  POST /api/ramq/family-physician    {"nam"} → app.core.ramq.FamilyPhysician (REGISTRATION)
  POST /api/ramq/eligibility         {"nam"} → app.core.ramq.Eligibility (REGISTRATION)
  POST /api/ramq/account-requests    a request (authorised administrator) → its record
  GET  /api/ramq/account-requests    the requester's requests and their status
NAMs travel in bodies, never in URLs (request lines end up in logs).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.core import access, nam
from app.core.account_request import (
    AccountRequest,
    RequestRecord,
    Status,
    due_date,
    may_request,
    request_problems,
)
from app.core.data_class import DataClass
from app.core.profiles import UserProfile
from app.core.ramq import ImportConfig, config_problems
from app.core.text import Text
from server import authz, limits, ramq
from server.identity.audit import Access, audit_event, note_events
from server.ramq import lookup
from server.ramq.importer import run_import

router = APIRouter(prefix="/api/ramq")
NO_STORE = {"Cache-Control": "no-store"}
CTX = "ramq"


def _answer(body: dict, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def _denied(denied: authz.Denied) -> JSONResponse:
    return _answer({"error": denied.message}, denied.status)


def _problems(problems: dict[str, Text]) -> JSONResponse:
    return _answer({"problems": {k: {"context": t.context, "source": t.source}
                                 for k, t in problems.items()}}, 422)


def _admin(request: Request) -> UserProfile:
    user = authz.current_user(request)
    if not may_request(user):
        raise authz.Denied(403, "only an authorised administrator manages RAMQ settings")
    return user


def _institution(user: UserProfile) -> str:
    inst = user.primary_institution
    if inst is None:
        raise authz.Denied(403, "this account has no institution")
    return inst.id


async def _json(request: Request) -> dict:
    try:
        body = limits.parse_json(await request.body())
    except limits.InputError:  # not JSON, too deep: taken as empty, refused further on
        body = None
    return body if isinstance(body, dict) else {}


@router.get("/config")
def get_config(request: Request) -> JSONResponse:
    try:
        inst = _institution(_admin(request))
    except authz.Denied as denied:
        return _denied(denied)
    svc = ramq.services(request.app)
    config = svc.db.config(inst)
    return _answer({"institution": inst, "config": config.public_view() if config else None,
                    "status": svc.db.status(inst).to_json()})


@router.put("/config")
async def put_config(request: Request) -> JSONResponse:
    try:
        inst = _institution(_admin(request))
    except authz.Denied as denied:
        return _denied(denied)
    svc = ramq.services(request.app)
    config = ImportConfig.from_json(await _json(request))
    config = config.with_passwords_of(await run_in_threadpool(svc.db.config, inst))
    in_use = svc.source.other_systems_aip() | svc.db.aip_codes_elsewhere(inst)
    problems = config_problems(config, in_use)
    if problems:
        return _problems(problems)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    await run_in_threadpool(svc.db.put_config, inst, config, now)
    return _answer({"institution": inst, "config": config.public_view(),
                    "status": svc.db.status(inst).to_json()})


@router.post("/import")
async def import_now(request: Request) -> JSONResponse:
    try:
        inst = _institution(_admin(request))
    except authz.Denied as denied:
        return _denied(denied)
    svc = ramq.services(request.app)

    def work() -> dict:
        with svc.import_lock:
            return run_import(request.app.state.store, svc.db, svc.source, inst).to_json()
    return _answer(await run_in_threadpool(work))


async def _lookup_nam(request: Request) -> tuple[UserProfile, str]:
    user = authz.current_user(request)
    decision = access.decide(user, authz.NO_PATIENT, DataClass.REGISTRATION)
    if not decision.allowed:
        raise authz.Denied(403, "your role does not give access to RAMQ registration")
    raw = str((await _json(request)).get("nam") or "")
    if not nam.is_valid(raw):
        raise authz.Denied(422, "not a valid health insurance number")
    return user, nam.normalise(raw)


def _audit(request: Request, user: UserProfile, patient: dict | None, what: str) -> None:
    note_events(request.state, [audit_event(Access(
        user.username, user.display_name, patient["id"] if patient else "unknown", "read",
        {DataClass.REGISTRATION.value, what},
        address=request.client.host if request.client else None), datetime.now(UTC))])


@router.post("/family-physician")
async def family_physician(request: Request) -> JSONResponse:
    try:
        user, number = await _lookup_nam(request)
    except authz.Denied as denied:
        return _denied(denied)
    store = request.app.state.store
    patient = await run_in_threadpool(lookup.find_patient, store, number)
    answer = await run_in_threadpool(lookup.family_physician, store, patient)
    _audit(request, user, patient, "ramq-family-physician")
    return _answer(answer.to_json())


@router.post("/eligibility")
async def eligibility(request: Request) -> JSONResponse:
    try:
        user, number = await _lookup_nam(request)
    except authz.Denied as denied:
        return _denied(denied)
    store = request.app.state.store
    patient = await run_in_threadpool(lookup.find_patient, store, number)
    answer = lookup.eligibility(ramq.services(request.app).source, number)
    _audit(request, user, patient, "ramq-eligibility")
    return _answer(answer.to_json())


@router.post("/account-requests")
async def submit_request(request: Request) -> JSONResponse:
    try:
        user = _admin(request)
    except authz.Denied as denied:
        return _denied(denied)
    svc = ramq.services(request.app)
    try:
        req = AccountRequest.from_json(await _json(request))
    except (KeyError, TypeError, ValueError):
        return _answer({"error": "incomplete request"}, 422)
    existing = await run_in_threadpool(svc.db.request_by_email, req.email)
    others = await run_in_threadpool(svc.db.emails)
    if existing is not None and req.had_account:
        others = others - {req.email}  # the same person again: an update, not a duplicate
    problems = request_problems(req, user, others)
    if problems:
        return _problems(problems)
    now = datetime.now(UTC)
    record = RequestRecord(
        existing.id if existing else str(uuid.uuid4()), Status.SUBMITTED,
        now.isoformat(timespec="seconds"), due_date(date.today()).isoformat(),
        updates_existing=req.had_account, request=req.to_json(),
        username=existing.username if existing else req.existing_username)
    await run_in_threadpool(svc.db.put_request, record, user.username, req.email)
    return _answer(record.to_json(), 200 if existing else 201)


@router.get("/account-requests")
def list_requests(request: Request) -> JSONResponse:
    try:
        user = _admin(request)
    except authz.Denied as denied:
        return _denied(denied)
    records = ramq.services(request.app).db.requests(user.username)
    return _answer({"requests": [r.to_json() for r in records]})
