"""`clinicdesk-server seed`: same seed → same store; passwords printed; a second run refused;
the planner's statistics refreshed (ANALYZE)."""

import json
import sqlite3

from server.cli import main
from server.seed import staff
from server.storage import DB_FILE, open_store


def _contents(data) -> dict[str, dict]:
    store = open_store(data)
    try:
        with store.read() as tx:
            rows = tx.conn.execute("SELECT rtype, rid, content FROM resource_current").fetchall()
            accounts = tx.conn.execute("SELECT username FROM account").fetchall()
    finally:
        store.close()
    found = {}
    for rtype, rid, content in rows:
        resource = json.loads(content)
        resource.pop("meta")
        found[f"{rtype}/{rid}"] = resource
    return found, sorted(a[0] for a in accounts)


def test_seed_is_deterministic_prints_passwords_and_refuses_a_second_load(tmp_path, capsys):
    assert main(["seed", "--data", str(tmp_path / "a"), "--patients", "40", "--seed", "9"]) == 0
    out = capsys.readouterr().out
    assert "Seeded 40 patients" in out
    for account in staff.ACCOUNTS:
        assert f"{account.profile.username:<10} {account.password}" in out
    assert main(["seed", "--data", str(tmp_path / "b"), "--patients", "40", "--seed", "9"]) == 0
    with sqlite3.connect(tmp_path / "a" / DB_FILE) as conn:  # ANALYZE ran: planner statistics
        tables = {r[0] for r in conn.execute("SELECT tbl FROM sqlite_stat1")}
    assert {"resource_version", "resource_current", "search_token"} <= tables
    first, accounts = _contents(tmp_path / "a")
    second, _ = _contents(tmp_path / "b")
    assert first == second
    assert sum(k.startswith("Patient/") for k in first) == 40
    assert accounts == sorted(a.profile.username for a in staff.ACCOUNTS)
    assert f"Practitioner/{staff.practitioner_id('tsupport7')}" in first
    assert main(["seed", "--data", str(tmp_path / "a"), "--patients", "40", "--seed", "9"]) == 1
    assert main(["seed", "--data", str(tmp_path / "a"), "--patients", "5",
                 "--id-prefix", "more"]) == 0
