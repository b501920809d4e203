"""Cost of the pure rules on every read: access decisions, a chart's readable classes, search parse.

Goals: one `decide` ≤ 50 µs and a chart's `readable_classes` (10 decisions) ≤ 0.5 ms, so that
authorising every section shown costs nothing next to the SQLCipher read (≈ 27 µs a row); one
search-box parse ≤ 100 µs. Limit measured in the same run: the floor of a bare role-table lookup
(`frozenset` membership in a dict), what the cheapest conceivable policy would cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from app.core import nam
from app.core.access import READ, PatientContext, decide, readable_classes
from app.core.consent import consent_from_fhir
from app.core.data_class import DataClass
from app.core.profiles import Profession
from app.core.search_rules import SearchRefused, parse
from tests import access_matrix as m


def _per_call_us(fn: Callable[[], object], calls: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def _row(figure: str, value: float, goal: str, limit_name: str, limit: float | None,
         passed: bool, unit: str = "µs") -> dict:
    return {"figure": figure, "value": value, "unit": unit, "goal": goal,
            "limit_name": limit_name, "limit_value": limit, "passed": passed}


def run(quick: bool) -> list[dict]:
    n = 2_000 if quick else 20_000
    contexts = {c: PatientContext(m.patient_id(c), m.patient_physicians(),
                                  consent_from_fhir(m.consent_resources(c)))
                for c in ("open", "restricted", "refused", "unknown")}
    users = [m.profile(k, r) for k in Profession for r in m.RELATIONS]
    classes = list(DataClass)
    i = iter(range(10**9))

    def one_decision() -> object:
        k = next(i)
        return decide(users[k % len(users)], contexts["restricted"], classes[k % len(classes)])

    def floor() -> object:
        k = next(i)
        return classes[k % len(classes)] in READ[users[k % len(users)].profession]

    nurse = m.profile(Profession.NURSE, "mandate")
    queries = ["Tremblay, Marie 1985-03-14", "tremblay marie 14/03/1985", "004512",
               nam.build("Tremblay", "Marie", date(1985, 3, 14), "F"), "Trem*", "Tremblay"]

    def one_parse() -> object:
        try:
            return parse(queries[next(i) % len(queries)])
        except SearchRefused as err:
            return err

    lookup = _per_call_us(floor, n)
    per_decide = _per_call_us(one_decision, n)
    per_chart = _per_call_us(lambda: readable_classes(nurse, contexts["open"]), n // 10)
    per_parse = _per_call_us(one_parse, n)
    return [
        _row("access: one decide()", per_decide, "≤ 50 µs", "role-table lookup", lookup,
             per_decide <= 50),
        _row("access: readable_classes() of a chart", per_chart, "≤ 500 µs", "role-table lookup",
             lookup, per_chart <= 500),
        _row("search: parse one query", per_parse, "≤ 100 µs", "role-table lookup", lookup,
             per_parse <= 100),
    ]


if __name__ == "__main__":
    for row in run(quick=False):
        print(row)
