"""The FHIR interactions on one resource type or instance (blocking: run them in a thread).

Policy: updates need `If-Match: W/"versionId"` (428 without it, 412 when stale); update-as-create
is not allowed (404: the server assigns ids); conditional create by If-None-Exist;
deletes take an optional If-Match and are idempotent.
"""

from __future__ import annotations

import re

from app.core.fhir import patient_of
from server import limits
from server.fhir import search
from server.fhir.context import Ctx
from server.fhir.errors import FhirError
from server.fhir.respond import Result, bundle, link, resource_result, search_entry
from server.fhir.validate import check_type, validate
from server.storage import Criteria

ETAG = re.compile(r'^(?:W/)?"([^"]+)"$')


def version_of(if_match: str | None) -> str | None:
    if if_match is None:
        return None
    match = ETAG.match(if_match.strip())
    if not match:
        raise FhirError(400, 'If-Match must look like W/"versionId"', expression="If-Match")
    return match.group(1)


def read(ctx: Ctx, rtype: str, rid: str, version_id: str | None = None) -> Result:
    check_type(rtype)
    if version_id is not None and not limits.NUMBER.fullmatch(version_id):
        raise FhirError(400, "not a version id this server gives", expression="vid")
    ctx.authorize("vread" if version_id else "read", rtype, rid if rtype == "Patient" else None)
    with ctx.store.read() as tx:
        v = tx.vread(rtype, rid, version_id) if version_id else tx.read(rtype, rid)
    resource = v.resource()
    ctx.authorize("read", rtype, v.patient, resource)
    return Result(200, resource, resource_result(v, ctx.base).headers, v)


def create(ctx: Ctx, rtype: str, body: object, if_none_exist: str | None) -> Result:
    check_type(rtype)
    resource = validate(body, rtype)
    condition = search.condition(rtype, if_none_exist) if if_none_exist else None
    ctx.authorize("create", rtype, patient_of(resource, rtype), resource)
    resource = {k: v for k, v in resource.items() if k != "id"}
    with ctx.store.write() as tx:
        v, created = tx.create(rtype, resource, condition)
    if not created:
        ctx.authorize("read", rtype, v.patient, v.resource())
    return resource_result(v, ctx.base, 201 if created else 200, location=True)


def update(ctx: Ctx, rtype: str, rid: str, body: object, if_match: str | None) -> Result:
    check_type(rtype)
    resource = validate(body, rtype)
    if resource.get("id") != rid:
        raise FhirError(400, "the resource id must equal the id in the URL", expression="id")
    expected = version_of(if_match)
    if expected is None:
        raise FhirError(428, 'update needs If-Match: W/"versionId"', expression="If-Match")
    ctx.authorize("update", rtype, patient_of(resource, rtype, rid), resource)
    with ctx.store.write() as tx:
        v = tx.update(rtype, rid, resource, expected)
    return resource_result(v, ctx.base, 200, location=True)


def delete(ctx: Ctx, rtype: str, rid: str, if_match: str | None) -> Result:
    check_type(rtype)
    expected = version_of(if_match)
    with ctx.store.read() as tx:
        current = tx.current(rtype, rid)
    if current is None:
        raise FhirError(404, f"{rtype} not found")
    ctx.authorize("delete", rtype, current.patient, current.resource() or None)
    with ctx.store.write() as tx:
        v = tx.delete(rtype, rid, expected)
    headers = {"ETag": f'W/"{v.version_id}"'} if v else {}
    return Result(204, None, headers, v)


def search_type(ctx: Ctx, rtype: str, params: list[tuple[str, str]]) -> Result:
    check_type(rtype)
    s = ctx.settings
    criteria: Criteria = search.criteria(rtype, params, s.default_count, s.max_count)
    patient = next((c.values[0] for c in criteria.clauses
                    if c.name == "patient" or (rtype == "Patient" and c.name == "_id")), None)
    ctx.authorize("search", rtype, patient)
    search.require_individual(criteria)
    with ctx.store.read() as tx:
        page = tx.search(criteria)
    kept = [(k, v) for k, v in params if k != "_cursor"]
    next_url = link(ctx.base, rtype, [*kept, ("_cursor", str(page.next_cursor))]) \
        if page.next_cursor else None
    entries = [search_entry(v, ctx.base, r) for v, r in ctx.visible(page.versions)]
    return Result(200, bundle("searchset", entries, link(ctx.base, rtype, params), next_url,
                              _total(ctx, page.total, len(entries),
                                     bool(next_url or criteria.after_seq))))


def _total(ctx: Ctx, matched: int | None, shown: int, paged: bool) -> int | None:
    """The store counts matches before authorisation drops entries: told as is, it would hint
    that hidden data exists. Under authorisation the total is what this caller is shown, on a
    single page; omitted (FHIR allows it) when the result spans pages (not all filtered yet)."""
    if not ctx.settings.auth_required:
        return matched
    return None if paged else shown
