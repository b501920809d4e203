"""What the server says it can do (its CapabilityStatement), so that sync adapts to it.

A server without `$everything` is served by type-level searches by patient; one without
system-level `_history` by type-level searches with `_lastUpdated`. A CapabilityStatement is
optional in practice: a server whose `/metadata` is missing or unreadable gets `UNKNOWN`, and
the puller tries each optional feature once (app.sync.fetch.Fetcher) instead of believing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.central.errors import Kind, SyncError

# Resource types a chart is made of (the fallback when `$everything` is missing).
CHART_TYPES = (
    "Patient", "Encounter", "Condition", "AllergyIntolerance", "MedicationRequest",
    "MedicationStatement", "Observation", "DiagnosticReport", "DocumentReference",
    "Appointment", "Consent",
)


@dataclass(frozen=True)
class Capabilities:
    known: bool = True  # False: no readable CapabilityStatement; optional features unknown
    fhir_version: str = ""
    system_history: bool = False
    everything: bool = False
    transaction: bool = False
    batch: bool = False
    types: dict[str, frozenset[str]] = field(default_factory=dict)  # type -> interactions
    search_params: dict[str, frozenset[str]] = field(default_factory=dict)

    def supports(self, rtype: str, interaction: str) -> bool:
        return interaction in self.types.get(rtype, frozenset())

    def searchable(self, rtype: str, param: str) -> bool:
        if not self.known:  # R4 defines the parameter; the server's answer will tell
            return True
        return param in self.search_params.get(rtype, frozenset()) or param in (
            "_id", "_lastUpdated") and self.supports(rtype, "search-type")

    @property
    def chart_types(self) -> tuple[str, ...]:
        if not self.known:  # every server searches by type; a refused type is learnt (403)
            return CHART_TYPES
        return tuple(t for t in CHART_TYPES if self.supports(t, "search-type"))


UNKNOWN = Capabilities(known=False)


def parse_capabilities(body: dict[str, Any]) -> Capabilities:
    if not isinstance(body, dict) or body.get("resourceType") != "CapabilityStatement":
        raise SyncError(Kind.INVALID, "metadata is not a CapabilityStatement")
    rests = [r for r in body.get("rest") or () if r.get("mode", "server") == "server"]
    if not rests:
        return Capabilities(fhir_version=str(body.get("fhirVersion", "")))
    rest = rests[0]
    system = {i.get("code") for i in rest.get("interaction") or ()}
    types, params, everything = {}, {}, _is_everything_list(rest.get("operation"))
    for res in rest.get("resource") or ():
        rtype = res.get("type", "")
        types[rtype] = frozenset(i.get("code") for i in res.get("interaction") or ())
        params[rtype] = frozenset(p.get("name") for p in res.get("searchParam") or ())
        if rtype == "Patient" and _is_everything_list(res.get("operation")):
            everything = True
    return Capabilities(
        fhir_version=str(body.get("fhirVersion", "")),
        system_history="history-system" in system,
        everything=everything,
        transaction="transaction" in system,
        batch="batch" in system,
        types=types,
        search_params=params,
    )


def _is_everything_list(operations: list[Any] | None) -> bool:
    for op in operations or ():
        name = str(op.get("name", "")).lstrip("$")
        definition = str(op.get("definition", ""))
        if name == "everything" or definition.endswith("/Patient-everything"):
            return True
    return False
