"""Push: the outbox's changes to the server in transaction Bundles of bounded size.

Creates carry the change's `urn:uuid` identifier (app.core.fhir_systems.CHANGE_ID) and are sent
with `If-None-Exist`, so a retry after a lost answer finds the first copy instead of making a
second. The entry's `fullUrl` is another, fresh `urn:uuid`: a server rewrites every string equal
to a `fullUrl` into the new resource's reference (Medplum does, identifiers included), which must
not touch the identifier the retry searches by. Updates and deletes send `If-Match` with the
version they were made on; as some servers ignore `If-Match` on DELETE, a delete is sent only
after a read shows the server still at that version (otherwise: a conflict record).

When the whole transaction is refused, each change is sent alone to tell the conflicting ones
apart: a 412/409 whose server version already equals ours was our own earlier write (the answer
was lost), any other becomes a conflict record with both versions kept. A server that applies a
transaction entry by entry (not atomically) answers each entry's own status: the applied ones
are done as answered, only the refused ones are settled alone. One that applies the first
entries and then refuses the whole (Medplum answers 412) has each change settled alone: an
applied create is found by its If-None-Exist, an applied update by its content. Nothing is
overwritten silently.
"""

from __future__ import annotations

import copy
import threading
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from app.central.client import FhirClient
from app.central.errors import Kind, SyncError
from app.central.retry import Progress, check_cancel
from app.core import fhir
from app.core.fhir import content, etag_version, url_target
from app.core.fhir_systems import CHANGE_ID
from app.sync.cache import Change, Pushed, SyncCache

WHOLE_REFUSED = (Kind.CONFLICT, Kind.CLIENT, Kind.GONE, Kind.FORBIDDEN)

# (change, the server's version, reason)
Conflict = tuple[Change, dict[str, Any] | None, str]
Conflicts = list[Conflict]


@dataclass
class PushReport:
    sent: int = 0
    conflicts: int = 0
    bundles: int = 0
    conflicted: list[int] = field(default_factory=list)  # outbox seqs turned into conflicts


def with_change_id(resource: dict[str, Any], change_id: str) -> dict[str, Any]:
    body = copy.deepcopy(resource)
    body.pop("meta", None)
    body.pop("id", None)
    ids = body.setdefault("identifier", [])
    if not any(i.get("system") == CHANGE_ID and i.get("value") == change_id for i in ids):
        ids.append({"system": CHANGE_ID, "value": change_id})
    return body


def if_none_exist(change: Change) -> str:
    return f"identifier={CHANGE_ID}|{change.change_id}"


def if_match(change: Change) -> str:
    return f'W/"{change.base_version}"'


def bundle_entry(change: Change) -> dict[str, Any]:
    if change.op == "create":
        return {"fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": with_change_id(change.resource or {}, change.change_id),
                "request": {"method": "POST", "url": change.rtype,
                            "ifNoneExist": if_none_exist(change)}}
    url = f"{change.rtype}/{change.rid}"
    request = {"method": "PUT" if change.op == "update" else "DELETE", "url": url}
    if change.base_version:
        request["ifMatch"] = if_match(change)
    entry: dict[str, Any] = {"request": request}
    if change.op == "update":
        body = copy.deepcopy(change.resource or {})
        body.pop("meta", None)
        body["id"] = change.rid
        entry["resource"] = body
    return entry


def _server_version(change: Change, response: dict[str, Any],
                    resource: dict[str, Any] | None) -> dict[str, Any] | None:
    """The resource as the server now has it: its answer, or ours with its id and version."""
    if change.op == "delete":
        return None
    if resource:
        return resource
    body = copy.deepcopy(change.resource or {})
    location = response.get("location") or ""
    rtype, rid, vid = url_target(location) if location else (change.rtype, change.rid, None)
    body["resourceType"], body["id"] = rtype, rid
    if change.op == "create":
        body = {**with_change_id(body, change.change_id), "id": rid}
    body["meta"] = {"versionId": vid or etag_version(response.get("etag")) or "",
                    "lastUpdated": response.get("lastModified", "")}
    return body


class Pusher:
    def __init__(self, client: FhirClient, cache: SyncCache):
        self.client, self.cache = client, cache

    def push(self, cancel: threading.Event | None = None,
             progress: Progress | None = None) -> PushReport:
        report = PushReport()
        size = self.client.settings.bundle_size
        while changes := self.cache.pending(size):
            check_cancel(cancel)
            dropped = [Pushed(c, None) for c in changes if c.op == "drop"]
            sendable = [c for c in changes if c.op != "drop"]
            done, conflicts = self._push_bundle(sendable, cancel) if sendable else ([], [])
            self.cache.pushed(dropped + done)
            for change, server, reason in conflicts:
                self.cache.conflict(change, server, reason)
                report.conflicted.append(change.seq)
            report.sent += len(done)
            report.conflicts += len(conflicts)
            report.bundles += 1
            if progress:
                progress(report.sent + report.conflicts, None)
        return report

    def _push_bundle(self, changes: list[Change],
                     cancel: threading.Event | None) -> tuple[list[Pushed], Conflicts]:
        done, conflicts, changes = self._check_deletes(changes, cancel)
        if not changes:
            return done, conflicts
        bundle = {"resourceType": "Bundle", "type": "transaction",
                  "entry": [bundle_entry(c) for c in changes]}
        try:
            answer = self.client.post_bundle(bundle, cancel)
        except SyncError as err:
            if err.kind not in WHOLE_REFUSED:
                raise
            more, refused = self._one_by_one(changes, cancel)
            return done + more, conflicts + refused
        entries = fhir.entries(answer)
        if len(entries) != len(changes):
            raise SyncError(Kind.INVALID, "transaction-response entry count")
        failed = []
        for change, entry in zip(changes, entries, strict=True):
            response = entry.get("response") or {}
            if str(response.get("status", "")).startswith("2"):
                done.append(Pushed(change, _server_version(change, response,
                                                           entry.get("resource"))))
            else:  # not all-or-nothing after all: the refused ones are settled alone
                failed.append(change)
        more, refused = self._one_by_one(failed, cancel) if failed else ([], [])
        return done + more, conflicts + refused

    def _check_deletes(self, changes: list[Change], cancel: threading.Event | None
                       ) -> tuple[list[Pushed], Conflicts, list[Change]]:
        """Deletes made on a version: sent only if the server is still at it (a server may
        ignore If-Match on DELETE); already gone: done; at another version: a conflict."""
        done: list[Pushed] = []
        conflicts: Conflicts = []
        kept: list[Change] = []
        for change in changes:
            if change.op != "delete" or not change.base_version:
                kept.append(change)
                continue
            try:
                server = self._current(change, cancel)
            except SyncError as err:
                if err.kind not in (Kind.FORBIDDEN, Kind.CLIENT):
                    raise
                conflicts.append((change, None, f"refused:{err.status}"))  # not ours to read
                continue
            if server is None:
                done.append(Pushed(change, None))
            elif (server.get("meta") or {}).get("versionId") != change.base_version:
                conflicts.append((change, server, "conflict:412"))
            else:
                kept.append(change)
        return done, conflicts, kept

    def _current(self, change: Change, cancel: threading.Event | None) -> dict[str, Any] | None:
        """The server's current version of the changed resource, None if it has none."""
        try:
            return self.client.get(f"{change.rtype}/{change.rid}", expect=change.rtype,
                                   cancel=cancel)
        except SyncError as gone:
            if gone.kind is not Kind.GONE:
                raise
            return None

    def _one_by_one(self, changes: list[Change],
                    cancel: threading.Event | None) -> tuple[list[Pushed], Conflicts]:
        done: list[Pushed] = []
        conflicts: Conflicts = []
        for change in changes:
            check_cancel(cancel)
            try:
                done.append(Pushed(change, self._send_one(change, cancel)))
            except SyncError as err:
                if err.transient or err.kind is Kind.AUTH:
                    raise
                outcome = self._settle(change, err, cancel)
                if isinstance(outcome, Pushed):
                    done.append(outcome)
                else:
                    conflicts.append(outcome)
        return done, conflicts

    def _send_one(self, change: Change, cancel: threading.Event | None) -> dict[str, Any] | None:
        entry = bundle_entry(change)
        request = entry["request"]
        headers = {}
        if "ifNoneExist" in request:
            headers["If-None-Exist"] = request["ifNoneExist"]
        if "ifMatch" in request:
            headers["If-Match"] = request["ifMatch"]
        headers["Prefer"] = "return=representation"

        def send() -> dict[str, Any] | None:
            response = self.client.call(request["method"], request["url"],
                                        body=entry.get("resource"), headers=headers)
            if change.op == "delete" or not response.content:
                return None
            body: dict[str, Any] = response.json()
            return body
        resource = self.client.retrier.call(send, cancel)
        return None if change.op == "delete" else _server_version(change, {}, resource)

    def _settle(self, change: Change, err: SyncError,
                cancel: threading.Event | None) -> Pushed | Conflict:
        """A change the server refused on its own: our lost write, a conflict, or a refusal."""
        if change.op == "create" or err.kind in (Kind.CLIENT, Kind.FORBIDDEN):
            return change, None, f"refused:{err.status}"
        server = self._current(change, cancel)
        if change.op == "delete":
            return Pushed(change, None) if server is None else (change, server, "conflict")
        if server is None:
            return change, None, "deleted"
        mine = content(bundle_entry(change)["resource"])
        if content(server) == mine:
            return Pushed(change, server)
        if content(server) in [content(_as_sent(change, b)) for b in change.earlier]:
            # an earlier edit of ours landed (its answer was lost): the rest goes on top of it
            rebased = replace(change, base_version=(server.get("meta") or {}).get("versionId"))
            try:
                return Pushed(change, self._send_one(rebased, cancel))
            except SyncError as again:
                if again.transient or again.kind is Kind.AUTH:
                    raise
        return change, server, f"conflict:{err.status}"


def _as_sent(change: Change, body: dict[str, Any] | None) -> dict[str, Any]:
    return bundle_entry(replace(change, resource=body)).get("resource") or {}
