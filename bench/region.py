"""The population of bench.load (issue 19): the demo clinic's PATIENTS charts (its physicians':
the no-change round's, bench.no_change_round) and a region of CLINICIANS family physicians
(server.seed.staff.clinicians), one per simulated workstation, each with REGION_PATIENTS /
CLINICIANS patients of their own (generate.patients(physicians=...)); `seed` bulk-loads them
into a store, then ANALYZE (as `clinicdesk-server seed` does), and issues each workstation's
access token through the server's own token store (the clinicians' accounts open with no
password: load.NO_PASSWORD).
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, NamedTuple

from app.core import fhir_systems
from app.core.profiles import Profession, UserProfile
from bench.data import Size
from server.identity.store import IdentityStore
from server.seed import generate, load, staff
from server.storage import care, open_store

SEED = 19
PATIENTS = Size(7_000, 200)  # the demo clinic's charts (the no-change round)
CLINICIANS = Size(1_000, 20)  # one per workstation: bench.load's PACED ones (its CLOSED fewer)
REGION_PATIENTS = Size(20_000, 200)  # the region's charts: 20 per clinician (quick: 10)
TOKEN_TTL = 4 * 3600.0  # the bench's tokens (issue_tokens) outlive the whole run

Charts = dict[str, list[tuple[str, str]]]  # {physician username: [(patient id, NAM)]}


def _physicians() -> list[staff.DemoAccount]:
    return [a for a in staff.ACCOUNTS if a.profile.profession == Profession.PHYSICIAN]


def seed(data_dir: Path, url: str | None, charts: list[list[dict]],
         clinicians: list[UserProfile], usernames: list[str]) -> dict[str, str]:
    """The demo physicians' accounts, the region's clinicians (no password: load.NO_PASSWORD)
    and the charts, then ANALYZE; an access token for each of `usernames`."""
    store = open_store(data_dir, url)
    try:
        load.load_staff(store, _physicians())
        load.load_clinicians(store, clinicians)
        for start in range(0, len(charts), load.BATCH_PATIENTS):
            load.bulk_create(store, [r for chart in charts[start:start + load.BATCH_PATIENTS]
                                     for r in chart])
        store.analyze()
        return issue_tokens(store, usernames)
    finally:
        store.close()


def issue_tokens(store: Any, usernames: list[str]) -> dict[str, str]:
    """Bench only: access tokens written in one transaction through the server's own token
    store (server.identity.store: only their SHA-256 kept, checked on every request as any
    token), as a sign-in would issue them, without a password check per workstation (scrypt:
    ~40 ms each, 1,000 of them would be the bench). Valid TOKEN_TTL s: the whole run."""
    tokens = {u: secrets.token_urlsafe(32) for u in usernames}
    expires = time.time() + TOKEN_TTL
    IdentityStore(store).add_tokens([(token, "access", username, uuid.uuid4().hex, expires)
                                     for username, token in tokens.items()])
    return tokens


def readable(charts: list[list[dict]]) -> Charts:
    """{physician username: [(patient id, NAM)]} of their charts with no Consent restriction."""
    mine: Charts = defaultdict(list)
    for chart in charts:
        refs = care.practitioner_refs(chart[0])
        if refs and refs[0].startswith("Practitioner/user-") and \
                not any(r["resourceType"] == "Consent" for r in chart):
            nam = next(i["value"] for i in chart[0]["identifier"]
                       if i["system"] == fhir_systems.NAM)
            mine[refs[0].removeprefix("Practitioner/user-")].append((chart[0]["id"], nam))
    return dict(mine)


class Population(NamedTuple):
    charts: list[list[dict]]  # the demo clinic's, then the region's
    clinicians: list[UserProfile]  # the region's, one per workstation
    region: Charts  # their readable charts (readable)
    demo: Charts  # the demo physicians' (the no-change round's)


def population(quick: bool) -> Population:
    """The demo clinic (PATIENTS charts of the demo physicians: the no-change round's ~1,000
    charts of the specialist) and a region of CLINICIANS family physicians, one per simulated
    workstation, each with REGION_PATIENTS of their own patients: a workstation's round
    returns its own physician's changes, not those of ~140 others sharing a care team."""
    clinicians = staff.clinicians(CLINICIANS.of(quick), SEED)
    demo = list(generate.patients(PATIENTS.of(quick), SEED))  # ~1 ms a chart
    region = list(generate.patients(REGION_PATIENTS.of(quick), SEED, id_prefix="region",
                                    physicians=clinicians))
    return Population(demo + region, clinicians, readable(region), readable(demo))


