"""The synthetic data every benchmark measures with, built by the reference server's generator
(server.seed.generate), at the sizes the issues name. Deterministic: the same seed gives the
same people, so two runs measure the same rows.

- the patient index: 100,000 Patients in the store (quick: 10,000);
- the sync set: 1,000 charts of ~200 resources (quick: 100), padded with laboratory results;
- the large chart: 500 encounters, 5,000 observations, 200 prescriptions.
- the $everything chart: one chart padded to 1,000 resources (`charts(1, size=...)`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from server.seed import generate, staff

SEED = 2026
STAMP = "2026-11-01T12:00:00Z"  # meta.lastUpdated of the resources given to a store directly


class Size(NamedTuple):
    full: int
    quick: int

    def of(self, quick: bool) -> int:
        return self.quick if quick else self.full


STORE_PATIENTS = Size(100_000, 10_000)
CHARTS = Size(1_000, 100)
CHART_RESOURCES = 200
EVERYTHING_CHART = 1_000  # the chart of the $everything goal (issue 3)
LARGE_CHART = {"encounters": 500, "observations": 5_000, "medications": 200}


def with_meta(resources: list[dict]) -> list[dict]:
    """As the server would give them: a version and a timestamp (what a store keeps)."""
    return [r | {"meta": {"versionId": "1", "lastUpdated": STAMP}} for r in resources]


def patients(n: int) -> list[dict]:
    """The first n Patients of the patient index (no meta), each with a valid NAM."""
    return list(generate.demographics(n, SEED))


def store_patients(quick: bool) -> list[dict]:
    """The Patients of the store's patient index, each with a valid NAM."""
    return with_meta(patients(STORE_PATIENTS.of(quick)))


def charts(n: int, *, start: int = 0, id_prefix: str = "c",
           size: int = CHART_RESOURCES) -> Iterator[list[dict]]:
    """Charts start..start+n-1 of the sync set, each of `size` resources."""
    return generate.patients(n, SEED, start=start, id_prefix=id_prefix, chart_size=size)


def sync_charts(quick: bool) -> Iterator[list[dict]]:
    return charts(CHARTS.of(quick))


def large_chart(id_prefix: str = "big") -> list[dict]:
    """The large chart (LARGE_CHART's counts, plus its Patient)."""
    return generate.large_chart(**LARGE_CHART, seed=SEED, id_prefix=id_prefix)


def physician_of(chart: list[dict]) -> staff.DemoAccount:
    """The demo account of the chart's physician (who may read all of it)."""
    reference = chart[0]["generalPractitioner"][0]["reference"]
    return staff.by_username(reference.rsplit("-", 1)[1])
