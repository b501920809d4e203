"""What a workstation's sync round (system `_history?_since`) costs the server when much else
changed: the AuditEvents written meanwhile (every read writes one, most versions on a busy
server are AuditEvents) are neither returned, nor decoded, nor audited again; the round returns
and audits only the chart that changed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from server.seed import generate, load
from server.storage import open_store
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server import BACKENDS
from tests.fixtures.server_forks import ForkedServer
from tests.integration.test_server_audit_chain import _readable_charts

SEED, PATIENTS, READS = 11, 30, 40


def _audit_events(data_dir: Path, url: str | None) -> int:
    store = open_store(data_dir, url)
    try:
        with store.read() as tx:
            return int(tx._q("SELECT count(*) FROM audit_event")[0][0])
    finally:
        store.close()



def seeded(request: pytest.FixtureRequest, tmp_path: Path, backend: str, name: str
           ) -> tuple[str | None, str, list[str]]:
    """Staff and PATIENTS seeded on `backend`: the database URL (None: SQLite), a physician
    who reads some of the charts, and those charts."""
    url = request.getfixturevalue("postgres").new_database(name) \
        if backend == "postgres" else None
    store = open_store(tmp_path, url)
    load.load_staff(store)
    load.load_patients(store, PATIENTS, SEED)
    store.close()
    picks = _readable_charts(list(generate.patients(PATIENTS, SEED)))
    doctor = picks[0][1]
    return url, doctor, [p for p, who in picks if who == doctor]

@pytest.mark.parametrize("backend", BACKENDS)
def test_a_round_returns_and_audits_only_what_changed_for_the_user(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    url, doctor, mine = seeded(request, tmp_path, backend, "clinicdesk_round")
    pid = mine[0]
    proc = ForkedServer(tmp_path, url).start()
    try:
        with httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30,
                          headers=bearer(sign_in(proc.base, doctor))) as fhir:
            since = datetime.now(UTC).isoformat()  # the server runs on this machine's clock
            for n in range(READS):  # the user's own reads: AuditEvents naming their patients
                assert fhir.get(f"Patient/{mine[n % len(mine)]}").status_code == 200
            condition = {"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"},
                         "code": {"text": "round test"}}
            assert fhir.post("Condition", json=condition).status_code == 201
            before = _audit_events(tmp_path, url)
            assert before >= READS
            page = fhir.get("_history", params={"_since": since, "_count": "1000"}).json()
            after = _audit_events(tmp_path, url)
    finally:
        proc.stop()
    types = [e["fullUrl"].split("/fhir/")[1].split("/")[0] for e in page.get("entry", ())]
    assert types == ["Condition"], types  # not the READS AuditEvents written meanwhile
    assert after - before == 1  # the round's own read of the one chart it returned
