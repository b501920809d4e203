"""SMART scopes enforced at the FHIR gate (server.authz): a token's granted scopes bound every
interaction, under the role's policy (app.core.access), never beside it.

A token's scopes are those granted at sign-in (app.core.smart_scopes.narrow, kept per sign-in
family in oauth_grant). Each interaction needs one SMART v2 permission on the resource type:

  read, vread, instance history, $everything (on Patient)   r
  search, type history                                       s
  create (update-as-create too), update, delete              c, u, d
  each resource returned (search, history, $everything)      r or s on its type

Batch and transaction entries are each decided as the interaction they are (their own
authorize calls). `user/` and `system/` scopes grant their permissions (the user's or the
server's rights still decide which records); `patient/` scopes grant nothing: this server
gives no launch patient, so they have no patient to be limited to. `*` as type is every type;
v1 permissions (`read`, `write`, `*`) count as their v2 letters. A token issued without any
scope asked (an older client's password grant) is bounded by the role alone.

Refusals are 403 with an OperationOutcome whose diagnostics start with `insufficient_scope`
and `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 3.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.smart_scopes import split

ERROR = "insufficient_scope"
CHALLENGE = {"WWW-Authenticate": f'Bearer error="{ERROR}"'}
NEEDS = {"read": "r", "vread": "r", "everything": "r", "search": "s", "create": "c",
         "update": "u", "delete": "d"}
RETURNED = "rs"  # a resource a search, history or $everything returns: read or search


@dataclass(frozen=True)
class Granted:
    """Permission letters per resource type (`*`: any type)."""
    perms: dict[str, frozenset[str]]

    @classmethod
    def parse(cls, scope: str) -> Granted:
        perms: dict[str, set[str]] = {}
        for item in scope.split():
            parts = split(item)
            if parts is None or parts[0] not in ("user", "system"):
                continue
            perms.setdefault(parts[1], set()).update(parts[2])
        return cls({rtype: frozenset(p) for rtype, p in perms.items()})

    def allows(self, rtype: str, letters: str) -> bool:
        """Does any of these permission letters on this type hold?"""
        held = self.perms.get(rtype, frozenset()) | self.perms.get("*", frozenset())
        return any(letter in held for letter in letters)


def needed(action: str, resource: bool, instance: bool) -> str | None:
    """The letters (any one suffices) an interaction needs on its type; None: nothing asked of
    the type at this point (a batch or transaction as a whole, its entries decide).
    `resource`: a resource about to be returned; `instance`: an instance-level history."""
    if action == "history":
        return "r" if instance else "s"
    if action in ("batch", "transaction"):
        return None
    if resource and action not in ("create", "update", "delete"):
        return RETURNED
    return NEEDS.get(action, "r")


def refusal(action: str, rtype: str) -> str:
    return f"{ERROR}: the token's scopes do not allow {action} of {rtype}"
