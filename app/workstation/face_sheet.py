"""The chart's first screen, shaped from its rows: the banner's allergy alert and the face sheet
(active problems, current and stopped medications, the latest vital signs and results with their
flags, the last and next visits). Pure functions, no Qt; also the trend chart's value axis."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from app.core.data_class import DataClass
from app.workstation.contracts import (
    AllergyAlert,
    AllergyState,
    ChartEntry,
    FaceSheet,
    Resource,
    Withheld,
)

# SNOMED CT "no known allergy" and its kin, as recorded in an AllergyIntolerance.code.
NO_KNOWN_ALLERGY = frozenset({"716186003", "409137002", "428607008", "429625007", "428197003"})
LATEST_RESULTS = 12  # tests on the face sheet (the laboratory section has them all)


def _when_key(entry: ChartEntry) -> datetime:
    when = entry.when
    if when is None:
        return datetime.min
    if not isinstance(when, datetime):
        return datetime(when.year, when.month, when.day)
    return when.replace(tzinfo=None)


def records_none_known(allergies: Iterable[Resource]) -> bool:
    return any(c.get("code") in NO_KNOWN_ALLERGY
               for r in allergies for c in (r.get("code") or {}).get("coding") or ())


def allergy_alert(entries: list[ChartEntry] | None, resources: list[Resource],
                  withheld: Mapping[DataClass, Withheld]) -> AllergyAlert:
    """Listed (most severe first), none known, not recorded, or withheld — never confused."""
    if DataClass.ALLERGIES in withheld or entries is None:
        return AllergyAlert(AllergyState.WITHHELD)
    active = [e for e in entries if not e.inactive and str(e.title)]
    if records_none_known(resources) and len(active) <= 1:
        return AllergyAlert(AllergyState.NONE_KNOWN)
    if not active:
        return AllergyAlert(AllergyState.NOT_RECORDED)
    active.sort(key=lambda e: not e.severe)
    items = tuple(f"{e.title} ({e.detail})" if e.detail else str(e.title) for e in active)
    return AllergyAlert(AllergyState.LISTED, items, any(e.severe for e in active))


def _latest_each(entries: Iterable[ChartEntry]) -> tuple[ChartEntry, ...]:
    latest: dict[str, ChartEntry] = {}
    for entry in sorted(entries, key=_when_key, reverse=True):
        latest.setdefault(str(entry.title), entry)
    return tuple(latest.values())


def face_sheet(entries: Mapping[DataClass, list[ChartEntry]], vitals: Iterable[ChartEntry],
               results: Iterable[ChartEntry], visits: Iterable[ChartEntry],
               today: date) -> FaceSheet:
    """`visits`: encounters and appointments; the last is before today, the next from today."""
    medications = entries.get(DataClass.MEDICATIONS, [])
    dated = sorted((v for v in visits if v.when is not None), key=_when_key)
    now = datetime(today.year, today.month, today.day)
    past = [v for v in dated if _when_key(v) < now]
    coming = [v for v in dated if _when_key(v) >= now]
    return FaceSheet(
        problems=tuple(e for e in entries.get(DataClass.PROBLEMS, []) if not e.inactive),
        current_medications=tuple(e for e in medications if not e.inactive),
        stopped_medications=tuple(e for e in medications if e.inactive),
        vitals=_latest_each(vitals), results=_latest_each(results)[:LATEST_RESULTS],
        last_visit=past[-1] if past else None, next_visit=coming[0] if coming else None)


def axis_bounds(values: list[float], low: float | None, high: float | None) -> tuple[float, float]:
    """The value axis of a trend: from where the data (and its reference range) start to where
    they end, with a little room; never below zero for data that cannot be negative."""
    shown = values + [v for v in (low, high) if v is not None]
    lo, hi = min(shown), max(shown)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    bottom = lo - pad
    if lo >= 0 > bottom:
        bottom = 0.0
    return bottom, hi + pad
