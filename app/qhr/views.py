"""The QHR viewer's data, shaped for reading; pure functions, in memory only.

- `lab_trends(resources)`: laboratory Observations grouped by test (LOINC), each with its
  history sorted by date (value, unit, reference range): one series per trend chart.
- `medication_profile(dispenses, today)`: one line per drug (DIN), ordered for a pharmacist:
  active first (the last dispense's supply still running), then by last dispense, newest first.
- `imaging_reports(resources)`: imaging reports, newest first, with their French report text.
`QhrData` holds one patient's shaped data for the viewing session; `release()` drops it.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

LOINC = "http://loinc.org"
DIN = "http://hl7.org/fhir/NamingSystem/ca-hc-din"
STRENGTH = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|g|UI|mL|%)\b")


@dataclass(frozen=True)
class Point:
    when: str
    value: float | None
    unit: str
    low: float | None
    high: float | None

    @property
    def abnormal(self) -> bool:
        return self.value is not None and (
            (self.low is not None and self.value < self.low)
            or (self.high is not None and self.value > self.high))


@dataclass(frozen=True)
class LabTrend:
    loinc: str
    label: str
    unit: str
    points: tuple[Point, ...]  # oldest first

    @property
    def latest(self) -> Point:
        return self.points[-1]


@dataclass(frozen=True)
class MedicationLine:
    din: str
    label: str
    strength: str
    dosage: str
    quantity: float | None
    pharmacy: str
    first_dispensed: date
    last_dispensed: date
    days_supply: int
    dispenses: int
    active: bool


@dataclass(frozen=True)
class ImagingReport:
    when: str
    title: str
    conclusion: str
    text: str


def _coding(concept: dict[str, Any], system: str) -> dict[str, Any]:
    return next((c for c in concept.get("coding", ()) if c.get("system") == system), {})


def _range(obs: dict[str, Any]) -> tuple[float | None, float | None]:
    ranges = obs.get("referenceRange") or [{}]
    return (ranges[0].get("low", {}).get("value"), ranges[0].get("high", {}).get("value"))


def lab_trends(resources: list[dict[str, Any]]) -> list[LabTrend]:
    series: dict[str, list[tuple[str, Point]]] = {}
    labels: dict[str, str] = {}
    for obs in resources:
        if obs.get("resourceType") != "Observation":
            continue
        code = _coding(obs.get("code", {}), LOINC)
        loinc = code.get("code") or obs.get("code", {}).get("text", "")
        quantity = obs.get("valueQuantity", {})
        low, high = _range(obs)
        when = obs.get("effectiveDateTime", "")
        labels.setdefault(loinc, code.get("display") or obs.get("code", {}).get("text", loinc))
        series.setdefault(loinc, []).append(
            (when, Point(when, quantity.get("value"), quantity.get("unit", ""), low, high)))
    trends = []
    for loinc, points in series.items():
        points.sort(key=lambda p: p[0])
        shaped = tuple(p for _, p in points)
        trends.append(LabTrend(loinc, labels[loinc], shaped[-1].unit, shaped))
    return sorted(trends, key=lambda t: t.label.casefold())


def medication_profile(dispenses: list[dict[str, Any]], today: date) -> list[MedicationLine]:
    by_din: dict[str, list[dict[str, Any]]] = {}
    for d in dispenses:
        if d.get("resourceType") == "MedicationDispense":
            din = _coding(d.get("medicationCodeableConcept", {}), DIN).get("code", "")
            by_din.setdefault(din, []).append(d)
    lines = [_line(din, sorted(items, key=_handed)) for din, items in by_din.items()]
    lines = [_with_active(line, today) for line in lines]
    lines.sort(key=lambda m: (not m.active, -m.last_dispensed.toordinal(), m.label))
    return lines


def _handed(d: dict[str, Any]) -> str:
    return d.get("whenHandedOver") or d.get("whenPrepared") or ""


def _line(din: str, items: list[dict[str, Any]]) -> MedicationLine:
    last = items[-1]
    concept = last.get("medicationCodeableConcept", {})
    label = concept.get("text") or _coding(concept, DIN).get("display", din)
    strength = STRENGTH.search(label)
    performer = (last.get("performer") or [{}])[0].get("actor", {})
    return MedicationLine(
        din=din, label=label, strength=strength.group(0) if strength else "",
        dosage=" ".join(i.get("text", "") for i in last.get("dosageInstruction", ())),
        quantity=last.get("quantity", {}).get("value"), pharmacy=performer.get("display", ""),
        first_dispensed=date.fromisoformat(_handed(items[0])[:10]),
        last_dispensed=date.fromisoformat(_handed(last)[:10]),
        days_supply=int(last.get("daysSupply", {}).get("value") or 0),
        dispenses=len(items), active=False)


def _with_active(line: MedicationLine, today: date) -> MedicationLine:
    active = line.last_dispensed + timedelta(days=line.days_supply) >= today
    return MedicationLine(**{**line.__dict__, "active": active})


def imaging_reports(resources: list[dict[str, Any]]) -> list[ImagingReport]:
    reports = []
    for r in resources:
        if r.get("resourceType") != "DiagnosticReport":
            continue
        body = ""
        for form in r.get("presentedForm", ()):
            if form.get("data"):
                body = base64.b64decode(form["data"]).decode("utf-8", "replace")
                break
        reports.append(ImagingReport(r.get("effectiveDateTime", ""), r.get("code", {}).get(
            "text") or _coding(r.get("code", {}), LOINC).get("display", ""),
            r.get("conclusion", ""), body))
    return sorted(reports, key=lambda r: r.when, reverse=True)


@dataclass
class QhrData:
    """One patient's QHR data for the viewing session (memory only)."""

    patient_id: str
    labs: list[LabTrend] = field(default_factory=list)
    imaging: list[ImagingReport] = field(default_factory=list)
    medications: list[MedicationLine] = field(default_factory=list)
    released: bool = False

    @classmethod
    def build(cls, patient_id: str, fetched: dict[str, list[dict[str, Any]]],
              today: date | None = None) -> QhrData:
        return cls(patient_id, lab_trends(fetched.get("labs", [])),
                   imaging_reports(fetched.get("imaging", [])),
                   medication_profile(fetched.get("medications", []), today or date.today()))

    def release(self) -> None:
        self.labs.clear()
        self.imaging.clear()
        self.medications.clear()
        self.released = True
