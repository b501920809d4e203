"""Sign-in throttling over real HTTP (server.identity.throttle), attacking as from outside: the
attackers and the user connect from different loopback addresses (127.0.0.x, bound as source).

What is counted: a 400 `invalid_grant` is an answer given after the password was hashed and
compared (an evaluated guess); a 429 is a refusal before any check. So the number of 400s is the
number of guesses the attacker got evaluated.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from app.central.auth import TokenStore
from app.central.client import ClientConfig, FhirClient
from app.central.errors import Kind, SyncError
from server.processes import ServerProcess
from server.seed import staff
from tests.fixtures.identity import seed_staff
from tests.fixtures.server import BACKENDS

WORKSTATION = "127.0.0.1"  # where each user signs in every day
ACCOUNT_BUDGET, ADDRESS_BUDGET = 10, 30  # server.identity.throttle.BUDGETS
_addresses = (f"127.0.{b}.{c}" for b, c in itertools.product(range(1, 250), range(2, 250)))


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, server_factory: Callable[..., str]) -> str:
    return server_factory(request.param, auth=True, setup=seed_staff, key="throttle")


@functools.cache
def _client(source: str) -> httpx.Client:
    """One client per source address (thread-safe; building one per call costs ~50 ms)."""
    transport = httpx.HTTPTransport(local_address=source, limits=httpx.Limits(
        max_connections=100))
    return httpx.Client(transport=transport, timeout=60)


def attempt(base: str, username: str, password: str, source: str) -> httpx.Response:
    return _client(source).post(f"{base}/oauth/token", data={
        "grant_type": "password", "username": username, "password": password})


def parallel(calls: list[Callable[[], httpx.Response]]) -> Counter:
    with ThreadPoolExecutor(len(calls)) as pool:
        responses = list(pool.map(lambda call: call(), calls))
    for r in responses:
        if r.status_code == 429:
            assert 1 <= int(r.headers["retry-after"]) <= 3600
            assert r.json()["error"] == "invalid_grant"
    return Counter(r.status_code for r in responses)


def password(username: str) -> str:
    return staff.by_username(username).password


def test_sixty_parallel_guesses_from_one_address_get_at_most_the_budget_evaluated(server):
    user, attacker = "1000002", next(_addresses)
    assert attempt(server, user, password(user), WORKSTATION).status_code == 200
    counts = parallel([lambda: attempt(server, user, "guess", attacker)] * 60)
    assert counts[400] <= ACCOUNT_BUDGET and counts[400] + counts[429] == 60, counts
    assert attempt(server, user, password(user), attacker).status_code == 429
    assert attempt(server, user, password(user), WORKSTATION).status_code == 200


def test_sixty_parallel_guesses_from_sixty_addresses_share_the_account_budget(server):
    user = "1000003"
    assert attempt(server, user, password(user), WORKSTATION).status_code == 200
    sources = [next(_addresses) for _ in range(60)]
    counts = parallel([lambda a=a: attempt(server, user, "guess", a) for a in sources])
    assert counts[400] <= ACCOUNT_BUDGET and counts[400] + counts[429] == 60, counts
    assert attempt(server, user, password(user), next(_addresses)).status_code == 429


def test_the_user_gets_in_from_the_workstation_while_an_attacker_hammers(server):
    user, attacker = "1000004", next(_addresses)
    assert attempt(server, user, password(user), WORKSTATION).status_code == 200
    with ThreadPoolExecutor(8) as pool:
        hammer = pool.map(lambda _: attempt(server, user, "guess", attacker).status_code,
                          range(100))
        mine = [attempt(server, user, password(user), WORKSTATION).status_code
                for _ in range(5)]
        assert Counter(hammer)[400] <= ACCOUNT_BUDGET
    assert mine == [200] * 5
    # The user's own typos are throttled on their own, and a success starts them again.
    assert attempt(server, user, "typo", WORKSTATION).status_code == 400
    assert attempt(server, user, password(user), WORKSTATION).status_code == 200


def test_spraying_many_usernames_from_one_address_is_limited(server):
    sprayer = next(_addresses)
    real = [a.profile.username for a in staff.ACCOUNTS if a.profile.username != "1000008"]
    names = real + [f"77{n:05d}" for n in range(60 - len(real))]
    counts = parallel([lambda u=u: attempt(server, u, "Printemps2026!", sprayer) for u in names])
    assert counts[400] <= ADDRESS_BUDGET and counts[400] + counts[429] == 60, counts
    user = "1000005"  # the right password from the sprayer's address is refused too...
    assert attempt(server, user, password(user), sprayer).status_code == 429
    assert attempt(server, user, password(user), WORKSTATION).status_code == 200  # not here


def _restartable(tmp_path: Path, url: str | None = None) -> ServerProcess:
    seed_staff(tmp_path, url)
    return ServerProcess(tmp_path, url, auth=True).start()


def test_the_throttle_survives_a_restart(tmp_path):
    user, attacker = "1000006", next(_addresses)
    proc = _restartable(tmp_path)
    try:
        statuses = [attempt(proc.base, user, "guess", attacker).status_code for _ in range(11)]
        assert statuses == [400] * ACCOUNT_BUDGET + [429]
        proc.stop()
        proc.start()
        after = attempt(proc.base, user, password(user), attacker)
        assert after.status_code == 429 and int(after.headers["retry-after"]) > 300
        assert attempt(proc.base, user, "guess", next(_addresses)).status_code == 429
    finally:
        proc.stop()


def test_two_server_processes_share_one_budget(two_servers):
    user, attacker = "1000007", next(_addresses)
    counts = parallel([lambda base=base: attempt(base, user, "guess", attacker)
                       for base in two_servers for _ in range(30)])
    assert counts[400] <= ACCOUNT_BUDGET and counts[400] + counts[429] == 60, counts
    for base in two_servers:
        assert attempt(base, user, password(user), attacker).status_code == 429


def test_the_client_app_says_a_throttled_sign_in_plainly(server):
    user = "1000008"
    for _ in range(ACCOUNT_BUDGET):  # the user's own typos, from the workstation
        assert attempt(server, user, "typo", WORKSTATION).status_code == 400
    tokens = TokenStore(server, user, service=f"ClinicDesk throttle test {uuid.uuid4()}")
    client = FhirClient(ClientConfig(server, user), token_store=tokens)
    try:
        with pytest.raises(SyncError) as caught:
            client.sign_in(password(user))
    finally:
        client.close()
    error = caught.value
    assert error.kind is Kind.THROTTLED and not error.transient and error.status == 429
    assert 300 < error.retry_after <= 360
    assert error.text.render() == ("Too many failed sign-in attempts for this account or from "
                                   "this workstation. Try again in 6 min.")
    french = _french(error.text.source).format(**error.text.args)
    assert french == ("Trop de tentatives de connexion échouées pour ce compte ou depuis ce "
                      "poste. Réessayez dans 6 min.")
    assert tokens.load() is None


def _french(source: str) -> str:
    tree = ElementTree.parse(Path(__file__).parents[2] / "resources/translations/"
                             "clinicdesk_fr_CA.ts")
    return next(m.findtext("translation") for m in tree.iter("message")
                if m.findtext("source") == source)
