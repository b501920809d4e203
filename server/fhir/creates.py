"""Several creates of one type in one write transaction: a batch's AuditEvents, the
workstation's access-log upload (app.sync.audit) in either of its modes — conditional creates
(POST with ifNoneExist) or creates under the client's id (PUT without If-Match). Each entry is
decided as the interaction alone decides it (server.fhir.ops) and answered on its own; one
read of what exists and one commit for the new ones (one fsync, not one per entry)."""

from __future__ import annotations

from app.core.fhir import patient_of
from server.fhir.context import Ctx
from server.fhir.errors import FhirError
from server.fhir.ops import (
    FHIR_ID,
    clinical,
    conditional,
    create,
    incoming,
    matches,
    readable_match,
    same_matches,
    update,
)
from server.fhir.respond import Result, resource_result
from server.fhir.validate import check_type, validate
from server.storage import Criteria


def create_many(ctx: Ctx, rtype: str, items: list[tuple[object, str | None]]
                ) -> list[Result | Exception]:
    """Several creates of one type (a batch's AuditEvents: the workstation's access-log upload)
    in one write transaction, each decided as `create` decides it: validated, gated and
    matched on its own (a failure is that entry's answer), then one read of the matches and
    one commit for the new ones (one fsync, not one per entry). An entry whose matches changed
    meanwhile (another writer, or an earlier entry of the same batch with its identifier) is
    created alone afterwards, as `create` retries."""
    out: list[Result | Exception | None] = [None] * len(items)
    ready: list[tuple[int, dict, Criteria | None]] = []
    for n, (body, if_none_exist) in enumerate(items):
        try:
            check_type(rtype)
            resource = incoming(ctx, rtype, validate(body, rtype))
            condition = conditional(ctx, rtype, if_none_exist, resource) \
                if if_none_exist else None
            ctx.authorize("create", rtype, patient_of(resource, rtype), resource)
            ready.append((n, resource, condition))
        except Exception as error:
            out[n] = error
    with ctx.store.read() as tx:
        seen = {n: matches(tx, c) for n, _, c in ready if c is not None}
    fresh = []
    for n, resource, condition in ready:
        try:
            found = readable_match(ctx, seen[n]) if condition is not None else None
        except Exception as error:
            out[n] = error
            continue
        if found is not None:
            out[n] = resource_result(found, ctx.base, 200, location=True)
        else:
            fresh.append((n, resource, condition))
    alone = []
    try:
        with ctx.store.write(clinical=clinical(rtype)) as tx:
            tx.lock_matches([c for _, _, c in fresh if c is not None])
            for n, resource, condition in fresh:
                if condition is not None and not same_matches(matches(tx, condition), seen[n]):
                    alone.append(n)
                    continue
                v, _ = tx.create(rtype, resource)
                out[n] = resource_result(v, ctx.base, 201, location=True)
    except Exception as error:  # nothing of the transaction was stored
        for n, _, _ in fresh:
            out[n] = error
        alone = []
    for n in alone:
        try:
            out[n] = create(ctx, rtype, *items[n])
        except Exception as error:
            out[n] = error
    return [o if o is not None else FhirError(500, "entry not processed") for o in out]


def create_as_many(ctx: Ctx, rtype: str, items: list[tuple[str, object]]
                   ) -> list[Result | Exception]:
    """Several `PUT AuditEvent/{id}` without If-Match (a batch's access-log upload in the
    workstation's PUT mode, app.sync.audit) in one read and one write transaction, each decided
    as `update` decides it alone: validated, its id checked, gated (a failure is that entry's
    answer). An id already stored (a retried upload), taken meanwhile or earlier in the same
    batch goes through `update` alone afterwards, which answers it as before."""
    out: list[Result | Exception | None] = [None] * len(items)
    checked: list[tuple[int, str, dict]] = []
    for n, (rid, body) in enumerate(items):
        try:
            check_type(rtype)
            resource = validate(body, rtype)
            if resource.get("id") != rid:
                raise FhirError(400, "the resource id must equal the id in the URL",
                                expression="id")
            if not FHIR_ID.fullmatch(rid):
                raise FhirError(400, "not a FHIR id", expression="id")
            checked.append((n, rid, resource))
        except Exception as error:
            out[n] = error
    with ctx.store.read() as tx:
        stored = tx.audit_taken([rid for _, rid, _ in checked])
    alone = [n for n, rid, _ in checked if rid in stored]
    ready, seen = [], set(stored)
    for n, rid, resource in checked:
        if rid in seen:  # stored, or earlier in this batch: `update` answers it
            if rid not in stored:
                alone.append(n)
            continue
        try:
            resource = {**incoming(ctx, rtype, resource), "id": rid}
            ctx.authorize("create", rtype, patient_of(resource, rtype), resource)
            ready.append((n, rid, resource))
            seen.add(rid)
        except Exception as error:
            out[n] = error
    alone += _create_ready(ctx, rtype, ready, out)
    for n in sorted(alone):
        try:
            out[n] = update(ctx, rtype, items[n][0], items[n][1], None)
        except Exception as error:
            out[n] = error
    return [o if o is not None else FhirError(500, "entry not processed") for o in out]


def _create_ready(ctx: Ctx, rtype: str, ready: list[tuple[int, str, dict]],
                  out: list[Result | Exception | None]) -> list[int]:
    """The checked AuditEvents in one write transaction (none: no transaction), answered in
    `out`; those whose id was taken meanwhile come back, for `update`."""
    if not ready:  # a retried upload: every id already stored
        return []
    taken: set[str] = set()
    try:
        with ctx.store.write(clinical=clinical(rtype)) as tx:
            taken = tx.audit_taken([rid for _, rid, _ in ready])
            new = [(n, resource) for n, rid, resource in ready if rid not in taken]
            for (n, _), v in zip(new, tx.audit_create([r for _, r in new]), strict=True):
                out[n] = resource_result(v, ctx.base, 201, location=True)
    except Exception as error:  # nothing of the transaction was stored
        for n, rid, _ in ready:
            if rid not in taken:
                out[n] = error
    return [n for n, rid, _ in ready if rid in taken]
