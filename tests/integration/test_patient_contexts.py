"""A patient's physicians, as the gate decides them (server.identity.patients), follow every
stored version of the Patient, whichever server process wrote it (two stores on one SQLite
file: what another process's writes look like to this one)."""

from __future__ import annotations

from pathlib import Path

from server.identity.patients import PatientContexts
from server.storage import open_store


def _patient(*physicians: str) -> dict:
    return {"resourceType": "Patient", "name": [{"family": "Tremblay"}],
            "generalPractitioner": [{"reference": f"Practitioner/user-{p}"} for p in physicians]}


def test_a_patients_physicians_follow_every_version_whoever_wrote_it(tmp_path: Path) -> None:
    store, other = open_store(tmp_path), open_store(tmp_path)
    try:
        contexts = PatientContexts(store)
        with store.write() as tx:
            pid = tx.create("Patient", _patient("alice"))[0].rid
        assert contexts.load(pid).physicians == {"alice"}
        with other.write() as tx:  # another server process re-registers the patient
            tx.update("Patient", pid, {**_patient("bob"), "id": pid}, None)
        assert contexts.load(pid).physicians == {"bob"}
        with other.write() as tx:
            tx.update("Patient", pid, {**_patient("alice", "bob"), "id": pid}, None)
        with store.read() as tx:
            assert contexts.load_in(tx, pid).physicians == {"alice", "bob"}
        with store.write() as tx:
            tx.delete("Patient", pid, None)
        assert contexts.load(pid).physicians == frozenset()
    finally:
        other.close()
        store.close()
