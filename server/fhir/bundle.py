"""`POST /fhir` with a batch or transaction Bundle.

batch: each entry on its own (its own database transaction; the AuditEvent creates share one:
server.fhir.creates), one response entry per entry.
transaction: all or nothing: authorisation and validation first, then one database transaction
(deletes, then creates, then updates, as the spec orders them); any failure rolls everything back
and the response is that failure's OperationOutcome. `urn:uuid:` fullUrls of created entries are
resolved in every reference of the Bundle. GET entries are served in batches only.

Every entry goes through the same gate as the interaction alone (server.fhir.ops), with its
own patient's context, read once per request until an entry writes (a Consent or a Patient
an earlier entry of a batch wrote applies to the next ones); a batch GET is a read or a
search with its rules; a transaction's PUT and DELETE are decided against the stored version
(read before, checked unchanged in the write: decided again otherwise) and the new body; a
conditional create is a create (refused where the create alone would be) that answers the
readable match only (ops: a forbidden match counts as none). Conditional update and delete
(a PUT or DELETE of a type with criteria) are not supported.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from app.core.fhir import patient_of
from server.fhir import creates, history, ops
from server.fhir.context import Ctx
from server.fhir.errors import FhirError, from_exception
from server.fhir.respond import Result, resource_result
from server.fhir.validate import check_type, validate
from server.storage import Criteria, Version

ORDER = {"DELETE": 0, "POST": 1, "PUT": 2}


def parse_url(ctx: Ctx, url: str) -> tuple[list[str], list[tuple[str, str]]]:
    if url.startswith(ctx.base):
        url = url[len(ctx.base):]
    parts = urlsplit(url)
    return [p for p in parts.path.split("/") if p], parse_qsl(parts.query, keep_blank_values=True)


def _request(entry: object, n: int) -> dict:
    req = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(req, dict) or not req.get("method") or not req.get("url"):
        raise FhirError(400, f"entry {n} has no request.method and request.url",
                        expression=f"Bundle.entry[{n}].request")
    for name in ("method", "url", "ifMatch", "ifNoneExist"):
        if req.get(name) is not None and not isinstance(req[name], str):
            raise FhirError(400, f"entry {n}: request.{name} must be a string",
                            expression=f"Bundle.entry[{n}].request.{name}")
    for name in _QUERIES:
        if _nul_in(req, name):
            raise FhirError(400, f"entry {n}: request.{name} holds a NUL character (U+0000)",
                            expression=f"Bundle.entry[{n}].request.{name}")
    return req


_QUERIES = ("url", "ifNoneExist")  # decoded as URLs: %00 is a NUL, which the body cannot hold


def _nul_in(req: dict, name: str) -> bool:
    return isinstance(req.get(name), str) and "\x00" in unquote(req[name])


def _clean(entry: object) -> bool:
    """No NUL in the entry's URLs (else `_request` refuses it, alone)."""
    req = entry.get("request") if isinstance(entry, dict) else None
    return not isinstance(req, dict) or not any(_nul_in(req, name) for name in _QUERIES)


def _get(ctx: Ctx, url: str) -> Result:
    path, params = parse_url(ctx, url)
    match path:
        case [rtype]:
            return ops.search_type(ctx, rtype, params)
        case [rtype, rid]:
            return ops.read(ctx, rtype, rid)
        case [rtype, rid, "_history", vid]:
            return ops.read(ctx, rtype, rid, vid)
        case ["Patient", pid, "$everything"]:
            return history.everything(ctx, pid, params)
    raise FhirError(400, "unsupported GET url in Bundle entry")


def _one(ctx: Ctx, entry: dict, n: int) -> Result:
    req = _request(entry, n)
    method, path = req["method"].upper(), parse_url(ctx, req["url"])[0]
    if method == "GET":
        return _get(ctx, req["url"])
    if method == "POST" and len(path) == 1:
        return ops.create(ctx, path[0], entry.get("resource"), req.get("ifNoneExist"))
    if method == "PUT" and len(path) == 2:
        return ops.update(ctx, path[0], path[1], entry.get("resource"), req.get("ifMatch"))
    if method == "DELETE" and len(path) == 2:
        return ops.delete(ctx, path[0], path[1], req.get("ifMatch"))
    raise FhirError(400, f"unsupported request in entry {n}")


def response_entry(result: Result, base: str) -> dict:
    response: dict = {"status": str(result.status)}
    if "Location" in result.headers:
        response["location"] = result.headers["Location"].removeprefix(base + "/")
    if "ETag" in result.headers:
        response["etag"] = result.headers["ETag"]
    if result.version is not None:
        response["lastModified"] = result.version.last_updated
    entry: dict = {"response": response}
    if result.body is not None and result.status < 300:
        entry["resource"] = result.body
    elif result.body is not None:
        response["outcome"] = result.body
    return entry


def _audit_create(ctx: Ctx, entry: object) -> bool:
    """A batch entry that creates an AuditEvent (the workstation's access-log upload)."""
    req = entry.get("request") if isinstance(entry, dict) else None
    return isinstance(req, dict) and str(req.get("method", "")).upper() == "POST" and \
        isinstance(req.get("url"), str) and parse_url(ctx, req["url"])[0] == ["AuditEvent"]


def _audit_put(ctx: Ctx, entry: object) -> str | None:
    """The id of a batch entry that creates an AuditEvent under the client's id (`PUT
    AuditEvent/{id}` without ifMatch: the access-log upload's PUT mode), else None."""
    req = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(req, dict) or str(req.get("method", "")).upper() != "PUT" or \
            not isinstance(req.get("url"), str) or req.get("ifMatch") is not None:
        return None
    path = parse_url(ctx, req["url"])[0]
    return path[1] if len(path) == 2 and path[0] == "AuditEvent" else None


def _writes(entry: object) -> bool:
    req = entry.get("request") if isinstance(entry, dict) else None
    return isinstance(req, dict) and str(req.get("method", "")).upper() != "GET"


def batch(ctx: Ctx, body: dict) -> dict:
    """Each entry on its own; the AuditEvent creates together, in one write transaction
    (server.fhir.creates: entries of a batch are independent, their order is
    not theirs)."""
    ctx.authorize("batch", None)
    entries = list(body.get("entry") or ())
    results: dict[int, Result | Exception] = {}
    audits = [n for n, entry in enumerate(entries) if _audit_create(ctx, entry) and _clean(entry)]
    if audits:
        many = creates.create_many(ctx, "AuditEvent", [
            (entries[n].get("resource"), entries[n]["request"].get("ifNoneExist"))
            for n in audits])
        results.update(zip(audits, many, strict=True))
    puts = {n: rid for n, entry in enumerate(entries)
            if _clean(entry) and (rid := _audit_put(ctx, entry))}
    if puts:
        many = creates.create_as_many(ctx, "AuditEvent", [(rid, entries[n].get("resource"))
                                                       for n, rid in puts.items()])
        results.update(zip(puts, many, strict=True))
    out = []
    for n, entry in enumerate(entries):
        try:
            result = results[n] if n in results else _one(ctx, entry, n)
            if isinstance(result, Exception):
                raise result
        except Exception as error:  # each entry fails on its own in a batch
            failure = from_exception(error)
            result = Result(failure.status, failure.outcome())
        out.append(response_entry(result, ctx.base))
        if n not in results and _writes(entry):  # a Consent or Patient it wrote decides the
            ctx.forget_decisions()  # next entries: their contexts are read again
    return {"resourceType": "Bundle", "type": "batch-response", "entry": out}


def _rewrite(node: object, ids: dict[str, str]) -> object:
    if isinstance(node, dict):
        return {k: (ids.get(v, v) if k == "reference" and isinstance(v, str)
                    else _rewrite(v, ids)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, ids) for v in node]
    return node


def _validate_entry(entry: dict, n: int, rtype: str) -> dict:
    """validate(), with the expressions rooted at the entry (Bundle.entry[n].resource...)."""
    try:
        return validate(entry.get("resource"), rtype)
    except FhirError as error:
        root = f"Bundle.entry[{n}].resource"
        error.issues = [(root + (e or rtype).removeprefix(rtype), d) for e, d in error.issues]
        error.diagnostics = f"entry {n}: {error.diagnostics}"
        raise


class _Plan:
    """One transaction entry, checked and with its target id decided."""

    def __init__(self, ctx: Ctx, n: int, entry: dict):
        req = _request(entry, n)
        self.n, self.method = n, req["method"].upper()
        path, _ = parse_url(ctx, req["url"])
        if self.method not in ORDER or len(path) != (1 if self.method == "POST" else 2):
            raise FhirError(400, f"entry {n}: a transaction takes POST type, PUT or DELETE "
                            "type/id", expression=f"Bundle.entry[{n}].request")
        self.rtype = path[0]
        check_type(self.rtype)
        self.rid = path[1] if len(path) == 2 else None
        self.given = _validate_entry(entry, n, self.rtype) if self.method != "DELETE" \
            else None
        if self.given is not None and self.method == "POST":
            self.given = ops.incoming(ctx, self.rtype, self.given)
        self.resource: Any = self.given  # a dict; None for a DELETE
        self.full_url = entry.get("fullUrl")
        self.if_none_exist = req.get("ifNoneExist") if self.method == "POST" else None
        self.condition: Criteria | None = None
        self.if_match = ops.version_of(req.get("ifMatch"))
        if self.method == "PUT" and self.if_match is None:
            raise FhirError(428, f"entry {n}: update needs ifMatch",
                            expression=f"Bundle.entry[{n}].request.ifMatch")
        self.seen: list[Version] = []  # conditional create: what the criteria matched
        self.existing: Version | None = None  # the readable match, returned instead
        self.stored: Version | None = None  # PUT, DELETE: the version it changes


def _resolve(ctx: Ctx, plans: list[_Plan]) -> None:
    """urn:uuid references → the ids decided (a created entry's, or its conditional match's)."""
    ids = {p.full_url: f"{p.rtype}/{p.rid}" for p in plans if p.method == "POST" and p.full_url}
    for p in plans:
        if p.given is not None:
            p.resource = _rewrite(p.given, ids)
        if p.method == "PUT" and p.resource.get("id") != p.rid:
            raise FhirError(400, f"entry {p.n}: resource id differs from the url")
        if p.if_none_exist:
            p.condition = ops.conditional(ctx, p.rtype, p.if_none_exist, p.resource)


def _named_once(plans: list[_Plan]) -> None:
    """A transaction names each resource once (FHIR): two writes of one resource, or two
    conditional creates of the same criteria (the second would match the first's create, a
    match that changed: never applicable), are a 400."""
    seen: dict[tuple, int] = {}
    for p in plans:
        key = (p.rtype, p.if_none_exist, patient_of(p.resource, p.rtype)) if p.if_none_exist \
            else (p.rtype, p.rid) if p.method != "POST" else None
        if key is not None and seen.setdefault(key, p.n) != p.n:
            raise FhirError(400, f"entry {p.n} names the same resource as entry {seen[key]}",
                            expression=f"Bundle.entry[{p.n}].request")


def _prepare(ctx: Ctx, plans: list[_Plan]) -> None:
    """Decide ids, resolve urn:uuid references, authorise every write against the stored
    version and the new body, and every conditional match as a read (outside any write)."""
    for p in plans:
        if p.method == "POST":
            p.rid = str(uuid.uuid4())
    for _ in range(len(plans) + 1):  # a match can change what later criteria name
        _resolve(ctx, plans)
        with ctx.store.read() as tx:
            for p in plans:
                if p.condition is not None:
                    p.seen = ops.matches(tx, p.condition)
                if p.method != "POST":
                    p.stored = tx.current(p.rtype, p.rid)
        changed = False
        for p in plans:
            if p.condition is None:
                continue
            p.existing = ops.readable_match(ctx, p.seen)
            rid = p.existing.rid if p.existing else p.rid
            changed |= rid != p.rid
            p.rid = rid
        if not changed:
            break
    _named_once(plans)
    for p in plans:
        if p.method == "PUT":
            assert p.rid is not None and p.if_match is not None  # a PUT has both (_Plan)
            ops.check_update(ctx, p.rtype, p.rid, p.stored, p.resource, p.if_match)
        elif p.method == "DELETE" and p.stored is not None:
            ctx.authorize("delete", p.rtype, p.stored.patient, p.stored.resource() or None)
        elif p.method == "POST":  # a create, even one that answers its match (ops.create)
            ctx.authorize("create", p.rtype, patient_of(p.resource, p.rtype), p.resource)


class _Changed(FhirError):
    """What `_prepare` decided on changed before `_apply` locked it: decided again."""

    def __init__(self, message: str):
        super().__init__(409, message)


def _apply(ctx: Ctx, plans: list[_Plan]) -> dict[int, Result]:
    """The writes, in one transaction: every lock it needs taken first, each kind in one
    order (the conditional matches' by key, then the rows of the PUT and DELETE targets by
    type and id), so that two transactions naming the same criteria or resources in other
    entry orders queue instead of deadlocking; then what `_prepare` decided on is checked
    unchanged."""
    results: dict[int, Result] = {}
    with ctx.store.write() as tx:
        tx.lock_matches([p.condition for p in plans if p.condition is not None])
        for p in sorted((p for p in plans if p.method != "POST"),
                        key=lambda p: (p.rtype, p.rid or "")):
            if not ops.same_matches([v for v in [tx.current(p.rtype, p.rid)] if v],
                                    [p.stored] if p.stored else []):
                raise _Changed(f"entry {p.n}: changed meanwhile; retry")
        for p in sorted(plans, key=lambda p: ORDER[p.method]):
            if p.method == "DELETE":
                v = tx.delete(p.rtype, p.rid, p.if_match)
                results[p.n] = Result(204, None, {"ETag": f'W/"{v.version_id}"'} if v else {}, v)
            elif p.method == "POST":
                if p.condition is not None and not ops.same_matches(
                        ops.matches(tx, p.condition), p.seen):
                    raise _Changed(f"entry {p.n}: ifNoneExist match changed; retry")
                if p.existing is not None:
                    results[p.n] = resource_result(p.existing, ctx.base, 200, True)
                else:
                    v, _ = tx.create(p.rtype, p.resource, rid=p.rid)
                    results[p.n] = resource_result(v, ctx.base, 201, True)
            else:
                v = tx.update(p.rtype, p.rid, p.resource, p.if_match)
                results[p.n] = resource_result(v, ctx.base, 200, True)
    return results


def transaction(ctx: Ctx, body: dict) -> dict:
    """Decided, then applied; decided again (from the entries) when another writer changed
    what the decision read meanwhile: a concurrent transaction that created the same
    conditional matches is then answered with them (as ops.create retries)."""
    ctx.authorize("transaction", None)
    for attempt in range(ops.ATTEMPTS):
        plans = [_Plan(ctx, n, e) for n, e in enumerate(body.get("entry") or ())]
        _prepare(ctx, plans)
        try:
            results = _apply(ctx, plans)
            break
        except _Changed:
            if attempt == ops.ATTEMPTS - 1:
                raise
            ctx.forget_decisions()
    entries = [response_entry(results[p.n], ctx.base) for p in plans]
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


def process(ctx: Ctx, body: object) -> Result:
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise FhirError(400, "POST /fhir takes a Bundle", expression="resourceType")
    kind = body.get("type")
    if kind not in ("batch", "transaction"):
        raise FhirError(400, "Bundle.type must be batch or transaction", expression="Bundle.type")
    if not isinstance(body.get("entry", []), list):
        raise FhirError(400, "Bundle.entry must be a list", expression="Bundle.entry")
    handler = transaction if kind == "transaction" else batch
    return Result(200, handler(ctx, body))

