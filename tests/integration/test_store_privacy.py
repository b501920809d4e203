"""No patient data outside the encryption: not in the database file, its WAL, its shared-memory
or temporary files, nor in the log file of a whole store flow."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from app import logsetup
from app.core.data_class import DataClass
from app.store import Access, OutboxChange, Store, WrongPassword, migrations, resources
from tests.fixtures.store import PASSWORD, note_for, synthetic_patients

NOTE = "Patiente anxieuse, douleur thoracique atypique depuis trois jours"


def known_strings(people: list[dict]) -> list[str]:
    """100 strings that are patient data: NAMs, names, note texts (≥ 5 characters, so a chance
    match in random cipher text is out of the question)."""
    found: list[str] = []
    notes = [f"{NOTE} ({i})" for i in range(10)]
    for person in people:
        name = person["name"][0]
        for value in (person["identifier"][0]["value"], name["family"], *name["given"]):
            if len(value) >= 5 and value not in found:
                found.append(value)
    return (notes + found)[:100]


@pytest.fixture(scope="module")
def people() -> list[dict]:
    return synthetic_patients(120, seed=42)


def fill(store: Store, people: list[dict]) -> None:
    for start in range(0, len(people), 20):  # several commits: the WAL holds frames
        batch = people[start:start + 20]
        notes = [note_for(p["id"], f"{NOTE} ({i})", rid=f"n{start + i}")
                 for i, p in enumerate(batch[:10] if start == 0 else [])]
        store.put_resources(batch + notes, outbox_changes=[
            OutboxChange("Patient", p["id"], "update", p, "1", p["id"]) for p in batch[:3]],
            access=Access("dr.roy", batch[0]["id"], "search: " + batch[0]["name"][0]["family"],
                          "search"))


def files_of(directory) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_strings_are_really_in_a_plain_copy(people):
    """The check below can fail: the same rows in plain SQLite show every string."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.migrate(conn)
    resources.put(conn, people + [note_for(people[i]["id"], f"{NOTE} ({i})", f"n{i}")
                                  for i in range(10)])
    dump = "\n".join(conn.iterdump()).encode()
    strings = known_strings(people)
    assert len(strings) == 100
    assert all(s.encode() in dump for s in strings)


def test_raw_bytes_hold_no_patient_string(make_store, tmp_path, people):
    strings = [s.encode() for s in known_strings(people)]
    strings += [s.encode("utf-16-le") for s in known_strings(people)]
    store = make_store("alice", path=tmp_path / "stores" / "alice.db")
    fill(store, people)
    while_open = files_of(tmp_path / "stores")
    assert "alice.db-wal" in while_open and len(while_open["alice.db-wal"]) > 0
    store.purge_patient(people[0]["id"])
    store.close()
    after_close = files_of(tmp_path / "stores")
    for files in (while_open, after_close):
        for name, data in files.items():
            leaked = [i for i, s in enumerate(strings) if s in data]
            assert leaked == [], f"{name}: known strings #{leaked} in clear"


def test_store_flow_leaves_no_patient_data_in_the_log(make_store, tmp_path, people):
    log_path = logsetup.setup(tmp_path / "logs", level=logging.DEBUG)
    try:
        path = tmp_path / "stores" / "alice.db"
        store = make_store("alice", path=path)
        fill(store, people[:40])
        nam = people[5]["identifier"][0]["value"]
        logging.getLogger("app.ui.search").info("search for %s", f"{nam[:4]} {nam[4:8]} {nam[8:]}")
        store.find_by_nam(nam)
        name = people[6]["name"][0]
        store.find_by_name_birthdate(name["family"], name["given"][0], people[6]["birthDate"])
        store.log_access(Access("dr.roy", people[6]["id"], DataClass.NOTES, "read"))
        store.close()
        with pytest.raises(WrongPassword):
            Store.unlock("alice", "wrong", path=path)
        Store.unlock("alice", PASSWORD, path=path).close()
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = log_path.read_text(encoding="utf-8")
    finally:
        logsetup.teardown()
    assert "store unlocked" in text and "[patient]" in text and "[NAM]" in text
    leaked = [i for i, s in enumerate(known_strings(people[:40])) if s in text]
    assert leaked == [], f"known strings #{leaked} in the log"
