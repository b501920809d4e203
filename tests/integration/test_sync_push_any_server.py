"""Pushes that stay exactly-once on servers that behave unlike the reference server (issue 17):
one that rewrites a transaction's `fullUrl`s everywhere (identifier strings too), one that
ignores If-Match on DELETE, one that applies a transaction entry by entry, one that does not
search AuditEvent by `identifier`. Each quirk is the reference server behind
tests.fixtures.quirks' proxy; `target(quirks)` is the seam where an independent server that has
the quirk natively can stand in (it gives a base URL and a way to read the server's copy)."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from app.core.data_class import DataClass
from app.store import OutboxChange
from app.store.access_log import Access
from app.sync import audit
from app.sync.audit import ENTRY_HASH
from tests.fixtures.balp import assert_balp
from tests.fixtures.quirks import Quirk
from tests.fixtures.sync import (
    PHYSICIAN,
    copies_on_server,
    edit,
    editable,
    server_client,
    sync_pid,
    write_note,
)

PID = sync_pid(4)


@pytest.fixture
def target(sync_server, quirk_proxy_factory):
    """`target(*quirks) -> proxy` (`.url` the FHIR server's root, `.requests` what reached it)."""
    return lambda *quirks: quirk_proxy_factory(sync_server.port, *quirks)


@pytest.fixture(scope="module")
def fhir(sync_server):
    with server_client(sync_server.base) as client:
        yield client


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
        target, workstation_factory, fhir):
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
    assert copies_on_server(fhir, note) == 1
    ws.sync.open_chart(PID)
    assert cached_notes(ws, "une seule copie") == 1


def test_a_new_note_and_a_stale_edit_in_a_non_atomic_transaction(target, workstation_factory,
                                                                 fhir):
    """The server applies the note and refuses the stale edit (412) in one transaction-response:
    the note is done as answered (never sent again), the edit becomes a conflict."""
    proxy = target(Quirk.NON_ATOMIC, Quirk.REWRITE_FULL_URLS)
    ws = workstation_factory(proxy.url, attempts=4).sign_in()
    ws.sync.open_chart(PID)
    stale = editable(ws.store, PID, skip=1)
    server_edit(fhir, stale, "modifié au serveur")
    note = write_note(ws.store, PID, "note et modification")
    edit(ws.store, stale, note=[{"text": "modifié au poste"}])
    report = ws.sync.sync()
    assert report.pushed.sent == 1 and report.pushed.conflicts == 1
    posts = [line for line, _ in proxy.requests if line.startswith("POST /fhir")]
    assert posts == ["POST /fhir/"], posts  # one transaction; the note not sent again alone
    assert copies_on_server(fhir, note) == 1
    after = fhir.get(f"{stale['resourceType']}/{stale['id']}").json()
    assert after["note"] == [{"text": "modifié au serveur"}]
    conflicts = ws.store.open_conflicts()
    assert [(c["resource_type"], c["resource_id"]) for c in conflicts] == \
        [(stale["resourceType"], stale["id"])]
    ws.sync.sync()
    assert copies_on_server(fhir, note) == 1 and ws.store.outbox_batch() == []


def queue_delete(ws, resource: dict) -> None:
    ws.store.delete_resource(resource["resourceType"], resource["id"], outbox_change=OutboxChange(
        resource["resourceType"], resource["id"], "delete", None,
        resource["meta"]["versionId"], PID))


def test_a_stale_delete_on_a_server_that_ignores_if_match(target, workstation_factory, fhir):
    """The server would delete whatever version it has: the client reads the version first;
    a newer one becomes a conflict and stays on the server. An up-to-date delete goes through."""
    proxy = target(Quirk.IGNORE_DELETE_IF_MATCH)
    ws = workstation_factory(proxy.url, attempts=4).sign_in()
    ws.sync.open_chart(PID)
    stale, current = editable(ws.store, PID, skip=2), editable(ws.store, PID, skip=3)
    newer = server_edit(fhir, stale, "plus récent au serveur")
    queue_delete(ws, stale)
    queue_delete(ws, current)
    report = ws.sync.sync()
    assert report.pushed.sent == 1 and report.pushed.conflicts == 1
    kept = fhir.get(f"{stale['resourceType']}/{stale['id']}")
    assert kept.status_code == 200 and kept.json()["meta"]["versionId"] == \
        newer["meta"]["versionId"]
    assert fhir.get(f"{current['resourceType']}/{current['id']}").status_code in (404, 410)
    conflict, = ws.store.open_conflicts()
    assert (conflict["resource_id"], conflict["server"]["meta"]["versionId"]) == \
        (stale["id"], newer["meta"]["versionId"])


def server_copies(fhir, entry_hash: str) -> int:
    """The physician's AuditEvents about PID carrying this access-log entry's hash."""
    found = fhir.get("AuditEvent", params={"patient": PID, "_count": "1000"}).json()
    return sum(1 for e in found.get("entry") or () if server_copies_in(e["resource"], entry_hash))


@pytest.mark.parametrize(("quirks", "lost"), [
    ((), 1),  # the PUT batch: the upload's one request
    ((Quirk.NO_UPDATE_CREATE,), 1),  # the PUT batch (refused)
    ((Quirk.NO_UPDATE_CREATE,), 2),  # the read that finds the refused PUT's id free
    ((Quirk.NO_UPDATE_CREATE,), 3),  # the conditional creates
], ids=["put-creates", "put-refused-1", "put-refused-2", "put-refused-3"])
def test_an_access_log_upload_retried_after_a_lost_answer_on_any_server(
        target, workstation_factory, fhir, quirks, lost):
    """R4 defines no `identifier` search on AuditEvent (the server here is taken not to offer
    one either): a batch retried after a lost answer — whichever of the upload's requests it
    was — stores each entry once, on a server that creates by PUT (the event ids are the
    client's) and on one that does not (conditional creates on `entity:identifier`)."""
    proxy = target(*quirks)
    ws = workstation_factory(proxy.url, "audit-any", attempts=4).sign_in()
    ws.sync.open_chart(PID)
    caps = ws.client.capabilities()
    ws.client._capabilities = replace(caps, search_params={**caps.search_params,
                                                           "AuditEvent": frozenset()})
    entries = [ws.store.log_access(Access(PHYSICIAN, PID, DataClass.NOTES, "read"))
               for _ in range(3)]
    proxy.script(*["pass"] * (lost - 1), "lost_reply")
    assert ws.sync.sync().audited == 3
    assert proxy.faults_applied() == ["lost_reply"]
    assert [server_copies(fhir, e.hash) for e in entries] == [1, 1, 1]
    assert ws.store.unacknowledged_access() == []
    # the way found by trying: PUT where it creates (a retried PUT refused as an update is
    # recognised as ours), conditional creates only where it does not
    assert audit._modes.get(ws.client, audit.PUT) == (audit.CONDITIONAL if quirks else audit.PUT)


def test_stored_audit_events_follow_balp(target, workstation_factory, fhir):
    """What the server holds after a chart read and an upload: its own record of the read and
    the workstation's entries as it stored them (user, server agent and source from the token,
    the workstation's client agent kept) — each valid FHIR and in the BALP shape."""
    ws = workstation_factory(target().url, "audit-balp").sign_in()
    ws.sync.open_chart(PID)
    ws.client.get(f"Patient/{PID}")  # a read: the server's record names the data read
    entry = ws.store.log_access(Access(PHYSICIAN, PID, DataClass.LABS, "read"))
    assert ws.sync.sync().audited == 1
    found = fhir.get("AuditEvent", params={"patient": PID, "_count": "1000"}).json()
    events = [e["resource"] for e in found.get("entry") or ()]
    pushed = [e for e in events if server_copies_in(e, entry.hash)]
    uploads = [e for e in events if "identifier" in str(e["entity"])]  # this or earlier tests'
    reads = [e for e in events if e["subtype"][0]["code"] == "read" and e not in uploads]
    assert len(pushed) == 1 and reads
    named = [[d["what"]["reference"] for d in e["entity"] if d["role"]["code"] == "4"]
             for e in reads]
    assert [f"Patient/{PID}"] in named and all(len(n) == 1 for n in named), named
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
