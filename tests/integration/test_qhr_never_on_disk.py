"""Issue 6, items 4–5: a full QHR session (real pcscd, virtual key, real server, real SQLCipher
store for the access log, the app's redacting file log at DEBUG) leaves none of the values it
showed in the store's decrypted content, its WAL, the workstation's temp folder or the logs; and
each consultation is in the store's access log (data class, patient, user, key, workstation)."""

from __future__ import annotations

import logging
import socket
import tempfile
from pathlib import Path

import pytest

from app import logsetup
from tests.fixtures.store import raw_connection
from tests.integration.qhr_helpers import TypedPin, make_session, patient_of, wait_until

pytestmark = pytest.mark.timeout(120)


def shown_values(data) -> set[str]:
    values = set()
    for line in data.medications:
        values |= {line.label, line.pharmacy, line.dosage}
    for report in data.imaging:
        values |= {report.conclusion, report.text.splitlines()[2]}
    for trend in data.labs:
        values |= {f"{p.when} {p.value}" for p in trend.points[:3]}
        values.add(trend.points[-1].when)
    return {v for v in values if v and len(v) >= 8}


def decrypted_dump(path: Path) -> str:
    conn = raw_connection(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"'))
    finally:
        conn.close()


def files_text(*roots: Path) -> str:
    parts = []
    for root in roots:
        for f in (p for p in root.rglob("*") if p.is_file()):
            parts.append(f.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def found(values: set[str], haystack: str) -> set[str]:
    return {v for v in values if v in haystack}


def test_qhr_values_never_on_disk(qhr_server, key_monitor, qhr_key, seeded_charts, make_store,
                                  store_path, tmp_path, monkeypatch):
    workstation_tmp = tmp_path / "tmp"
    workstation_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(workstation_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(workstation_tmp))
    log_file = logsetup.setup(tmp_path / "logs", level=logging.DEBUG)
    patient_id, nam = patient_of(seeded_charts[1])
    store = make_store("1000001", path=store_path)
    qhr_key("1000001")
    session, _ = make_session(qhr_server, key_monitor, "1000001", pin=TypedPin("123456"),
                              audit=store.log_access)
    try:
        assert wait_until(lambda: session.state == "key_present")
        key_id = session.open()
        data = session.view(patient_id, nam)
        values = shown_values(data)
        assert len(values) > 20
    finally:
        session.stop()
    store.close()
    logsetup.teardown()

    dump = decrypted_dump(store_path)
    assert "qhr:labs:" + key_id in dump and patient_id in dump  # the scan reads real content
    wal = Path(f"{store_path}-wal")
    on_disk = {
        "store": found(values, dump),
        "wal": found(values, wal.read_bytes().decode("utf-8", "replace")) if wal.exists()
        else set(),
        "temp": found(values, files_text(workstation_tmp)),
        "logs": found(values, files_text(log_file.parent)),
    }
    assert on_disk == {"store": set(), "wal": set(), "temp": set(), "logs": set()}
    # the scanner finds a planted value (so an empty result means something)
    planted = next(iter(values))
    (workstation_tmp / "planted.txt").write_text(planted, encoding="utf-8")
    assert found({planted}, files_text(workstation_tmp)) == {planted}


def test_each_consultation_is_in_the_access_log(qhr_server, key_monitor, qhr_key,
                                                seeded_charts, make_store, store_path):
    patient_id, nam = patient_of(seeded_charts[2])
    store = make_store("1000008", path=store_path)
    qhr_key("1000008")
    session, _ = make_session(qhr_server, key_monitor, "1000008", pin=TypedPin("123456"),
                              audit=store.log_access)
    try:
        assert wait_until(lambda: session.state == "key_present")
        key_id = session.open()
        session.view(patient_id, nam)
    finally:
        session.stop()
    assert store.verify_access_log().ok
    conn = raw_connection(store_path)
    rows = conn.execute("SELECT username, patient_id, information, action, workstation, at "
                        "FROM access_log ORDER BY seq").fetchall()
    conn.close()
    assert [r[:5] for r in rows] == [
        ("1000008", patient_id, f"qhr:{kind}:{key_id}", "read", socket.gethostname())
        for kind in ("labs", "imaging", "medications")]
    assert all(r[5] for r in rows)
