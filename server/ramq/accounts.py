"""Fulfilling an account request when its welcome e-mail goes out: the account is created — or,
for a user who had an account before, updated rather than duplicated — with the mandates of the
reference account copied and the requester's institutions that the request names.

The initial password is random and would travel only in the welcome e-mail (not simulated): it
is stored hashed, never logged, and the user resets it at first sign-in.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date
from typing import Any

from app.core.account_request import AccountRequest
from app.core.profiles import UserProfile
from server.identity import practitioner
from server.identity.accounts import add_account
from server.identity.store import IdentityStore

FIRST_ID = 2000000  # new accounts get 7-digit numeric ids from here


def _new_username(identity: IdentityStore) -> str:
    numeric = [int(u) for u in identity.usernames() if u.isdigit() and len(u) == 7]
    return str(max([FIRST_ID - 1, *numeric]) + 1)


def fulfil(store: Any, req: AccountRequest, requester: str, username: str = "") -> str:
    """Create or update the account; its username."""
    identity = IdentityStore(store)
    found = identity.account(username) if username else None
    reference = identity.account(req.reference_account_id)
    asking = identity.account(requester)
    institutions = tuple(i for i in (asking[0].institutions if asking else ())
                         if i.id in req.institutions)
    profile = UserProfile(
        username=username if found else _new_username(identity),
        display_name=f"{req.first_name} {req.last_name}", profession=req.occupation,
        practice_number=req.practice_number or None, institutions=institutions,
        primary_institution_id=req.primary_institution,
        account_created=found[0].account_created if found else date.today(),
        is_administrative=req.administrative,
        mandates=reference[0].mandates if reference else ())
    if found:  # an update: the password stays the user's own
        profile = replace(profile, qhr_key_id=found[0].qhr_key_id,
                          access_form_completed=found[0].access_form_completed)
        identity.put_account(profile, found[1])
        with store.write() as tx:
            for resource in [practitioner.practitioner(profile), *practitioner.roles(profile)]:
                tx.upsert(resource["resourceType"], resource["id"], resource)
    else:
        add_account(store, profile, secrets.token_urlsafe(18))
    return profile.username
