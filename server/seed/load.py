"""Bulk loading of synthetic data straight into the store (no HTTP): the seed command, tests
and benchmarks use it.

`bulk_create` writes version 1 of many new resources in one transaction with a handful of
statements (executemany into `resource_version`, one INSERT … SELECT into `resource_current`,
executemany into `search_token` and `care_team`), which is what makes 10,000 patients load in
seconds. It follows
the layout of server.storage.sql and uses its index functions, so what it writes is exactly what
`Tx.create` would have written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from app.core.fhir import patient_of
from app.core.profiles import UserProfile
from server.identity import practitioner
from server.identity.accounts import add_account
from server.identity.store import IdentityStore
from server.seed import generate, staff
from server.storage import StorageError, care, format_instant, index

BATCH_PATIENTS = 500
NO_PASSWORD = "none"  # a stored hash no password verifies (server.identity.passwords)


class AlreadySeeded(StorageError):
    """The store already holds a resource with an id the seed would write."""


def bulk_create(store: Any, resources: list[dict]) -> int:
    """Create these new resources (each with its id); all or nothing."""
    dialect = store.dialect
    with store.write() as tx:
        first = resources[0]
        if tx.current(first["resourceType"], first["id"]) is not None:
            raise AlreadySeeded(f"{first['resourceType']} id already in use")
        start = tx.conn.execute("SELECT coalesce(max(seq), 0) FROM resource_version").fetchone()[0]
        versions, tokens, team = [], list[tuple[object, ...]](), list[tuple[str, str]]()
        last: dict[str, str] = {}  # each chart's latest lastUpdated (care.seeded)
        for resource in resources:
            rtype, rid = resource["resourceType"], resource["id"]
            ts = format_instant(store.tick())
            body = {**resource, "meta": {**(resource.get("meta") or {}), "versionId": "1",
                                         "lastUpdated": ts}}
            patient = patient_of(body, rtype, rid)
            versions.append((rtype, rid, 1, ts, 0, json.dumps(body, ensure_ascii=False,
                                                             separators=(",", ":")),
                             patient, "POST", index.data_class(rtype, body)))
            tokens.extend((rtype, rid, *t) for t in index.tokens(rtype, body))
            if patient is not None:
                last[patient] = ts
            if rtype == "Patient":
                team.extend((rid, ref) for ref in sorted(set(care.practitioner_refs(body))))
        cursor = tx.conn.cursor()  # psycopg has executemany on cursors only
        cursor.executemany(dialect.sql(
            "INSERT INTO resource_version (rtype, rid, version, ts, deleted, content, patient, "
            "method, data_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"), versions)
        tx.conn.execute(dialect.sql(
            "INSERT INTO resource_current (rtype, rid, version, ts, deleted, seq, content, "
            "patient, data_class) SELECT rtype, rid, version, ts, deleted, seq, content, "
            "patient, data_class "
            "FROM resource_version WHERE seq > ? ORDER BY seq"), (start,))
        if tokens:
            cursor.executemany(dialect.sql(
                "INSERT INTO search_token (rtype, rid, name, system, value) "
                "VALUES (?, ?, ?, ?, ?)"), tokens)
        care.seeded(tx, team, last)
    return len(resources)


def _batches(charts: Iterable[list[dict]], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for n, chart in enumerate(charts, 1):
        batch.extend(chart)
        if n % size == 0:
            yield batch
            batch = []
    if batch:
        yield batch


def load_patients(store: Any, n: int, seed: int = 0, **options: Any) -> int:
    """Generate and store n patients (options: see generate.patients); the resource count."""
    return sum(bulk_create(store, batch)
               for batch in _batches(generate.patients(n, seed, **options), BATCH_PATIENTS))


def load_schedule(store: Any, n: int, seed: int, day: Any, **options: Any) -> int:
    """The day's appointments of `generate.day_schedule` (the patients already loaded)."""
    resources = generate.day_schedule(n, seed, day, **options)
    return bulk_create(store, resources) if resources else 0


def load_staff(store: Any, accounts: Iterable[staff.DemoAccount] = staff.ACCOUNTS
               ) -> list[UserProfile]:
    """Institutions (Organization) and demo accounts (with Practitioner); idempotent."""
    with store.write() as tx:
        for org in generate.reference_resources():
            tx.upsert("Organization", org["id"], org)
    for account in accounts:
        add_account(store, account.profile, account.password)
    return [a.profile for a in accounts]


def load_clinicians(store: Any, profiles: list[UserProfile]) -> None:
    """A region's clinicians (staff.clinicians) for the load benchmark: the institutions, each
    one's Practitioner and roles in one bulk write, and accounts that no password opens
    (NO_PASSWORD: no scrypt hash per account; their tokens are issued through the server's
    token store, bench.load). Not idempotent (bulk_create refuses a second run)."""
    load_staff(store, ())
    bulk_create(store, [r for p in profiles
                        for r in (practitioner.practitioner(p), *practitioner.roles(p))])
    accounts = IdentityStore(store)
    for profile in profiles:
        accounts.put_account(profile, NO_PASSWORD)
