"""SMART App Launch sign-in against the real reference server over loopback: discovery, the
authorization code + PKCE flow through the loopback redirect (the browser played by httpx:
tests.fixtures.smart.Browser), every refusal of the authorization and token endpoints, the
password grant only where advertised, scopes narrowed by role."""

import re
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from app.central import smart
from app.central.auth import TokenStore
from app.central.client import ClientConfig, FhirClient
from app.central.errors import Kind, SyncError
from app.core import smart_scopes
from server.identity.tokens import s256
from server.processes import ServerProcess
from server.seed import load, staff
from server.storage import open_store
from tests.fixtures.smart import Browser, hidden_fields

PHYSICIAN, RECEPTIONIST = "1000001", "1000009"


def _start(tmp_path_factory, *args: str):
    data = tmp_path_factory.mktemp("smart")
    store = open_store(data)
    load.load_staff(store)
    store.close()
    return ServerProcess(data, auth=True, extra_args=args).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = _start(tmp_path_factory)
    yield proc.base
    proc.stop()


@pytest.fixture
def browser_only(browser_only_server):
    return browser_only_server


@pytest.fixture
def client(server):
    made = []

    def build(base=server, username=PHYSICIAN):
        store = TokenStore(base, username, service=f"ClinicDesk smart test {uuid.uuid4()}")
        made.append(c := FhirClient(ClientConfig(base, username), token_store=store))
        return c
    yield build
    for c in made:
        c.auth.store.delete()
        c.close()


def password(username: str) -> str:
    return staff.by_username(username).password


# -- discovery ---------------------------------------------------------------------------------
def test_discovery_gives_the_smart_2_fields_and_the_client_reads_them(server, client):
    config = httpx.get(f"{server}/fhir/.well-known/smart-configuration").json()
    assert config["authorization_endpoint"] == f"{server}/oauth/authorize"
    assert config["token_endpoint"] == f"{server}/oauth/token"
    assert config["code_challenge_methods_supported"] == ["S256"]  # never "plain"
    assert {"launch-standalone", "client-public", "permission-v2"} <= set(config["capabilities"])
    assert config["grant_types_supported"] == ["authorization_code", "refresh_token", "password"]
    assert "issuer" not in config  # SMART 2: only with sso-openid-connect (no id_token here)
    assert "user/Patient.cruds" in config["scopes_supported"]
    openid = httpx.get(f"{server}/.well-known/openid-configuration").json()
    assert openid["token_endpoint"] == config["token_endpoint"] and openid["issuer"] == server
    found = client().endpoints()
    assert (found.token, found.authorization, found.browser, found.password) == (
        config["token_endpoint"], config["authorization_endpoint"], True, True)


def test_openid_configuration_is_the_fallback_and_nothing_is_an_error():
    def only_openid(request):
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={
                "token_endpoint": "https://idp.test/token",
                "authorization_endpoint": "https://idp.test/auth",
                "code_challenge_methods_supported": ["S256"]})  # grants absent: code (RFC 8414)
        return httpx.Response(404)
    c = FhirClient(ClientConfig("https://emr.test", "u"),
                   transport=httpx.MockTransport(only_openid))
    found = c.endpoints()
    assert (found.token, found.browser, found.password) == ("https://idp.test/token", True, False)
    nothing = FhirClient(ClientConfig("https://emr.test", "u"),
                         transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    with pytest.raises(SyncError) as caught:
        nothing.endpoints()
    assert caught.value.kind is Kind.CLIENT and not caught.value.transient


# -- the whole flow ----------------------------------------------------------------------------
@pytest.mark.parametrize("lang,words", [("fr", "Mot de passe"), ("en", "Password")])
def test_code_and_pkce_through_the_loopback_redirect(client, lang, words):
    c = client()
    browser = Browser(PHYSICIAN, password(PHYSICIAN), lang=lang)
    c.sign_in_browser(browser, smart_scopes.requested(None), timeout=20)
    browser.join()
    login, redirected, landing = browser.pages
    assert words in login.text and login.headers["x-frame-options"] == "DENY"
    sent = parse_qs(urlsplit(browser.opened[0]).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["aud"] == [c.base]
    assert "code_verifier" not in sent  # only its hash travels through the browser
    assert redirected.status_code == 303 and landing.status_code == 200
    assert "revenir à ClinicDesk" in landing.text and "go back to ClinicDesk" in landing.text
    assert c.auth.store.load() and c.me()["username"] == PHYSICIAN  # refresh token in keyring
    assert "user/Observation.rs" in c.auth.scope.split()


def test_a_redirect_with_another_state_is_refused(client):
    c = client()

    def forged(location: str) -> str:
        return re.sub(r"state=[^&]*", "state=forged", location)
    browser = Browser(PHYSICIAN, password(PHYSICIAN), tamper=forged)
    with pytest.raises(SyncError) as caught:
        c.sign_in_browser(browser, "user/Patient.rs", timeout=20)
    assert caught.value.kind is Kind.AUTH and "state" in str(caught.value)
    assert c.auth.store.load() is None


def test_a_browser_left_on_the_login_page_times_out(client):
    c = client()
    with pytest.raises(SyncError) as caught:
        c.sign_in_browser(Browser(PHYSICIAN, "wrong"), "user/Patient.rs", timeout=2)
    assert caught.value.kind is Kind.AUTH and c.auth.store.load() is None


# -- the server's refusals ---------------------------------------------------------------------
def _authorize(server: str, **change: str) -> tuple[dict[str, str], str]:
    """An authorization request (its query) and a verifier."""
    verifier = "v" * 50
    query = {"response_type": "code", "client_id": "clinicdesk",
             "redirect_uri": "http://127.0.0.1:9/cb", "scope": "user/Patient.rs",
             "state": "s1", "code_challenge": s256(verifier), "code_challenge_method": "S256",
             "aud": f"{server}/fhir", **change}
    return query, verifier


def _code(server: str, username: str = PHYSICIAN, **change: str) -> tuple[str, dict, str]:
    query, verifier = _authorize(server, **change)
    with httpx.Client() as web:
        page = web.get(f"{server}/oauth/authorize", params=query)
        answer = web.post(f"{server}/oauth/authorize", data={
            **hidden_fields(page.text), "username": username, "password": password(username)})
    assert answer.status_code == 303, answer.text
    found = parse_qs(urlsplit(answer.headers["location"]).query)
    assert found["state"] == [query["state"]]
    return found["code"][0], query, verifier


def _exchange(server: str, code: str, query: dict, verifier: str, **change: str):
    return httpx.post(f"{server}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": query["client_id"],
        "redirect_uri": query["redirect_uri"], "code_verifier": verifier, **change})


def _me(server: str, tokens: dict) -> int:
    return httpx.get(f"{server}/api/me", headers={
        "Authorization": f"Bearer {tokens['access_token']}"}).status_code


def test_a_replayed_code_is_refused_and_ends_what_it_gave(server):
    code, query, verifier = _code(server)
    first = _exchange(server, code, query, verifier)
    assert first.status_code == 200 and _me(server, first.json()) == 200
    again = _exchange(server, code, query, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert _me(server, first.json()) == 401


@pytest.mark.parametrize("change", [
    {"code_verifier": "w" * 50}, {"redirect_uri": "http://127.0.0.1:10/cb"},
    {"client_id": "another-app"}])
def test_a_code_is_bound_to_its_verifier_redirect_and_client(server, change):
    code, query, verifier = _code(server)
    refused = _exchange(server, code, query, verifier, **change)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert _exchange(server, code, query, verifier).status_code == 400  # and it is spent


@pytest.mark.parametrize("change", [{"client_id": "another-app"},
                                    {"redirect_uri": "https://evil.test/cb"},
                                    {"redirect_uri": "http://localhost:9/cb"}])
def test_an_untrusted_client_or_redirect_is_told_on_the_page_never_redirected(server, change):
    query, _ = _authorize(server, **change)
    page = httpx.get(f"{server}/oauth/authorize", params=query)
    assert page.status_code == 400 and "location" not in page.headers
    assert "csrf" not in page.text  # no login form


@pytest.mark.parametrize("change,error", [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": ""}, "invalid_request"), ({"state": ""}, "invalid_request"),
    ({"aud": "https://other.test/fhir"}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type")])
def test_other_faults_go_back_to_the_app_as_errors(server, change, error):
    query, _ = _authorize(server, **change)
    answer = httpx.get(f"{server}/oauth/authorize", params=query)
    assert answer.status_code == 303
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["error"] == [error] and "code" not in back


@pytest.mark.parametrize("how", ["no cookie", "wrong value", "no value"])
def test_the_login_form_needs_its_csrf_cookie(server, how):
    query, _ = _authorize(server)
    with httpx.Client() as web:
        fields = hidden_fields(web.get(f"{server}/oauth/authorize", params=query).text)
        if how == "no cookie":
            web.cookies.clear()
        elif how == "wrong value":
            fields["csrf"] = "x" * 43
        else:
            del fields["csrf"]
        answer = web.post(f"{server}/oauth/authorize", data={
            **fields, "username": PHYSICIAN, "password": password(PHYSICIAN)})
    assert answer.status_code == 403 and "location" not in answer.headers


def test_the_login_page_is_throttled_with_the_token_endpoint(server):
    username = "1000005"  # never signed in from here: every bucket applies
    query, _ = _authorize(server)
    for _ in range(10):
        assert httpx.post(f"{server}/oauth/token", data={
            "grant_type": "password", "username": username, "password": "no"}).status_code == 400
    with httpx.Client() as web:
        fields = hidden_fields(web.get(f"{server}/oauth/authorize", params=query).text)
        answer = web.post(f"{server}/oauth/authorize", data={
            **fields, "username": username, "password": password(username)})
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0
    assert "location" not in answer.headers and "Trop de tentatives" in answer.text


def test_a_wrong_password_on_the_login_page_shows_the_form_again(server):
    query, _ = _authorize(server, lang="en")
    with httpx.Client() as web:
        fields = hidden_fields(web.get(f"{server}/oauth/authorize", params=query).text)
        answer = web.post(f"{server}/oauth/authorize", data={
            **fields, "username": PHYSICIAN, "password": "not it"})
    assert answer.status_code == 400 and "Wrong username or password." in answer.text
    assert "location" not in answer.headers


# -- password grant, scopes --------------------------------------------------------------------
def test_the_password_grant_only_where_the_server_advertises_it(browser_only, client):
    config = httpx.get(f"{browser_only}/fhir/.well-known/smart-configuration").json()
    assert "password" not in config["grant_types_supported"]
    c = client(browser_only)
    with pytest.raises(SyncError) as caught:
        c.sign_in(password(PHYSICIAN))
    assert caught.value.kind is Kind.CLIENT
    assert c.requests == 1  # the discovery only: the password was never sent
    direct = httpx.post(f"{browser_only}/oauth/token", data={
        "grant_type": "password", "username": PHYSICIAN, "password": password(PHYSICIAN)})
    assert direct.json()["error"] == "unsupported_grant_type"
    c.sign_in_browser(Browser(PHYSICIAN, password(PHYSICIAN)), "user/Patient.rs", timeout=20)
    assert c.me()["username"] == PHYSICIAN


def test_a_receptionist_is_granted_narrower_scopes(server, client):
    asked = smart_scopes.requested(None)  # every role's: the app has not seen the user yet
    granted = {}
    for username in (PHYSICIAN, RECEPTIONIST):
        c = client(username=username)
        c.sign_in_browser(Browser(username, password(username)), asked, timeout=20)
        granted[username] = set(c.auth.scope.split())
    assert {"user/Observation.rs", "user/Condition.cruds"} & granted[PHYSICIAN]
    assert granted[RECEPTIONIST] <= granted[PHYSICIAN] | {"user/Patient.cruds"}
    types = {s.split("/")[1].split(".")[0] for s in granted[RECEPTIONIST] if "/" in s}
    assert not types & {"Observation", "Condition", "MedicationRequest", "DocumentReference"}
    assert "user/Patient.cruds" in granted[RECEPTIONIST]  # registration: its own work
    refreshed = httpx.post(f"{server}/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": c.auth.store.load()}).json()
    assert set(refreshed["scope"].split()) == granted[RECEPTIONIST]  # kept across refreshes
    by_password = httpx.post(f"{server}/oauth/token", data={
        "grant_type": "password", "username": RECEPTIONIST, "password": password(RECEPTIONIST),
        "scope": "user/Observation.rs user/Patient.rs"}).json()
    assert by_password["scope"] == "user/Patient.rs"


def test_the_authorization_request_carries_pkce_s256():
    attempt = smart.AuthorizationRequest("http://127.0.0.1:1/", "user/Patient.rs")
    endpoints = smart.Endpoints(token="t", authorization="https://a.test/authorize")
    query = parse_qs(urlsplit(attempt.url(endpoints, "https://a.test/fhir")).query)
    assert query["code_challenge"] == [s256(attempt.verifier)]
    assert 43 <= len(attempt.verifier) <= 128 and query["state"] == [attempt.state]
    assert urlencode({"a": attempt.state}) == f"a={attempt.state}"  # URL-safe as it is


# -- the workstation session: passphrase, offline, store ---------------------------------------
PASSPHRASE = "phrase du poste 42"


@pytest.fixture
def workstation(tmp_path, monkeypatch):
    from app.settings import Settings
    from app.workstation import online_signin
    from app.workstation import session as session_module

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # this test's stores
    monkeypatch.setattr(online_signin, "BROWSER_TIMEOUT", 10.0)
    made = []

    def build(browser=None):
        made.append(s := session_module.Session(settings=Settings(tmp_path / "settings.ini"),
                                                open_browser=browser))
        return s
    yield build
    for s in made:
        s.sign_out()


def test_browser_sign_in_sets_the_passphrase_that_opens_the_store_offline(
        browser_only, workstation):
    from app.workstation.session import PasswordRefused

    browser = Browser(PHYSICIAN, password(PHYSICIAN))
    session = workstation(browser)
    assert session.browser_sign_in(browser_only)
    signed = session.sign_in(browser_only, PHYSICIAN, PASSPHRASE)
    assert signed.online and signed.profile.username == PHYSICIAN and len(browser.opened) == 1
    assert session.client.auth.store.load()  # the refresh token, in the keyring
    assert session.verify_password(PASSPHRASE)  # the idle lock asks the passphrase
    session.sign_out()

    unreachable = "http://127.0.0.1:9"
    offline = workstation(browser).sign_in(unreachable, PHYSICIAN, PASSPHRASE)
    assert not offline.online and offline.profile.username == PHYSICIAN
    with pytest.raises(PasswordRefused):
        workstation(browser).sign_in(unreachable, PHYSICIAN, password(PHYSICIAN))
    assert len(browser.opened) == 1  # offline: no browser


def test_a_wrong_passphrase_is_refused_before_the_browser_opens(browser_only, workstation):
    from app.workstation.session import PasswordRefused

    first = workstation(Browser(PHYSICIAN, password(PHYSICIAN)))
    first.sign_in(browser_only, PHYSICIAN, PASSPHRASE)
    first.sign_out()
    browser = Browser(PHYSICIAN, password(PHYSICIAN))
    with pytest.raises(PasswordRefused) as caught:
        workstation(browser).sign_in(browser_only, PHYSICIAN, "not the passphrase")
    assert browser.opened == [] and caught.value.wait_s >= 0


def test_the_browser_account_must_be_the_one_typed(browser_only, workstation, tmp_path):
    from app.core.errors import UserFacingError
    from app.store import keys

    session = workstation(Browser(RECEPTIONIST, password(RECEPTIONIST)))
    with pytest.raises(UserFacingError) as caught:
        session.sign_in(browser_only, PHYSICIAN, PASSPHRASE)
    assert "another user" in str(caught.value)
    assert not keys.default_path(PHYSICIAN).exists() and session.executor is None


def test_without_a_browser_a_browser_only_server_says_so(browser_only, workstation):
    from app.core.errors import UserFacingError

    session = workstation(None)
    assert not session.browser_sign_in(browser_only)
    with pytest.raises(UserFacingError) as caught:
        session.sign_in(browser_only, PHYSICIAN, password(PHYSICIAN))
    assert "no sign-in" in str(caught.value)


# -- a new store's passphrase (app.workstation.passphrase): below the window -------------------
@pytest.mark.parametrize("weak", ["1", "onze lettre", PHYSICIAN * 2, "Password2026!",
                                  "azertyuiopqs"])
def test_a_weak_first_passphrase_is_refused_before_the_browser_opens(browser_only, workstation,
                                                                     weak):
    from app.store import keys
    from app.workstation.passphrase import WeakPassphrase

    browser = Browser(PHYSICIAN, password(PHYSICIAN))
    session = workstation(browser)
    assert not session.store_exists(PHYSICIAN)
    with pytest.raises(WeakPassphrase) as caught:
        session.sign_in(browser_only, PHYSICIAN, weak)
    assert caught.value.field == "password" and str(caught.value).startswith(
        ("Choose a passphrase of at least 12", "This passphrase is too easy"))
    assert browser.opened == [] and not keys.default_path(PHYSICIAN).exists()
    assert session.wait_left(PHYSICIAN) == 0  # not a wrong password: nothing to wait
    assert session.executor is None and session.client is None


def test_an_existing_store_keeps_its_passphrase_under_no_new_rule(browser_only, workstation):
    from app.store import Store

    Store.create(PHYSICIAN, "court").close()  # chosen before the rule existed
    browser = Browser(PHYSICIAN, password(PHYSICIAN))
    session = workstation(browser)
    assert session.store_exists(PHYSICIAN)
    assert session.sign_in(browser_only, PHYSICIAN, "court").online
    assert len(browser.opened) == 1 and session.verify_password("court")


def test_the_password_grant_keeps_the_server_password_as_the_store_secret(server, workstation):
    nurse_practitioner = "1000007"  # demo-ips: 8 characters, the server's to judge
    session = workstation(None)
    assert not session.store_exists(nurse_practitioner)
    assert session.sign_in(server, nurse_practitioner, password(nurse_practitioner)).online
    assert session.store_exists(nurse_practitioner)
    session.sign_out()
    offline = workstation(None).sign_in("http://127.0.0.1:9", nurse_practitioner,
                                        password(nurse_practitioner))
    assert not offline.online
