"""Cost of the pure rules on every read: access decisions, a chart's readable classes, search parse.

Data: the demo accounts (server.seed.staff.ACCOUNTS: physicians, resident, nurses, pharmacist,
receptionist, administrator, technical support, extern…) as users, and the patient contexts of
generated charts (`bench.data.charts`: each Patient's generalPractitioner and registration give
its physicians, as app.store.authorised.physicians_of reads them; every 25th chart carries a
Consent restriction, read by app.core.consent.consent_from_fhir). The search queries are built
from the same patients (name + birth date in two forms, NAM, chart number, a wildcard, a bare
surname). Each call cycles through users × patients × data classes (or queries).

Figures, each the best of REPEATS repeats of CALLS calls (per-call µs of each repeat are the
samples; median and p95 over the repeats beside it):
- one `decide` ≤ 50 µs, and a chart's `readable_classes` (one decision per class) ≤ 500 µs, so
  that authorising every section shown costs nothing next to the SQLCipher read (≈ 27 µs a row);
- one search-box parse ≤ 100 µs.
Limit measured in the same run: the floor of a bare role-table lookup (`frozenset` membership
in a dict), what the cheapest conceivable policy would cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from app.core import fhir_systems
from app.core.access import READ, PatientContext, decide, readable_classes
from app.core.consent import consent_from_fhir
from app.core.data_class import DataClass
from app.core.search_rules import SearchRefused, parse
from app.store.authorised import physicians_of
from bench import data, stats
from server.seed import staff

PATIENTS = 100  # four of them (every 25th) with a Consent restriction
REPEATS = 5
CALLS = data.Size(20_000, 2_000)


def per_call_us(fn: Callable[[], object], calls: int) -> list[float]:
    """Per-call µs of each of REPEATS repeats of `calls` calls."""
    out = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        out.append((time.perf_counter() - started) / calls * 1e6)
    return out


def contexts(charts: list[list[dict]]) -> list[PatientContext]:
    return [PatientContext(c[0]["id"], physicians_of(c[0]),
                           consent_from_fhir([r for r in c if r["resourceType"] == "Consent"]),
                           today=date.today())
            for c in charts]


def queries(charts: list[list[dict]]) -> list[str]:
    out = []
    for chart in charts[:5]:
        patient = chart[0]
        family, given = patient["name"][0]["family"], patient["name"][0]["given"][0]
        born = date.fromisoformat(patient["birthDate"])
        ids = {i["system"]: i["value"] for i in patient["identifier"]}
        nam, number = ids[fhir_systems.NAM], ids[fhir_systems.CHART_NUMBER]
        out += [f"{family}, {given} {born.isoformat()}", f"{family} {given} {born:%d/%m/%Y}",
                nam, number, f"{family[:4]}*", family]
    return out


def measure(calls: int) -> dict[str, list[float]]:
    charts = list(data.charts(PATIENTS, id_prefix="acc"))
    patients, search = contexts(charts), queries(charts)
    users = [a.profile for a in staff.ACCOUNTS]
    classes = list(DataClass)
    i = iter(range(10**9))

    def floor() -> object:
        k = next(i)
        return classes[k % len(classes)] in READ[users[k % len(users)].profession]

    def one_decision() -> object:
        k = next(i)
        return decide(users[k % len(users)], patients[k % len(patients)],
                      classes[k % len(classes)])

    def one_chart() -> object:
        k = next(i)
        return readable_classes(users[k % len(users)], patients[k % len(patients)])

    def one_parse() -> object:
        try:
            return parse(search[next(i) % len(search)])
        except SearchRefused as err:
            return err

    return {"floor": per_call_us(floor, calls), "decide": per_call_us(one_decision, calls),
            "chart": per_call_us(one_chart, calls // 10),
            "parse": per_call_us(one_parse, calls)}


def run(quick: bool) -> list[dict]:
    found = measure(CALLS.of(quick))
    lookup = min(found["floor"])
    goals = (("decide", f"access: one decide(), best of {REPEATS}", 50),
             ("chart", f"access: readable_classes() of a chart, best of {REPEATS}", 500),
             ("parse", f"search: parse one query, best of {REPEATS}", 100))
    return [stats.row(figure, min(found[key]), "µs", f"≤ {goal} µs", min(found[key]) <= goal,
                      "role-table lookup", lookup, samples=found[key])
            for key, figure, goal in goals]
