"""Privacy on a real SQLCipher store: every read authorised and logged by the same call (one
entry per section shown, across a scripted day of work), export of what the user may read,
the "who looked at my record" report, and retention (purged data is gone from the decrypted
pages and the WAL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.core.access import AccessDenied
from app.core.data_class import DataClass
from app.core.profiles import Profession
from app.store import access_log
from app.store.authorised import (
    authorised_chart,
    authorised_read,
    chart_context,
    chart_sections,
    log_search,
)
from app.store.export import access_report, export_bundle
from app.store.retention import purge_all, purge_stale
from tests import access_matrix as m
from tests.fixtures.access import MATRIX_RESOURCES, class_resource, patient_resource

REASON = "Patient inconscient à l'urgence, allergies inconnues"
PAGE, RESERVE = 4096, 80  # SQLCipher 4 defaults: 16-byte IV + 64-byte HMAC-SHA512 per page


def _chart(pid: str, consent: str = "open", marker: str = "") -> list[dict]:
    """A patient of the matrix (own physicians) with one resource per stored class."""
    patient = patient_resource(pid) | {"meta": {"versionId": "1"}}
    patient["name"][0]["family"] = f"Matrice{marker}"
    out = [patient]
    for data_class in MATRIX_RESOURCES:
        if data_class != DataClass.DEMOGRAPHICS:
            r = class_resource(data_class, pid) | {"id": f"{pid}-{data_class.value}",
                                                   "meta": {"versionId": "1"}}
            r["text"] = {"status": "generated", "div": f"<div>{marker}{data_class}</div>"}
            out.append(r)
    out += [c | {"id": f"{pid}-c{n}"} for n, c in enumerate(m.consent_resources(consent) or [])]
    for c in out[1:]:  # the matrix consents name the matrix patient: point them at this one
        if c["resourceType"] == "Consent":
            c["patient"] = {"reference": f"Patient/{pid}"}
    return out


def _cache(store, charts: dict[str, list[dict]]) -> None:
    for pid, resources in charts.items():
        store.put_resources(resources)
        store.set_cursor(f"chart:{pid}", "2026-11-25T00:00:00Z")


def _entries(store) -> list[access_log.Entry]:
    return store.access_entries(0, 100_000)


def test_a_day_of_work_logs_exactly_one_entry_per_read(make_store):
    store = make_store("3000000")
    doctor = m.profile(Profession.PHYSICIAN, "own")
    charts = {"a": _chart("a"), "b": _chart("b"), "c": _chart("c", "restricted")}
    stranger = _chart("d")
    stranger[0]["generalPractitioner"] = [{"reference": "Practitioner/user-2999999"}]
    _cache(store, charts | {"d": stranger})
    log_search(store, doctor, "nam", 1)
    opened = {pid: authorised_chart(store, doctor, pid) for pid in charts}
    sections = chart_sections(doctor)
    assert len(sections) == 9 and all(len(c) == 9 for c in opened.values())
    assert opened["a"][DataClass.LABS].resources and not opened["c"][DataClass.NOTES].resources
    assert not opened["c"][DataClass.MEDICATIONS].decision.allowed
    glass = authorised_read(store, doctor, chart_context(store, "c"), DataClass.MEDICATIONS,
                            REASON)
    refused = authorised_read(store, doctor, chart_context(store, "d"), DataClass.LABS)
    assert glass.decision.break_glass and glass.resources and not refused.decision.allowed
    entries = _entries(store)
    reads = 1 + sum(len(c) for c in opened.values()) + 2
    assert len(entries) == reads == 30
    assert [e.action for e in entries].count("denied") == 3  # c: MED, NOT; d: LABS
    bg = [e for e in entries if e.action == "break-glass"]
    assert len(bg) == 1 and bg[0].reason == REASON and bg[0].information == "medications"
    assert entries[0].information == "search:nam:1" and entries[0].patient_id is None
    assert {(e.patient_id, e.information) for e in entries if e.action == "read"} == {
        (pid, c.value) for pid in charts for c in sections
        if not (pid == "c" and c in (DataClass.MEDICATIONS, DataClass.NOTES))}
    assert store.verify_access_log().ok


def test_export_holds_only_what_the_user_may_read_and_is_logged(make_store):
    store = make_store("3000070")
    _cache(store, {"a": _chart("a")})
    pharmacist = m.profile(Profession.PHARMACIST, "none")
    bundle = export_bundle(store, pharmacist, "a")
    types = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert bundle["type"] == "collection" and bundle["total"] == len(bundle["entry"])
    assert types == {"Patient", "Appointment", "AllergyIntolerance", "MedicationRequest"}
    actions = [e.action for e in _entries(store)]
    assert actions.count("export") == 5 and actions.count("denied") == 4  # REG has no resource
    receptionist = m.profile(Profession.RECEPTIONIST, "own")
    kinds = {e["resource"]["resourceType"] for e in export_bundle(store, receptionist, "a")[
        "entry"]}
    assert kinds == {"Patient", "Appointment"}


def test_who_looked_at_my_record_lists_reads_break_glass_and_itself(make_store):
    store = make_store("3000000")
    _cache(store, {"c": _chart("c", "restricted"), "a": _chart("a")})
    doctor = m.profile(Profession.PHYSICIAN, "own")
    authorised_chart(store, doctor, "c")
    authorised_read(store, doctor, chart_context(store, "c"), DataClass.NOTES, REASON)
    authorised_chart(store, doctor, "a")
    rows = access_report(store, doctor, "c")
    assert len(rows) == 9 + 1 + 1 and rows[-1]["action"] == "report"
    assert {r["workstation"] for r in rows} and all(r["username"] == "3000000" for r in rows)
    assert [r["reason"] for r in rows if r["action"] == "break-glass"] == [REASON]
    with pytest.raises(AccessDenied):
        access_report(store, m.profile(Profession.TECHNICAL_SUPPORT, "own"), "c")
    assert _entries(store)[-1].action == "denied"


def decrypted_pages(path: Path, key: bytes) -> bytes:
    """Every page of a SQLCipher 4 file decrypted with its raw key (free pages included)."""
    raw = path.read_bytes()
    out = []
    for n in range(len(raw) // PAGE):
        page = raw[n * PAGE:(n + 1) * PAGE]
        start = 16 if n == 0 else 0  # page 1 starts with the salt
        iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out.append(dec.update(page[start:PAGE - RESERVE]) + dec.finalize())
    assert out[0][:2] == PAGE.to_bytes(2, "big")  # the SQLite header: decryption is right
    return b"".join(out)


def test_retention_purges_stale_charts_for_good(make_store):
    store = make_store("3000000")
    doctor = m.profile(Profession.PHYSICIAN, "own")
    markers = {pid: f"Zq{pid}Marqueur" for pid in ("fresh", "old", "never")}
    _cache(store, {pid: _chart(pid, marker=mk) for pid, mk in markers.items()})
    authorised_chart(store, doctor, "fresh")
    with store.transaction() as conn:
        access_log.append(conn, access_log.Access("3000000", "old", DataClass.LABS, "read"),
                          at=datetime.now(UTC) - timedelta(days=31))
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # live data into the main file
    plain = decrypted_pages(store.path, store._key)
    assert all(mk.encode() in plain for mk in markers.values())  # the scan sees live data
    assert sorted(purge_stale(store, days=30)) == ["never", "old"]
    assert store.cached_patient_ids() == ["fresh"]
    assert Path(f"{store.path}-wal").stat().st_size == 0
    plain = decrypted_pages(store.path, store._key)
    assert markers["fresh"].encode() in plain
    assert markers["old"].encode() not in plain and markers["never"].encode() not in plain
    assert purge_all(store) == ["fresh"] and store.cached_patient_ids() == []
    assert markers["fresh"].encode() not in decrypted_pages(store.path, store._key)
    assert store.verify_access_log().ok  # the log of who saw what stays
