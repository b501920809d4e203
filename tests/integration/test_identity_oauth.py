"""Sign-in over real HTTP: RFC 6749 token endpoint, refresh rotation, RFC 7009 revocation,
expiry, and /api/me for every kind of demo account (both back-ends)."""

import time

import httpx
import pytest

from app.core.profiles import profile_from_json
from server.seed import load, staff
from server.storage import open_store
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server_forks import ForkedServer


def _token(base: str, **form: str) -> httpx.Response:
    return httpx.post(f"{base}/oauth/token", data=form, timeout=30)


def _me(base: str, tokens: dict) -> httpx.Response:
    return httpx.get(f"{base}/api/me", headers=bearer(tokens), timeout=30)


def test_good_password_gives_tokens_and_bad_ones_an_rfc6749_error(seeded_server):
    good = _token(seeded_server, grant_type="password", username="1000001",
                  password="demo-medecin-1")
    assert good.status_code == 200 and good.headers["cache-control"] == "no-store"
    body = good.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["access_token"] and body["refresh_token"]
    for form in ({"username": "1000001", "password": "demo-medecin-2"},
                 {"username": "7777777", "password": "demo-medecin-1"}):
        bad = _token(seeded_server, grant_type="password", **form)
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    assert _token(seeded_server, grant_type="client_credentials").json()["error"] == \
        "unsupported_grant_type"
    assert _token(seeded_server, grant_type="password").json()["error"] == "invalid_request"
    as_json = httpx.post(f"{seeded_server}/oauth/token", json={"grant_type": "password"})
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"


def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_grant(seeded_server):
    first = sign_in(seeded_server, "1000005")
    second = _token(seeded_server, grant_type="refresh_token",
                    refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert _me(seeded_server, second).status_code == 200
    replay = _token(seeded_server, grant_type="refresh_token",
                    refresh_token=first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert _me(seeded_server, second).status_code == 401


def test_revocation_ends_the_grant_and_accepts_unknown_tokens(seeded_server):
    tokens = sign_in(seeded_server, "1000009")
    assert _me(seeded_server, tokens).status_code == 200
    unknown = httpx.post(f"{seeded_server}/oauth/revoke", data={"token": "nothing"})
    assert unknown.status_code == 200
    done = httpx.post(f"{seeded_server}/oauth/revoke", data={"token": tokens["access_token"],
                                                            "token_type_hint": "access_token"})
    assert done.status_code == 200
    refused = _me(seeded_server, tokens)
    assert refused.status_code == 401 and "Bearer" in refused.headers["www-authenticate"]
    again = _token(seeded_server, grant_type="refresh_token",
                   refresh_token=tokens["refresh_token"])
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("account", staff.ACCOUNTS, ids=lambda a: a.profile.username)
def test_api_me_returns_the_profile_of_each_kind_of_account(seeded_server, account):
    response = _me(seeded_server, sign_in(seeded_server, account.profile.username))
    assert response.status_code == 200
    assert profile_from_json(response.json()) == account.profile


def test_fhir_and_api_need_a_bearer_token(seeded_server):
    for url in ("/api/me", "/fhir/Patient?family=tremblay", "/fhir/Patient/p1"):
        response = httpx.get(seeded_server + url, timeout=30)
        assert response.status_code == 401, url
        assert response.headers["www-authenticate"].startswith("Bearer")
    forged = httpx.get(f"{seeded_server}/fhir/Patient/p1",
                       headers={"Authorization": "Bearer forged"}, timeout=30)
    assert forged.status_code == 401


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory):
    data = tmp_path_factory.mktemp("short-ttl")
    store = open_store(data)
    load.load_staff(store, [staff.by_username("1000001")])
    store.close()
    server = ForkedServer(data, extra_args=("--access-token-ttl", "1")).start()
    yield server.base
    server.stop()


def test_an_access_token_expires_and_the_refresh_token_still_works(short_lived):
    tokens = sign_in(short_lived, "1000001")
    assert tokens["expires_in"] == 1
    assert _me(short_lived, tokens).status_code == 200
    time.sleep(1.3)
    assert _me(short_lived, tokens).status_code == 401
    fresh = _token(short_lived, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert _me(short_lived, fresh.json()).status_code == 200
