"""Authorization codes on a real SQLite store with a controlled clock: short-lived and
single-use (server.identity.tokens; the HTTP side is tests/integration/test_smart_signin.py)."""

import pytest

from server.identity.store import IdentityStore
from server.identity.tokens import CODE_TTL, OAuthError, TokenService, s256
from server.seed import load, staff
from server.storage import open_store

VERIFIER = "v" * 50
REDIRECT = "http://127.0.0.1:9/"


@pytest.fixture
def tokens(tmp_path):
    store = open_store(tmp_path)
    load.load_staff(store, [staff.by_username("1000001")])
    now = [1_000_000.0]
    yield TokenService(IdentityStore(store), clock=lambda: now[0]), now
    store.close()


def _code(service: TokenService) -> str:
    profile = staff.by_username("1000001").profile
    return service.issue_code(profile, "clinicdesk", REDIRECT, s256(VERIFIER), "user/Patient.rs")


def test_a_code_expires_after_its_short_life(tokens):
    service, now = tokens
    code = _code(service)
    now[0] += CODE_TTL + 1
    with pytest.raises(OAuthError, match="expired"):
        service.code_grant(code, "clinicdesk", REDIRECT, VERIFIER)


def test_a_code_in_time_gives_tokens_once(tokens):
    service, now = tokens
    code = _code(service)
    now[0] += CODE_TTL - 1
    assert service.code_grant(code, "clinicdesk", REDIRECT, VERIFIER)["scope"] == \
        "user/Patient.rs"
    with pytest.raises(OAuthError, match="already used"):
        service.code_grant(code, "clinicdesk", REDIRECT, VERIFIER)
