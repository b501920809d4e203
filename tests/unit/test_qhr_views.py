"""app.qhr.views: lab trends by LOINC, the pharmacist's medication order, imaging reports."""

from __future__ import annotations

from datetime import date

from app.qhr.views import QhrData, imaging_reports, lab_trends, medication_profile
from server.qhr import data as qhr_data

NAM = "BENC80010118"


def _obs(loinc: str, when: str, value: float, low=4.0, high=6.0) -> dict:
    return {"resourceType": "Observation",
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc,
                                 "display": f"Test {loinc}"}]},
            "effectiveDateTime": when, "valueQuantity": {"value": value, "unit": "mmol/L"},
            "referenceRange": [{"low": {"value": low}, "high": {"value": high}}]}


def _dispense(din: str, label: str, handed: str, days: int) -> dict:
    return {"resourceType": "MedicationDispense",
            "medicationCodeableConcept": {"coding": [{
                "system": "http://hl7.org/fhir/NamingSystem/ca-hc-din", "code": din}],
                "text": label},
            "performer": [{"actor": {"display": "Pharmacie X"}}], "quantity": {"value": 30},
            "daysSupply": {"value": days}, "whenHandedOver": handed,
            "dosageInstruction": [{"text": "1 par jour"}]}


def test_labs_grouped_by_loinc_with_sorted_history_and_ranges():
    trends = lab_trends([_obs("A", "2026-03-01", 7.1), _obs("B", "2026-01-01", 5.0),
                         _obs("A", "2025-01-01", 5.5), {"resourceType": "DiagnosticReport"}])
    by = {t.loinc: t for t in trends}
    assert set(by) == {"A", "B"}
    assert [p.when for p in by["A"].points] == ["2025-01-01", "2026-03-01"]
    assert by["A"].latest.value == 7.1 and by["A"].latest.abnormal
    assert not by["A"].points[0].abnormal and by["A"].unit == "mmol/L"
    assert (by["B"].points[0].low, by["B"].points[0].high) == (4.0, 6.0)


def test_medication_profile_active_first_then_last_dispense():
    today = date(2026, 11, 1)
    lines = medication_profile([
        _dispense("1", "Ancien 10 mg comprimé", "2025-01-10", 30),
        _dispense("2", "Récent inactif 5 mg comprimé", "2026-08-01", 30),
        _dispense("3", "Actif 20 mg comprimé", "2026-09-01", 90),
        _dispense("3", "Actif 20 mg comprimé", "2026-06-01", 90),
        _dispense("4", "Actif récent 100 mcg inhalateur", "2026-10-20", 30),
    ], today)
    assert [m.din for m in lines] == ["4", "3", "2", "1"]
    assert [m.active for m in lines] == [True, True, False, False]
    three = lines[1]
    assert (three.dispenses, three.first_dispensed, three.last_dispensed) == (
        2, date(2026, 6, 1), date(2026, 9, 1))
    assert three.strength == "20 mg" and lines[0].strength == "100 mcg"
    assert three.pharmacy == "Pharmacie X" and three.dosage == "1 par jour"


def test_generated_qhr_data_shapes_into_the_viewer():
    fetched = {kind: list(qhr_data.bundle(NAM, kind)) for kind in qhr_data.KINDS}
    data = QhrData.build("p1", fetched, today=qhr_data.REFERENCE_DATE)
    assert sum(len(t.points) for t in data.labs) == 2000
    assert sum(m.dispenses for m in data.medications) == 300
    assert all(r.text.startswith(r.title) and "Conclusion" in r.text for r in data.imaging)
    assert [r.when for r in data.imaging] == sorted((r.when for r in data.imaging), reverse=True)
    data.release()
    assert data.released and not data.labs and not data.imaging and not data.medications


def test_qhr_data_is_deterministic_per_nam():
    assert qhr_data.medications(NAM) == qhr_data.medications(NAM)
    other = "TREM75510110"
    assert qhr_data.labs(other) != qhr_data.labs(NAM)
    assert imaging_reports(qhr_data.imaging(other))
