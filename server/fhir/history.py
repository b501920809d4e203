"""`_history` (system, type, instance) and `Patient/{id}/$everything`, paged by a cursor.

For a signed-in user, history lists no patients: the history of one resource they may read is
theirs to see; a type's history is refused for the types that hold patient data (it would list
every patient's); the system history (the workstation's sync round) starts at `_since` and holds
reference data and the resources of the patients of the physicians the user works with (the
physician or one they mandate: server.authz.in_care), each authorised as a read — never the rest
of the clinic's patients, whatever the user's role would let them read one by one. AuditEvents
are no resource versions (server.storage.audit_trail): never in the system history, only in
`AuditEvent/_history` (each one's own: its one version)."""

from __future__ import annotations

from app.core.fhir import PATIENT_PATHS
from server.fhir import search
from server.fhir.context import Ctx
from server.fhir.errors import FhirError
from server.fhir.respond import Result, bundle, history_entry, link, search_entry
from server.fhir.validate import check_type
from server.storage import NeedsSnapshot, Page

PATIENT_TYPES = frozenset(PATIENT_PATHS) | {"Patient"}
ALLOWED = ("_since", "_count", "_cursor", "_format")


def _check(params: list[tuple[str, str]]) -> None:
    for name, _ in params:
        if name not in ALLOWED:
            raise FhirError(400, f"unsupported parameter: {name}", expression=name)


def _next(ctx: Ctx, path: str, params: list[tuple[str, str]], cursor: int | None) -> str | None:
    if cursor is None:
        return None
    return link(ctx.base, path, [*((k, v) for k, v in params if k != "_cursor"),
                                 ("_cursor", str(cursor))])


def history(ctx: Ctx, rtype: str | None, rid: str | None,
            params: list[tuple[str, str]]) -> Result:
    """Newest first. Pages are cut by sequence number, so writes made while a client pages do
    not shift the pages it has not read yet (they appear on a later `_since` pull)."""
    if rtype:
        check_type(rtype)
    _check(params)
    stamp = ctx.store.fence()  # before the read: server.storage.sql's module text
    count = search.count(params, ctx.settings.default_count, ctx.settings.max_count)
    ctx.authorize("history", rtype, rid if rtype == "Patient" else None)
    user = ctx.user()
    listing = user is not None and rid is None
    if listing and rtype is not None and rtype in PATIENT_TYPES:
        raise FhirError(403, "the history of patient data is read one resource at a time")
    if listing and rtype is None and search.since(params) is None:
        raise FhirError(400, "the system history starts at _since", expression="_since")
    # A user's round holds reference data and the charts of the patients the user cares for
    # (the physician or one who mandates them), selected in SQL through the care team
    # (server.storage.care): the other patients' changes are never read.
    accounts = [user.username, *(m.grantor for m in user.mandates)] \
        if listing and rtype is None and user is not None else None
    page = _page(ctx, rtype, rid, params, count, accounts)
    path = "/".join(p for p in (rtype, rid, "_history") if p)
    entries = [history_entry(v, ctx.base, r) for v, r in ctx.visible(page.versions)]
    return Result(200, bundle("history", entries, link(ctx.base, path, params),
                              _next(ctx, path, params, page.next_cursor), stamp=stamp))


def _page(ctx: Ctx, rtype: str | None, rid: str | None, params: list[tuple[str, str]],
          count: int, accounts: list[str] | None) -> Page:
    """The page, with the access contexts of its patients read in its snapshot. A round
    (`accounts`) first runs alone, outside a transaction: most find nothing, and then it is
    two statements (no BEGIN and COMMIT); the same in a read transaction when it found
    something."""
    since, cursor = search.since(params), search.cursor(params)
    if accounts is not None:
        with ctx.store.alone() as tx:
            page = tx.history(rtype, rid, since, count, cursor, accounts)
        if not page.versions:
            return page
    with ctx.store.read() as tx:
        page = tx.history(rtype, rid, since, count, cursor, accounts)
        ctx.prefetch(tx, page.versions)
    return page


def everything(ctx: Ctx, pid: str, params: list[tuple[str, str]]) -> Result:
    """The patient and every current resource that names the patient, oldest change first."""
    _check(params)
    stamp = ctx.store.fence()  # before the read: server.storage.sql's module text
    count = search.count(params, ctx.settings.max_count, ctx.settings.max_count)
    since, cursor = search.since(params), search.cursor(params) or 0
    ctx.authorize("everything", "Patient", pid)
    page = _alone(ctx, pid, count) if since is None and not cursor else None
    if page is None:
        with ctx.store.read() as tx:
            tx.read("Patient", pid)  # 404 / 410 for an unknown or deleted patient
            page = tx.everything(pid, since, count, cursor)
            ctx.prefetch(tx, page.versions, current=True)
    path = f"Patient/{pid}/$everything"
    shown = ctx.visible(page.versions)
    ctx.queue_audit()  # committed while the Bundle is built and encoded
    entries = [search_entry(v, ctx.base, r) for v, r in shown]
    return Result(200, bundle("searchset", entries, link(ctx.base, path, params),
                              _next(ctx, path, params, page.next_cursor), stamp=stamp))


def _alone(ctx: Ctx, pid: str, count: int) -> Page | None:
    """The first page of a whole chart and its patient's context in one statement, its own
    snapshot, without BEGIN and COMMIT: the Patient among it tells that it exists and is not
    deleted, and the chart's Consents are among it. None when that is not enough (the Patient
    not on the page: unknown, deleted, or changed after a page of others; deciding needs one
    more read: a physician named by a Practitioner resource): nothing read is kept, all is
    read again in one transaction."""
    try:
        with ctx.store.alone(single=True) as tx:
            page = tx.everything(pid, None, count, 0)
            if not any(v.rid == pid and v.rtype == "Patient" for v in page.versions):
                return None
            ctx.prefetch(tx, page.versions, current=True)
        return page
    except NeedsSnapshot:
        ctx.forget_prefetched()
        return None
