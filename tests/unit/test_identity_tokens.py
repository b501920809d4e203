"""Passwords and the token service over a real SQLite store, with a clock the test moves."""

import pytest

from server.identity import passwords, practitioner
from server.identity.store import IdentityStore
from server.identity.tokens import OAuthError, TokenService
from server.seed import staff
from server.storage import open_store

DOCTOR = staff.by_username("1000001")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def service(tmp_path):
    store = open_store(tmp_path)
    identity = IdentityStore(store)
    identity.put_account(DOCTOR.profile, passwords.hash_password(DOCTOR.password))
    clock = Clock()
    yield TokenService(identity, access_ttl=900, clock=clock), clock
    store.close()


def test_password_hash_is_salted_scrypt_and_verifies_only_the_password():
    first, second = passwords.hash_password("Hélène-123"), passwords.hash_password("Hélène-123")
    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert passwords.verify_password("Hélène-123", first)
    assert not passwords.verify_password("helene-123", first)
    assert not passwords.verify_password("x", "sha256$abc") and \
        not passwords.verify_password("x", "garbage")


def test_sign_in_gives_a_bearer_pair_and_the_profile(service):
    tokens, _ = service
    body = tokens.password_grant("1000001", DOCTOR.password)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert tokens.authenticate(body["access_token"]) == DOCTOR.profile
    assert tokens.authenticate(body["refresh_token"]) is None  # a refresh token is no bearer
    for user, password in (("1000001", "wrong"), ("9999999", DOCTOR.password), ("", "")):
        with pytest.raises(OAuthError) as err:
            tokens.password_grant(user, password)
        assert err.value.error == "invalid_grant"


def test_access_token_expires_refresh_rotates_and_a_replay_ends_the_grant(service):
    tokens, clock = service
    first = tokens.password_grant("1000001", DOCTOR.password)
    clock.now += 901
    assert tokens.authenticate(first["access_token"]) is None
    second = tokens.refresh_grant(first["refresh_token"])
    assert tokens.authenticate(second["access_token"]) == DOCTOR.profile
    with pytest.raises(OAuthError, match="already used"):
        tokens.refresh_grant(first["refresh_token"])
    assert tokens.authenticate(second["access_token"]) is None
    with pytest.raises(OAuthError):
        tokens.refresh_grant(second["refresh_token"])


def test_revoking_either_token_ends_the_grant_and_unknown_tokens_are_ignored(service):
    tokens, _ = service
    body = tokens.password_grant("1000001", DOCTOR.password)
    other = tokens.password_grant("1000001", DOCTOR.password)
    tokens.revoke("not-a-token")
    tokens.revoke(body["refresh_token"])
    assert tokens.authenticate(body["access_token"]) is None
    assert tokens.authenticate(other["access_token"]) == DOCTOR.profile


def test_practitioner_ids_map_back_to_usernames():
    resource = practitioner.practitioner(staff.by_username("tsupport7").profile)
    assert resource["id"] == "user-tsupport7"
    assert practitioner.username_of(f"Practitioner/{resource['id']}") == "tsupport7"
    assert practitioner.username_of("Practitioner/abc") is None
    assert practitioner.username_of("Organization/user-x") is None
    assert resource["name"][0]["family"] == "Dubé"


def test_long_expired_tokens_are_purged_now_and_then(service, monkeypatch):
    tokens, clock = service
    monkeypatch.setattr("server.identity.tokens.PURGE_EVERY", 2)
    old = tokens.password_grant("1000001", DOCTOR.password)
    clock.now += 31 * 24 * 3600 + 86400 + 1
    tokens.password_grant("1000001", DOCTOR.password)
    assert tokens.identity.token(old["refresh_token"]) is None


def _refused(tokens: TokenService, password: str, address: str) -> OAuthError:
    with pytest.raises(OAuthError) as err:
        tokens.password_grant("1000001", password, address)
    return err.value


def test_failed_sign_ins_back_off_per_account_but_the_users_workstation_keeps_its_budget(
        service):
    tokens, clock = service
    assert tokens.password_grant("1000001", DOCTOR.password, "10.0.0.1")  # the workstation
    for _ in range(10):
        assert _refused(tokens, "guess", "10.0.0.9").status == 400
    throttled = _refused(tokens, DOCTOR.password, "10.0.0.9")  # even the right password
    assert throttled.status == 429 and throttled.retry_after == 360  # one guess per 6 minutes
    assert _refused(tokens, DOCTOR.password, "10.0.0.7").status == 429  # any new address
    assert tokens.password_grant("1000001", DOCTOR.password, "10.0.0.1")["access_token"]
    clock.now += 361
    assert _refused(tokens, "guess", "10.0.0.8").status == 400  # the bucket drained by one
    assert _refused(tokens, "guess", "10.0.0.8").status == 429


def test_a_success_gives_back_its_reservation_and_empties_its_pair_bucket(service):
    tokens, _ = service
    for _ in range(9):
        assert _refused(tokens, "typo", "10.0.0.1").status == 400
    assert tokens.password_grant("1000001", DOCTOR.password, "10.0.0.1")
    for _ in range(10):  # a known address: only its own pair bucket, empty again
        assert _refused(tokens, "typo", "10.0.0.1").status == 400
    assert _refused(tokens, DOCTOR.password, "10.0.0.1").status == 429
