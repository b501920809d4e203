"""One test per migration on a real SQLCipher file: build version N-1, insert rows, upgrade to
N, check the rows and the new schema. New migrations add a test here."""

from __future__ import annotations

import secrets

import pytest

from app.store import DatabaseTooNew, db, migrations


@pytest.fixture
def at_version(tmp_path):
    conns = []

    def build(version: int):
        conn = db.connect(tmp_path / f"m{len(conns)}.db", secrets.token_bytes(32))
        conns.append(conn)
        assert migrations.migrate(conn, version) == version
        return conn

    yield build
    for conn in conns:
        conn.close()


def columns(conn, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def test_numbering_is_dense_and_latest_known():
    assert [n for n, _ in migrations.MIGRATIONS] == list(range(1, migrations.LATEST + 1))
    assert migrations.LATEST == 8


def test_0001_resources(at_version):
    conn = at_version(0)
    assert migrations.migrate(conn, 1) == 1
    conn.execute("INSERT INTO resources VALUES ('Patient', 'a/b:1', 'v-é', NULL, 'a/b:1', '{}')")
    assert conn.execute("SELECT id, version_id FROM resources").fetchone() == ("a/b:1", "v-é")


def test_0002_patient_index(at_version):
    conn = at_version(1)
    conn.execute("INSERT INTO resources VALUES ('Patient', 'p1', '1', NULL, 'p1', '{}')")
    migrations.migrate(conn, 2)
    assert conn.execute("SELECT count(*) FROM resources").fetchone()[0] == 1
    assert columns(conn, "patient_index") >= {"nam", "surname", "given", "birthdate",
                                              "chart_number", "patient_id"}
    plan = conn.execute("EXPLAIN QUERY PLAN SELECT * FROM patient_index WHERE nam = 'X'")
    assert "patient_index_nam" in " ".join(str(r) for r in plan)


def test_0003_outbox_sync(at_version):
    conn = at_version(2)
    conn.execute("INSERT INTO patient_index (patient_id, nam) VALUES ('p1', 'TREJ80010112')")
    migrations.migrate(conn, 3)
    assert conn.execute("SELECT nam FROM patient_index").fetchone()[0] == "TREJ80010112"
    conn.execute("INSERT INTO outbox (uuid, resource_type, resource_id, method, created) "
                 "VALUES ('u1', 'Patient', 'p1', 'update', 'now')")
    assert conn.execute("SELECT state, attempts FROM outbox").fetchone() == ("pending", 0)
    assert {"stream", "cursor"} <= columns(conn, "sync_state")
    assert {"local_json", "server_json", "reason"} <= columns(conn, "conflicts")


def test_0004_access_log(at_version):
    conn = at_version(3)
    conn.execute("INSERT INTO sync_state VALUES ('Patient', 'c1', 'now')")
    migrations.migrate(conn, 4)
    assert conn.execute("SELECT cursor FROM sync_state").fetchone()[0] == "c1"
    conn.execute("INSERT INTO access_log VALUES (1, 't', 'u', 'p', 'notes', 'read', 'ws', NULL,"
                 " 'h0', 'h1')")
    with pytest.raises(db.Error, match="append-only"):
        conn.execute("UPDATE access_log SET action = 'x'")
    with pytest.raises(db.Error, match="append-only"):
        conn.execute("DELETE FROM access_log")


def test_0005_ramq_answers(at_version):
    conn = at_version(4)
    conn.execute("INSERT INTO sync_state VALUES ('Patient', 'c1', 'now')")
    migrations.migrate(conn, 5)
    assert conn.execute("SELECT cursor FROM sync_state").fetchone()[0] == "c1"
    assert {"nam", "service", "answer", "as_of"} <= columns(conn, "ramq_answer")
    conn.execute("INSERT INTO ramq_answer VALUES ('N', 'eligibility', '{}', 't')")
    with pytest.raises(db.Error):
        conn.execute("INSERT INTO ramq_answer VALUES ('N', 'eligibility', '{}', 't2')")


def test_0006_note_drafts(at_version):
    conn = at_version(5)
    conn.execute("INSERT INTO ramq_answer VALUES ('N', 'eligibility', '{}', 't')")
    migrations.migrate(conn, 6)
    assert conn.execute("SELECT as_of FROM ramq_answer").fetchone()[0] == "t"
    assert {"patient_id", "body", "updated"} <= columns(conn, "note_draft")
    conn.execute("INSERT INTO note_draft VALUES ('p1', 'brouillon', 't')")
    with pytest.raises(db.Error):
        conn.execute("INSERT INTO note_draft VALUES ('p1', 'autre', 't2')")


def test_0007_chart_access(at_version):
    conn = at_version(6)
    conn.executemany("INSERT INTO resources VALUES (?, ?, '1', NULL, ?, '{}')", [
        ("Patient", "p1", "p1"), ("Consent", "c1", "p1"), ("Consent", "c2", "p1"),
        ("Patient", "p2", "p2"), ("Condition", "x", "p2")])
    migrations.migrate(conn, 7)
    # the chart holding Consents: withheld unknown, due at once; the other one: no row
    assert conn.execute("SELECT * FROM chart_access").fetchall() == [
        ("p1", None, None, "0001-01-01")]
    plan = conn.execute("EXPLAIN QUERY PLAN SELECT patient_id FROM chart_access "
                        "WHERE next_check <= '2026-01-01'")
    assert "chart_access_due" in " ".join(str(r) for r in plan)


def test_0008_patient_names_reindexed(at_version):
    """An index written by another normaliser (hyphens, accents kept) finds names again."""
    import json

    from app.store import patients

    conn = at_version(7)
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1960-02-03",
               "name": [{"family": "Côté", "given": ["Marc-André"]}]}
    conn.execute("INSERT INTO resources VALUES ('Patient', 'p1', '1', NULL, 'p1', ?)",
                 (json.dumps(patient),))
    conn.executemany("INSERT INTO patient_index VALUES (?, ?, ?, ?, ?, ?)", [
        ("p1", None, "CÔTÉ", "MARC-ANDRÉ", "1960-02-03", None),
        ("p2", "TREM60020312", "O'BRIEN", "JEAN-PAUL", "1960-02-03", "77")])  # not cached
    assert patients.find_by_name_birthdate(conn, "cote", "marc andre", "1960-02-03") == []
    migrations.migrate(conn, 8)
    assert [e.patient_id for e in patients.find_by_name_birthdate(
        conn, "cote", "marc andre", "1960-02-03")] == ["p1"]
    assert [e.patient_id for e in patients.find_by_name_birthdate(
        conn, "o brien", "jean paul", "1960-02-03")] == ["p2"]
    assert patients.find_by_nam(conn, "TREM 6002 0312")[0].chart_number == "77"


def test_newer_database_is_refused_untouched(at_version):
    conn = at_version(migrations.LATEST)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 3}")
    with pytest.raises(DatabaseTooNew) as err:
        migrations.migrate(conn)
    assert err.value.text.args == {"found": migrations.LATEST + 3, "known": migrations.LATEST}
    assert migrations.version(conn) == migrations.LATEST + 3


def test_failed_migration_rolls_back(at_version, monkeypatch):
    conn = at_version(3)
    module = migrations.MIGRATIONS[3][1]

    def broken(c):
        c.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "upgrade", broken)
    with pytest.raises(RuntimeError):
        migrations.migrate(conn)
    assert migrations.version(conn) == 3
    assert "half_done" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
