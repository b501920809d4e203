"""The FHIR interactions on one resource type or instance (blocking: run them in a thread).

Policy: updates need `If-Match: W/"versionId"` (428 without it, 412 when stale); update-as-create
is not allowed (404: the server assigns ids, random UUIDs) except for an AuditEvent PUT without
If-Match, which creates it under the client's id (a workstation's access-log entry: its retry
lands on the same id; an AuditEvent is never updated: 403); conditional create by If-None-Exist;
deletes take an optional If-Match and are idempotent; conditional update and delete are not
supported.

The gate (server.authz) on every path: an update or delete is decided against the stored
version (and, for an update, the new body too); a resource never changes patient (422).

Conditional create, for a signed-in user: the criteria are one `identifier=system|value` (what
the ClinicDesk workstation sends: its change id, its access-log entry hash), matched only among
the resources of the patient the new resource names. A match is returned only if the caller may
read it (the read is authorised and audited like any other); a match the caller may not read
counts as no match — the resource is created, exactly as if nothing had matched — so the answer
never tells a forbidden resource apart from none. Several readable matches: 412.
"""

from __future__ import annotations

import re

from app.core.fhir import patient_of
from server import authz, limits
from server.fhir import search
from server.fhir.context import Ctx
from server.fhir.errors import FhirError
from server.fhir.respond import Result, bundle, link, resource_result, search_entry
from server.fhir.validate import check_type, validate
from server.settings import MINIMAL_PAGE
from server.storage import Clause, Criteria, Gone, NeedsSnapshot, Page, Version

ETAG = re.compile(r'^(?:W/)?"([^"]+)"$')
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
MATCHES = 10  # matches a conditional create looks at (more than one readable: 412)
ATTEMPTS = 3  # conditional create: the matches changed between the check and the write


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
    try:
        with ctx.store.read() as tx:
            v = tx.vread(rtype, rid, version_id) if version_id else tx.read(rtype, rid)
            ctx.prefetch(tx, [v], current=version_id is None)  # a Patient: not read again
    except Gone as gone:  # told only to whom the chart it belonged to is open
        ctx.authorize("read", rtype, gone.version.patient, None)
        raise
    resource = v.resource()
    ctx.authorize("read", rtype, v.patient, resource)
    return Result(200, resource, resource_result(v, ctx.base).headers, v)


def incoming(ctx: Ctx, rtype: str, resource: dict) -> dict:
    """A new resource as the server stores it: no id of the client's; an AuditEvent's agent
    and source from the token (server.authz.own_audit_event)."""
    resource = {k: v for k, v in resource.items() if k != "id"}
    return authz.own_audit_event(ctx.request, resource) if rtype == "AuditEvent" else resource


def conditional(ctx: Ctx, rtype: str, query: str, resource: dict) -> Criteria:
    """The criteria of an If-None-Exist (see the module docstring)."""
    condition = search.condition(rtype, query)
    condition.count = MATCHES
    if ctx.user() is None:
        return condition
    values = [v for c in condition.clauses for v in c.values]
    system, _, value = values[0].partition("|") if len(values) == 1 else ("", "", "")
    if [c.name for c in condition.clauses] != ["identifier"] or not system or not value:
        raise FhirError(400, "If-None-Exist takes one identifier=system|value",
                        expression="If-None-Exist")
    patient = patient_of(resource, rtype)
    if rtype != "Patient" and patient is not None:
        condition.clauses.append(Clause("patient", (patient,)))
    return condition


def clinical(rtype: str) -> bool:
    """Does writing this type write resource versions (Store.write's `clinical`)? AuditEvents
    go to the audit trail (server.storage.chain), whose writers queue on its head instead."""
    return rtype != "AuditEvent"


def matches(tx: object, condition: Criteria) -> list[Version]:
    return tx.search(condition, total=False).versions  # type: ignore[attr-defined]


def readable_match(ctx: Ctx, found: list[Version]) -> Version | None:
    """The one match the caller may read (authorised and audited), None if none."""
    shown = [v for v, _ in ctx.visible(found)]
    if len(shown) > 1:
        raise FhirError(412, "If-None-Exist matches several resources")
    return shown[0] if shown else None


def same_matches(a: list[Version], b: list[Version]) -> bool:
    return [(v.rid, v.version) for v in a] == [(v.rid, v.version) for v in b]


def create(ctx: Ctx, rtype: str, body: object, if_none_exist: str | None) -> Result:
    check_type(rtype)
    resource = incoming(ctx, rtype, validate(body, rtype))
    condition = conditional(ctx, rtype, if_none_exist, resource) if if_none_exist else None
    ctx.authorize("create", rtype, patient_of(resource, rtype), resource)
    if condition is None:
        with ctx.store.write(clinical=clinical(rtype)) as tx:
            v, _ = tx.create(rtype, resource)
        return resource_result(v, ctx.base, 201, location=True)
    for _ in range(ATTEMPTS):
        with ctx.store.read() as tx:
            seen = matches(tx, condition)
        found = readable_match(ctx, seen)
        if found is not None:
            return resource_result(found, ctx.base, 200, location=True)
        with ctx.store.write(clinical=clinical(rtype)) as tx:
            if same_matches(matches(tx, condition), seen):
                v, _ = tx.create(rtype, resource)
                return resource_result(v, ctx.base, 201, location=True)
    raise FhirError(409, "If-None-Exist matches kept changing; retry")


def check_update(ctx: Ctx, rtype: str, rid: str, stored: Version | None, resource: dict,
                 expected: str) -> None:
    """An update decided against the stored version, then the new body."""
    if stored is None:
        raise FhirError(404, f"{rtype} not found")
    ctx.authorize("update", rtype, stored.patient, stored.resource() or None)
    if stored.version_id != expected:
        raise FhirError(412, f"{rtype} is at another version than If-Match",
                        expression="If-Match")
    if patient_of(resource, rtype, rid) != stored.patient:
        raise FhirError(422, "a resource never changes patient: record it again for the "
                             "right patient and withdraw this one")
    ctx.authorize("update", rtype, stored.patient, resource)


def update(ctx: Ctx, rtype: str, rid: str, body: object, if_match: str | None) -> Result:
    check_type(rtype)
    resource = validate(body, rtype)
    if resource.get("id") != rid:
        raise FhirError(400, "the resource id must equal the id in the URL", expression="id")
    expected = version_of(if_match)
    if expected is None and rtype == "AuditEvent":
        return _create_as(ctx, rtype, rid, resource)
    if expected is None:
        raise FhirError(428, 'update needs If-Match: W/"versionId"', expression="If-Match")
    with ctx.store.read() as tx:
        stored = tx.current(rtype, rid)
    check_update(ctx, rtype, rid, stored, resource, expected)
    with ctx.store.write() as tx:
        v = tx.update(rtype, rid, resource, expected)
    return resource_result(v, ctx.base, 200, location=True)


def _create_as(ctx: Ctx, rtype: str, rid: str, resource: dict) -> Result:
    """Update as create: the resource stored under the client's id (AuditEvent only)."""
    if not FHIR_ID.fullmatch(rid):
        raise FhirError(400, "not a FHIR id", expression="id")
    with ctx.store.read() as tx:
        stored = tx.current(rtype, rid)
    if stored is not None:  # refused by the gate (append-only), as any update of it
        ctx.authorize("update", rtype, stored.patient, stored.resource() or None)
        raise FhirError(409, f"{rtype} id already in use")
    resource = {**incoming(ctx, rtype, resource), "id": rid}
    ctx.authorize("create", rtype, patient_of(resource, rtype), resource)
    with ctx.store.write(clinical=False) as tx:
        v, _ = tx.create(rtype, resource, rid=rid)
    return resource_result(v, ctx.base, 201, location=True)


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
    if s.minimal_r4:  # every match counted in the total, the first ones shown, no next link
        criteria.count = s.max_count
    patient = next((c.values[0] for c in criteria.clauses
                    if c.name == "patient" or (rtype == "Patient" and c.name == "_id")), None)
    ctx.authorize("search", rtype, patient)
    search.require_individual(criteria, ctx.user(), ctx.in_clinic)
    stamp = ctx.store.fence()  # the next `_lastUpdated=ge`: server.storage.sql's module text
    # a Patient page holds its patients: other types would read them, a second statement
    page = _authorised_page(ctx, criteria) if s.auth_required and rtype == "Patient" else None
    if page is None:
        with ctx.store.read() as tx:
            page = tx.search(criteria, total=not s.auth_required,  # `_total`: not told then
                             consents=s.auth_required)  # for prefetch
            ctx.prefetch(tx, page.versions, current=True)
    kept = [(k, v) for k, v in params if k != "_cursor"]
    next_url = link(ctx.base, rtype, [*kept, ("_cursor", str(page.next_cursor))]) \
        if page.next_cursor else None
    entries = [search_entry(v, ctx.base, r) for v, r in ctx.visible(page.versions)]
    ctx.queue_audit()
    if s.minimal_r4:
        return Result(200, bundle("searchset", entries[:MINIMAL_PAGE],
                                  link(ctx.base, rtype, params), None, len(entries)))
    return Result(200, bundle("searchset", entries, link(ctx.base, rtype, params), next_url,
                              _total(ctx, page.total, len(entries),
                                     bool(next_url or criteria.after_seq)), stamp=stamp))


def _authorised_page(ctx: Ctx, criteria: Criteria) -> Page | None:
    """Under authorisation a Patient search counts nothing (`_total`): its page (the Patients)
    and their Consents are one statement, its own snapshot, read without BEGIN and COMMIT; the
    patient contexts are decided from it (prefetch). If deciding needs one more read (a
    physician named by a Practitioner that is not an account's, read in the store): None, and
    nothing read is kept (the caller reads it all again in one transaction)."""
    try:
        with ctx.store.alone(single=True) as tx:
            page = tx.search(criteria, total=False, consents=True)
            ctx.prefetch(tx, page.versions, current=True)
        return page
    except NeedsSnapshot:
        ctx.forget_prefetched()
        return None


def _total(ctx: Ctx, matched: int | None, shown: int, paged: bool) -> int | None:
    """The store counts matches before authorisation drops entries: told as is, it would hint
    that hidden data exists. Under authorisation the total is what this caller is shown, on a
    single page; omitted (FHIR allows it) when the result spans pages (not all filtered yet)."""
    if not ctx.settings.auth_required:
        return matched
    return None if paged else shown
