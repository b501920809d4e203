"""The `/fhir` routes: parse the HTTP request, run the blocking operation in a worker thread,
answer in application/fhir+json; every failure becomes an OperationOutcome.

Each route is registered twice: on the FastAPI router (which answers HEAD, unknown paths, 405s
and trailing-slash redirects) and in `FAST`, which `FhirRoutes` (pure ASGI, inside the body
limit and the audit middleware) uses to hand a request that matches a route exactly straight
to its endpoint: FastAPI's routing and middleware layers cost ~0.3-0.5 ms of CPU per request,
a tenth of a read's."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import threading
import traceback
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from server import limits
from server.fhir import bundle, history, ops
from server.fhir.capability import capability_statement
from server.fhir.context import Ctx
from server.fhir.errors import FhirError, from_exception
from server.fhir.respond import Result
from server.identity import audit
from server.storage import format_instant

log = logging.getLogger("server.fhir")
PREFIX = "/fhir"
router = APIRouter(prefix=PREFIX)
Endpoint = Callable[..., Awaitable[Response]]
FAST: list[tuple[str, re.Pattern, Endpoint]] = []  # (method, path pattern, endpoint), in order


def _route(method: str, path: str) -> Callable[[Endpoint], Endpoint]:
    """Register an endpoint on the FastAPI router and in FAST (same order, same matching: a
    `{name}` is one non-empty path segment, as Starlette's default convertor)."""
    pattern = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)",
                                      re.escape(PREFIX + path)) + "$")

    def register(endpoint: Endpoint) -> Endpoint:
        getattr(router, method.lower())(path)(endpoint)
        FAST.append((method, pattern, endpoint))
        return endpoint
    return register


def match(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    """The endpoint of the first route matching method and path exactly, with its parameters;
    None for what FastAPI answers (HEAD, no match, a path that a route matches with another
    method, paths with a segment starting with '.', e.g. `/fhir/.well-known/…`, whose router
    comes first)."""
    if "/." in path:
        return None
    for verb, pattern, endpoint in FAST:
        if verb == method:
            found = pattern.match(path)
            if found:
                return endpoint, found.groupdict()
    return None


class FhirRoutes:
    """Pure ASGI: FHIR requests that `match` straight to their endpoint, the rest to FastAPI."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX) and \
                not scope.get("root_path"):
            found = match(scope["method"], scope["path"])
            if found is not None:
                endpoint, params = found
                scope["path_params"] = params  # as Starlette's router does: the gate reads them
                response = await endpoint(Request(scope, receive), **params)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def http_error(request: Request, error: Exception) -> Response:
    """Routing errors (unknown path, method not allowed): an OperationOutcome under /fhir."""
    status = getattr(error, "status_code", 500)
    if not request.url.path.startswith("/fhir"):
        return JSONResponse({"detail": getattr(error, "detail", "")}, status,
                            headers=getattr(error, "headers", None))
    text = {404: "no such FHIR endpoint", 405: f"{request.method} is not supported here"}
    return FhirError(status, text.get(status, "request refused")).response()


def _minimal(request: Request) -> bool:
    return "return=minimal" in request.headers.get("prefer", "")


def _answer(request: Request, fn: Callable[..., Result], ctx: Ctx, *args: object) -> Response:
    """In the worker thread: the operation, its audit queued (server.authz.queue_audit) and its
    answer encoded, all in the one hop; every failure becomes an OperationOutcome."""
    try:
        result = fn(ctx, *args)
        ctx.queue_audit()
    except Exception as error:
        failure = from_exception(error)
        if failure.status >= 500:  # the exception type only: its text may hold patient data
            log.error("%s /fhir/%s failed: %s\n%s", request.method,
                      request.url.path.split("/")[2] if request.url.path.count("/") > 1 else "",
                      type(error).__name__, "".join(traceback.format_tb(error.__traceback__)))
        return failure.response()
    return result.response(prefer_minimal=_minimal(request) and request.method != "GET")


# The threads of the FHIR operations: a plain executor rather than anyio's (Starlette's
# run_in_threadpool), whose capacity limiter, cancel scope and backend lookups took ~8 % of the
# server's CPU in the closed loop (bench.load). Its size is anyio's default; created in the
# process that serves (each of `serve --workers N`'s).
THREADS = 40
_threads: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(THREADS, thread_name_prefix="fhir")
    return _threads


class _Wakes:
    """Calls to run on a loop from other threads, one wake-up of the loop for all those that
    come before it runs them: asyncio's call_soon_threadsafe writes to the loop's self-pipe
    each time, and the audit writer finishes a whole batch of requests at once."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._lock = threading.Lock()
        self._calls: list[tuple[Callable[..., None], tuple]] = []

    def call(self, fn: Callable[..., None], *args: object) -> None:
        with self._lock:
            self._calls.append((fn, args))
            if len(self._calls) > 1:  # the loop is woken already and has not run them yet
                return
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._run)

    def _run(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, []
        for fn, args in calls:
            fn(*args)


_wakes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Wakes] = \
    weakref.WeakKeyDictionary()


def _wakes_of(loop: asyncio.AbstractEventLoop) -> _Wakes:
    """(On the loop.) Its _Wakes."""
    found = _wakes.get(loop)
    if found is None:
        found = _wakes[loop] = _Wakes(loop)
    return found


def _settle(answer: asyncio.Future, outcome: concurrent.futures.Future) -> None:
    """(On the loop.) The request's answer, once its operation and audit commits are done."""
    if answer.done():  # cancelled meanwhile
        return
    if outcome.cancelled():
        answer.cancel()
        return
    error = outcome.exception()
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(outcome.result())


def _when_audited(state: dict, then: Callable[[], None]) -> None:
    """`then()` once every audit commit the request queued so far is done: at once (in this
    thread) if they are, else in the thread that finishes the last (the audit writer's). The
    answer's start still checks them (server.identity.audit.AuditMiddleware): done by then, a
    failure is its 503 without a hop."""
    waiting = [done for done in audit.queued(state) if not done.done()]

    def next_one(_: object = None) -> None:
        while waiting:
            done = waiting.pop()
            if not done.done():
                done.add_done_callback(next_one)
                return
        then()
    next_one()


async def _run(request: Request, fn: Callable[..., Result], *args: object) -> Response:
    return await _in_thread(request.scope.setdefault("state", {}), _answer, request, fn,
                            Ctx.of(request), *args)


async def _in_thread(state: dict, work: Callable[..., Response], *args: object) -> Response:
    """`work(*args)` in a worker thread; the loop is woken once, when the answer is encoded and
    the AuditEvents it waits for (the request's, `state`) are durable, not once for the answer
    then again for the audit commit. A task cancelled meanwhile (a forced shutdown) still waits
    for an operation that started, as with anyio's threads: the store is never closed under
    it."""
    loop = asyncio.get_running_loop()
    answer, wakes = loop.create_future(), _wakes_of(loop)

    def wake(outcome: concurrent.futures.Future) -> None:
        wakes.call(_settle, answer, outcome)

    def finished(outcome: concurrent.futures.Future) -> None:  # in the worker thread
        if outcome.cancelled() or outcome.exception() is not None:
            wake(outcome)
        else:
            _when_audited(state, lambda: wake(outcome))

    started = _executor().submit(work, *args)
    started.add_done_callback(finished)
    try:
        return await answer
    except asyncio.CancelledError:
        if not started.cancelled():
            await asyncio.wait([asyncio.wrap_future(started)])
        raise


async def _body(request: Request) -> object:
    raw = await request.body()
    try:
        return limits.parse_json(raw, request.app.state.settings.max_json_depth)
    except limits.InputError as error:
        return FhirError(400, str(error))


def _params(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


def _fail(error: FhirError) -> Callable[..., Result]:
    def fail(_ctx: Ctx, *_args: object) -> Result:
        raise error
    return fail


def _optional(request: Request) -> FhirError | None:
    """In minimal-R4 mode (Settings.minimal_r4), what R4 leaves optional is not there."""
    if request.app.state.settings.minimal_r4:
        return FhirError(404, "no such FHIR endpoint")
    return None


@_route("GET", "/metadata")
async def metadata(request: Request) -> Response:
    if missing := _optional(request):
        return missing.response()
    stamp = format_instant(datetime.now(UTC))
    return Result(200, capability_statement(Ctx.of(request).base, stamp)).response()


@_route("POST", "")
@_route("POST", "/")
async def post_bundle(request: Request) -> Response:
    body = await _body(request)
    return await _run(request, _fail(body) if isinstance(body, FhirError) else bundle.process,
                      body)


@_route("GET", "/_history")
async def system_history(request: Request) -> Response:
    if missing := _optional(request):
        return missing.response()
    return await _run(request, history.history, None, None, _params(request))


@_route("GET", "/{rtype}")
async def search_type(request: Request, rtype: str) -> Response:
    return await _run(request, ops.search_type, rtype, _params(request))


@_route("POST", "/{rtype}")
async def create(request: Request, rtype: str) -> Response:
    body = await _body(request)
    if isinstance(body, FhirError):
        return await _run(request, _fail(body))
    return await _run(request, ops.create, rtype, body, request.headers.get("if-none-exist"))


@_route("POST", "/{rtype}/_search")
async def post_search(request: Request, rtype: str) -> Response:
    """Search with the parameters in a form body: they stay out of URLs and proxies' logs."""
    try:
        form = limits.parse_form(await request.body())
    except limits.InputError as error:
        return await _run(request, _fail(FhirError(400, str(error))))
    return await _run(request, ops.search_type, rtype, [*_params(request), *form])


@_route("GET", "/{rtype}/_history")
async def type_history(request: Request, rtype: str) -> Response:
    return await _run(request, history.history, rtype, None, _params(request))


@_route("GET", "/Patient/{pid}/$everything")
async def everything(request: Request, pid: str) -> Response:
    if missing := _optional(request):
        return missing.response()
    return await _run(request, history.everything, pid, _params(request))


@_route("GET", "/{rtype}/{rid}")
async def read(request: Request, rtype: str, rid: str) -> Response:
    return await _run(request, ops.read, rtype, rid)


@_route("PUT", "/{rtype}/{rid}")
async def update(request: Request, rtype: str, rid: str) -> Response:
    body = await _body(request)
    if isinstance(body, FhirError):
        return await _run(request, _fail(body))
    return await _run(request, ops.update, rtype, rid, body, request.headers.get("if-match"))


@_route("DELETE", "/{rtype}/{rid}")
async def delete(request: Request, rtype: str, rid: str) -> Response:
    return await _run(request, ops.delete, rtype, rid, request.headers.get("if-match"))


@_route("GET", "/{rtype}/{rid}/_history")
async def instance_history(request: Request, rtype: str, rid: str) -> Response:
    return await _run(request, history.history, rtype, rid, _params(request))


@_route("GET", "/{rtype}/{rid}/_history/{vid}")
async def vread(request: Request, rtype: str, rid: str, vid: str) -> Response:
    return await _run(request, ops.read, rtype, rid, vid)
