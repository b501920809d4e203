"""Pushes that stay exactly-once on servers that behave unlike the reference server (issue 17):
one that rewrites a transaction's `fullUrl`s everywhere (identifier strings too), one that
ignores If-Match on DELETE, one that applies a transaction entry by entry, one that does not
search AuditEvent by `identifier`. Each test runs on three servers: the reference server, the
same in minimal-R4 mode, and Medplum (tests/fixtures/r4.py: its FHIR router and in-memory
repository behind the thin shim). Medplum has most of these quirks natively (MEDPLUM_NATIVE);
the quirks proxy (tests/fixtures/quirks.py) adds only what a server lacks — on Medplum only the
refusal to create by PUT — and injects the faults (a lost reply) in front of every server."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.core.data_class import DataClass
from app.core.fhir_systems import CHANGE_ID
from app.store import OutboxChange
from app.store.access_log import Access
from app.sync import audit
from app.sync.audit import ENTRY_HASH
from tests.fixtures.balp import assert_balp
from tests.fixtures.quirks import Quirk
from tests.fixtures.r4 import load_over_http
from tests.fixtures.server_forks import ForkedServer
from tests.fixtures.sync import (
    PHYSICIAN,
    SYNC_SEED,
    edit,
    editable,
    seed_sync_server,
    server_client,
    sync_pid,
    write_note,
)

PID = sync_pid(4)
SERVERS = ["reference", "minimal", "medplum"]
# what Medplum 3.2.24 does itself (measured, not assumed): it rewrites every string equal to a
# `fullUrl`; deletes whatever version it has (If-Match ignored, alone and in a Bundle); applies
# a transaction's entries until one fails, then answers the whole 412 (not atomic); answers
# `entity:identifier` (unsupported) with no match. It does create by PUT.
MEDPLUM_NATIVE = {Quirk.REWRITE_FULL_URLS, Quirk.IGNORE_DELETE_IF_MATCH, Quirk.NON_ATOMIC,
                  Quirk.NO_ENTITY_IDENTIFIER}


@dataclass
class Target:
    """A server under test: `target(*quirks) -> proxy` (`.url` the server's root through the
    quirks proxy, `.requests` what reached the server); `.fhir` a direct client."""
    name: str
    port: int
    fhir: httpx.Client
    make_proxy: object

    def __call__(self, *quirks: Quirk):
        native = MEDPLUM_NATIVE if self.name == "medplum" else set()
        return self.make_proxy(self.port, *[q for q in quirks if q not in native])


@pytest.fixture(scope="module")
def reference_servers(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The reference server with authorisation on, normal and minimal-R4 (seeded once)."""
    seeded = tmp_path_factory.mktemp("push-seeded")
    seed_sync_server(seeded, patients=5)
    procs = {}
    for mode, extra in (("reference", ()), ("minimal", ("--minimal-r4",))):
        data = tmp_path_factory.mktemp(f"push-{mode}")
        shutil.copytree(seeded, data, dirs_exist_ok=True)
        procs[mode] = ForkedServer(data, auth=True, extra_args=extra).start()
    yield {mode: proc.base for mode, proc in procs.items()}
    for proc in procs.values():
        proc.stop()


@pytest.fixture(params=SERVERS)
def target(request, quirk_proxy_factory) -> Iterator[Target]:
    if request.param == "medplum":  # emptied, then PID's chart loaded over HTTP
        from server.seed import generate
        shim = request.getfixturevalue("medplum")
        shim.reset()
        load_over_http(shim.base, next(generate.patients(1, SYNC_SEED, start=4)))
        base = shim.base
    else:
        base = request.getfixturevalue("reference_servers")[request.param]
    with server_client(base) as fhir:
        yield Target(request.param, int(base.rsplit(":", 1)[1]), fhir, quirk_proxy_factory)


def copies_on_server(fhir: httpx.Client, change_uuid: str) -> int:
    found = fhir.get("DocumentReference", params={
        "identifier": f"{CHANGE_ID}|urn:uuid:{change_uuid}", "patient": f"Patient/{PID}"})
    assert found.status_code == 200, found.status_code
    return len(found.json().get("entry") or [])


def cached_notes(ws, text: str) -> int:
    return sum(1 for r in ws.store._list_resources(PID)
               if r["resourceType"] == "DocumentReference" and
               base64.b64decode(r["content"][0]["attachment"]["data"]).decode() == text)


def server_edit(fhir, resource: dict, text: str) -> dict:
    """Someone else's edit on the server: the cached version becomes stale."""
    now = fhir.get(f"{resource['resourceType']}/{resource['id']}").json()
    put = fhir.put(f"{resource['resourceType']}/{resource['id']}",
                   json={**now, "note": [{"text": text}]},
                   headers={"If-Match": f'W/"{now["meta"]["versionId"]}"'})
    assert put.status_code == 200, put.text
    return put.json()


def test_a_create_retried_where_full_urls_are_rewritten_is_stored_once(
        target, workstation_factory):
    """The answer to the transaction is lost; the server had rewritten the `fullUrl` string
    everywhere. The retry's If-None-Exist must still find the first copy."""
    proxy = target(Quirk.REWRITE_FULL_URLS)
    ws = workstation_factory(proxy.url, attempts=4).sign_in()
    ws.sync.open_chart(PID)
    note = write_note(ws.store, PID, "une seule copie")
    proxy.script("lost_reply")
    report = ws.sync.sync()
    assert proxy.faults_applied() == ["lost_reply"]
    assert report.pushed.sent == 1 and report.pushed.conflicts == 0
    assert copies_on_server(target.fhir, note) == 1
    ws.sync.open_chart(PID)
    assert cached_notes(ws, "une seule copie") == 1


def test_a_new_note_and_a_stale_edit_in_a_non_atomic_transaction(target, workstation_factory):
    """The server applies the note and refuses the stale edit (412). The reference server (made
    non-atomic by the proxy) says so entry by entry: the note is done as answered, never sent
    again. Medplum answers the whole transaction 412 though it stored the note: each change is
    then settled alone, the note by its conditional create, which finds the first copy. The
    edit becomes a conflict either way."""
    proxy = target(Quirk.NON_ATOMIC, Quirk.REWRITE_FULL_URLS)
    ws = workstation_factory(proxy.url, attempts=4).sign_in()
    ws.sync.open_chart(PID)
    stale = editable(ws.store, PID, skip=1)
    server_edit(target.fhir, stale, "modifié au serveur")
    note = write_note(ws.store, PID, "note et modification")
    edit(ws.store, stale, note=[{"text": "modifié au poste"}])
    report = ws.sync.sync()
    assert report.pushed.sent == 1 and report.pushed.conflicts == 1
    posts = [line for line, _ in proxy.requests if line.startswith("POST /fhir")]
    if target.name == "medplum":
        assert posts == ["POST /fhir/", "POST /fhir/DocumentReference"], posts
    else:
        assert posts == ["POST /fhir/"], posts  # one transaction; the note not sent again alone
    assert copies_on_server(target.fhir, note) == 1
    after = target.fhir.get(f"{stale['resourceType']}/{stale['id']}").json()
    assert after["note"] == [{"text": "modifié au serveur"}]
    conflicts = ws.store.open_conflicts()
    assert [(c["resource_type"], c["resource_id"]) for c in conflicts] == \
        [(stale["resourceType"], stale["id"])]
    ws.sync.sync()
    assert copies_on_server(target.fhir, note) == 1 and ws.store.outbox_batch() == []


def queue_delete(ws, resource: dict) -> None:
    ws.store.delete_resource(resource["resourceType"], resource["id"], outbox_change=OutboxChange(
        resource["resourceType"], resource["id"], "delete", None,
        resource["meta"]["versionId"], PID))


def test_a_stale_delete_on_a_server_that_ignores_if_match(target, workstation_factory):
    """The server would delete whatever version it has: the client reads the version first;
    a newer one becomes a conflict and stays on the server. An up-to-date delete goes through."""
    proxy = target(Quirk.IGNORE_DELETE_IF_MATCH)
    ws = workstation_factory(proxy.url, attempts=4).sign_in()
    ws.sync.open_chart(PID)
    stale, current = editable(ws.store, PID, skip=2), editable(ws.store, PID, skip=3)
    newer = server_edit(target.fhir, stale, "plus récent au serveur")
    queue_delete(ws, stale)
    queue_delete(ws, current)
    report = ws.sync.sync()
    assert report.pushed.sent == 1 and report.pushed.conflicts == 1
    kept = target.fhir.get(f"{stale['resourceType']}/{stale['id']}")
    assert kept.status_code == 200 and kept.json()["meta"]["versionId"] == \
        newer["meta"]["versionId"]
    assert target.fhir.get(f"{current['resourceType']}/{current['id']}").status_code in (404, 410)
    conflict, = ws.store.open_conflicts()
    assert (conflict["resource_id"], conflict["server"]["meta"]["versionId"]) == \
        (stale["id"], newer["meta"]["versionId"])


def server_copies(target: Target, entry_hash: str) -> int:
    """The physician's AuditEvents carrying this access-log entry's hash, found by the search
    each server has for it (Medplum has no `entity:identifier`)."""
    params = {"entity-name": entry_hash} if target.name == "medplum" else \
        {"entity:identifier": f"{ENTRY_HASH}|{entry_hash}"}
    found = target.fhir.get("AuditEvent", params=params)
    assert found.status_code == 200, found.text
    entries = found.json().get("entry") or ()
    return sum(1 for e in entries if server_copies_in(e["resource"], entry_hash))


@pytest.mark.parametrize(("quirks", "lost", "request_line"), [
    ((), 1, "POST /fhir/"),  # the PUT batch: the upload's one request
    ((Quirk.NO_UPDATE_CREATE,), 1, "POST /fhir/"),  # the PUT batch (refused)
    ((Quirk.NO_UPDATE_CREATE,), 2, "GET /fhir/AuditEvent/"),  # finds the refused PUT's id free
    ((Quirk.NO_UPDATE_CREATE,), 3, "GET /fhir/AuditEvent"),  # looks for those held: by _id,
    ((Quirk.NO_UPDATE_CREATE,), 6, "POST /fhir/"),  # entity:identifier, entity-name; creates
], ids=["put-creates", "put-refused-1", "put-refused-2", "held-search", "conditional-creates"])
def test_an_access_log_upload_retried_after_a_lost_answer_on_any_server(
        target, workstation_factory, quirks, lost, request_line):
    """R4 defines no `identifier` search on AuditEvent (the server here is taken not to offer
    one either): a batch retried after a lost answer — whichever of the upload's requests it
    was — stores each entry once, on a server that creates by PUT (the event ids are the
    client's) and on one that does not (conditional creates on `entity:identifier`; Medplum
    answers that parameter with no match, so each try first looks for what it holds)."""
    proxy = target(*quirks)
    ws = workstation_factory(proxy.url, "audit-any", attempts=4).sign_in()
    ws.sync.open_chart(PID)
    caps = ws.client.capabilities()
    ws.client._capabilities = replace(caps, search_params={**caps.search_params,
                                                           "AuditEvent": frozenset()})
    entries = [ws.store.log_access(Access(PHYSICIAN, PID, DataClass.NOTES, "read"))
               for _ in range(3)]
    start = len(proxy.log)
    proxy.script(*["pass"] * (lost - 1), "lost_reply")
    assert ws.sync.sync().audited == 3
    assert proxy.faults_applied() == ["lost_reply"]
    assert proxy.log[start + lost - 1][0].startswith(request_line), proxy.log[start:]
    assert [server_copies(target, e.hash) for e in entries] == [1, 1, 1]
    assert ws.store.unacknowledged_access() == []
    # the way found by trying: PUT where it creates (a retried PUT refused as an update is
    # recognised as ours), conditional creates only where it does not
    assert audit._modes.get(ws.client, audit.PUT) == (audit.CONDITIONAL if quirks else audit.PUT)


def test_stored_audit_events_follow_balp(target, workstation_factory):
    """What the server holds after a chart read and an upload: its own record of the read (the
    reference server's; Medplum's router records none) and the workstation's entries as it
    stored them (user, server agent and source from the token, the workstation's client agent
    kept) — each valid FHIR and in the BALP shape."""
    ws = workstation_factory(target().url, "audit-balp").sign_in()
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    ws.sync.open_chart(PID)
    ws.client.get(f"Patient/{PID}")  # a read: the server's record names the data read
    entry = ws.store.log_access(Access(PHYSICIAN, PID, DataClass.LABS, "read"))
    assert ws.sync.sync().audited == 1
    found = target.fhir.get("AuditEvent", params={  # this test's (minimal: pages of 20)
        "patient": f"Patient/{PID}", "_lastUpdated": f"ge{since}", "_count": "1000"}).json()
    events = [e["resource"] for e in found.get("entry") or ()]
    pushed = [e for e in events if server_copies_in(e, entry.hash)]
    uploads = [e for e in events if "identifier" in str(e["entity"])]
    reads = [e for e in events if e["subtype"][0]["code"] == "read" and e not in uploads]
    assert len(pushed) == 1 and (bool(reads) is (target.name != "medplum"))
    named = [[d["what"]["reference"] for d in e["entity"] if d["role"]["code"] == "4"]
             for e in reads]
    assert ([f"Patient/{PID}"] in named or not reads) and all(len(n) == 1 for n in named), named
    for event in events:
        assert_balp(event, data=event in uploads + reads)
    client = [a for a in pushed[0]["agent"] if a["type"]["coding"][0]["code"] == "110153"]
    assert client[0]["who"]["identifier"]["value"] == entry.workstation


def server_copies_in(event: dict, entry_hash: str) -> bool:
    return any(((ent.get("what") or {}).get("identifier") or {}) ==
               {"system": ENTRY_HASH, "value": entry_hash} for ent in event.get("entity") or ())


@pytest.mark.parametrize("quirks", [(), (Quirk.NO_ENTITY_IDENTIFIER,)],
                         ids=["reference", "no-entity-search"])
def test_audit_verify_finds_the_uploads_on_a_server_without_entity_search(
        target, workstation_factory, quirks):
    """`audit verify` online finds each uploaded entry by the id its upload was given (`_id`,
    which every server answers), not only by `entity:identifier` (which some answer with no
    match): nothing reported missing that the server holds."""
    from app.sync import audit_check
    proxy = target(*quirks)
    ws = workstation_factory(proxy.url, "audit-verify-any").sign_in()
    ws.sync.open_chart(PID)
    entries = [ws.store.log_access(Access(PHYSICIAN, PID, DataClass.NOTES, "read"))
               for _ in range(3)]
    assert ws.sync.sync().audited == 3
    found = audit_check.compare(ws.client, entries, {e.seq for e in entries})
    assert (found.on_server, found.missing, found.differing) == (3, [], [])
