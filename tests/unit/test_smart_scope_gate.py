"""server.identity.scopes: what a granted scope string allows, interaction by interaction."""

import pytest

from server.identity.scopes import Granted, needed


@pytest.mark.parametrize(("scope", "rtype", "letters", "allowed"), [
    ("user/Observation.rs", "Observation", "r", True),
    ("user/Observation.rs", "Observation", "c", False),
    ("user/Observation.rs", "Condition", "r", False),
    ("user/*.cruds", "Condition", "d", True),
    ("user/*.rs", "Condition", "u", False),
    ("system/Observation.u", "Observation", "u", True),
    ("patient/*.cruds", "Observation", "r", False),  # no launch patient: nothing
    ("user/Observation.read", "Observation", "s", True),  # v1 read = rs
    ("user/Observation.write", "Observation", "r", False),  # v1 write = cud
    ("user/Observation.write", "Observation", "d", True),
    ("openid fhirUser offline_access", "Patient", "r", False),
    ("", "Patient", "rs", False),
])
def test_granted_permissions(scope, rtype, letters, allowed):
    assert Granted.parse(scope).allows(rtype, letters) is allowed


@pytest.mark.parametrize(("action", "returned", "instance", "letters"), [
    ("read", False, True, "r"), ("vread", False, True, "r"), ("everything", False, True, "r"),
    ("search", False, False, "s"), ("history", False, False, "s"), ("history", False, True, "r"),
    ("create", True, False, "c"), ("update", True, True, "u"), ("delete", True, True, "d"),
    ("read", True, False, "rs"), ("batch", False, False, None), ("transaction", False, False, None),
])
def test_each_interaction_needs_its_permission(action, returned, instance, letters):
    assert needed(action, returned, instance) == letters
