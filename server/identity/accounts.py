"""Creating accounts: the account row (password hashed) and its FHIR Practitioner and roles."""

from __future__ import annotations

from typing import Any

from app.core.profiles import UserProfile
from server.identity import practitioner
from server.identity.passwords import hash_password
from server.identity.store import IdentityStore


def add_account(store: Any, profile: UserProfile, password: str) -> None:
    """Create or replace the account; its Practitioner and PractitionerRoles are upserted."""
    IdentityStore(store).put_account(profile, hash_password(password))
    with store.write() as tx:
        for resource in [practitioner.practitioner(profile), *practitioner.roles(profile)]:
            tx.upsert(resource["resourceType"], resource["id"], resource)
