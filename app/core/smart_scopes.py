"""SMART App Launch 2 scopes from the access policy's roles (both sides use this one mapping).

A role's scopes are `user/<Type>.<perms>` for each resource type of a data class the role
reads (`rs`) or writes (`cruds`), plus what every user of the app needs (its own practitioner
data, consents to read, AuditEvents to create and to find again: an upload's retry and
`audit verify` read the user's own). The client asks for the scopes of the role it
last saw (`requested`), the server grants what was asked AND the role allows (`narrow`): a
receptionist asking for `user/Observation.rs` does not get it. Identity scopes (`openid
fhirUser offline_access`) are passed through when the server supports them.
"""

from __future__ import annotations

from app.core.access import READ, WRITE
from app.core.profiles import Profession, UserProfile
from app.core.resource_class import _BY_TYPE

IDENTITY = ("openid", "fhirUser", "offline_access")
EVERY_USER = ("user/Practitioner.rs", "user/PractitionerRole.rs", "user/AuditEvent.crs")
PERMS = "cruds"  # SMART v2 order: create, read, update, delete, search


def role_scopes(profession: Profession) -> list[str]:
    """The resource scopes of a role, in a stable order."""
    reads, writes = READ.get(profession, frozenset()), WRITE.get(profession, frozenset())
    scopes = [f"user/{rtype}.{'cruds' if cls in writes else 'rs'}"
              for rtype, cls in _BY_TYPE.items() if cls in reads or cls in writes]
    # a professional records consents (the server decides for which patients), others read them
    consent = f"user/Consent.{'cruds' if profession.is_professional else 'rs'}"
    return [*scopes, consent, *EVERY_USER]


def requested(profile: UserProfile | None) -> str:
    """The scope parameter the client sends: its last-seen role's scopes, else every role's."""
    if profile is not None:
        resources = role_scopes(profile.profession)
    else:
        resources = list(dict.fromkeys(s for p in Profession for s in role_scopes(p)))
    return " ".join([*IDENTITY, *resources])


def split(scope: str) -> tuple[str, str, str] | None:
    """`user/Patient.rs` → ("user", "Patient", "rs"); None for a non-resource scope."""
    context, _, rest = scope.partition("/")
    rtype, dot, perms = rest.rpartition(".")
    if not (context and rtype and dot and perms):
        return None
    if context not in ("user", "patient", "system"):
        return None
    if set(perms) - set(PERMS):
        perms = {"read": "rs", "write": "cud", "*": PERMS}.get(perms, "")
    return context, rtype, perms


def narrow(asked: str, profile: UserProfile, supported_identity: tuple[str, ...]) -> str:
    """What the server grants: each asked `user/` scope cut to the role's permissions on that
    type (wildcard types expanded), identity scopes the server supports; the rest dropped."""
    allowed = {}
    for scope in role_scopes(profile.profession):
        parts = split(scope)
        if parts:
            allowed[parts[1]] = parts[2]
    granted: list[str] = []
    for scope in asked.split():
        if scope in IDENTITY:
            if scope in supported_identity:
                granted.append(scope)
            continue
        parts = split(scope)
        if parts is None or parts[0] != "user":
            continue
        types = allowed if parts[1] == "*" else ([parts[1]] if parts[1] in allowed else [])
        for rtype in types:
            perms = "".join(p for p in PERMS if p in parts[2] and p in allowed[rtype])
            if perms:
                granted.append(f"user/{rtype}.{perms}")
    return " ".join(dict.fromkeys(granted))
