"""The QHR key's PIN through a real pcscd and the virtual key, counting the VERIFY commands that
reach the card (app.demo.piv_applet counts them): a PIN outside the PIV rules (6 to 8 ASCII
digits) is refused before anything is sent and costs no try; a wrong PIN says so with the tries
left; a blocked key is refused everywhere (session, `clinicdesk key diagnose`) and nothing
is sent to it. Messages checked in English and in French (the .ts translations)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.errors import Cancelled
from app.devices.errors import PinBlockedError, PinError, PinFormatError
from app.devices.piv import PivSession, check_pin
from app.qhr.service import key_state
from app.qhr.session import State
from tests.integration.qhr_helpers import make_session, wait_until

pytestmark = [pytest.mark.pcscd, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "clinicdesk_fr_CA.ts"
PIN = "123456"

RULE_LENGTH = ("The PIN of the QHR access key has 6 to 8 digits; {n} were typed. Nothing was "
               "sent to the key: no attempt was used.",
               "Le NIP de la clé d'accès DSQ compte de 6 à 8 chiffres; {n} ont été entrés. Rien "
               "n'a été envoyé à la clé : aucun essai n'a été utilisé.")
RULE_DIGITS = ("The PIN of the QHR access key has digits only (0 to 9). Nothing was sent to the "
               "key: no attempt was used.",
               "Le NIP de la clé d'accès DSQ ne contient que des chiffres (0 à 9). Rien n'a été "
               "envoyé à la clé : aucun essai n'a été utilisé.")
WRONG = ("Wrong PIN. {n} attempt(s) left before the key locks.",
         "NIP incorrect. Il reste {n} essai(s) avant le blocage de la clé.")
BLOCKED = ("The QHR access key is blocked: its PIN was entered wrong too many times, and the "
           "key cannot be used until it is unblocked. Contact the issuer of your QHR key (or "
           "your clinic's support) to have it unblocked with its PUK.",
           "La clé d'accès DSQ est bloquée : son NIP a été mal entré trop de fois, et la clé ne "
           "peut pas servir tant qu'elle n'est pas débloquée. Communiquez avec l'émetteur de "
           "votre clé DSQ (ou le soutien de votre clinique) pour la faire débloquer avec son "
           "PUK.")
# PIN → the rule it breaks (None: the length rule with its length)
REFUSED = {
    "123456789": RULE_LENGTH,  # 9 digits
    "1234567890123": RULE_LENGTH,
    "12345": RULE_LENGTH,
    "1": RULE_LENGTH,
    "12a456": RULE_DIGITS,
    "12345é": RULE_DIGITS,  # non-ASCII: never UTF-8-encoded and sent
    "١٢٣٤٥٦": RULE_DIGITS,  # Arabic-Indic digits: str.isdigit() says yes, PIV says no
    "123 456": RULE_DIGITS,
    "12345\x00": RULE_DIGITS,
}


def french(text) -> str:
    sys.path.insert(0, str(TS.parent))
    from extract import read

    fr = {key: tr for key, (tr, _kind) in read(TS).items()}
    return text.render(lambda ctx, src: fr[(ctx, src)])


def said(text, pair: tuple[str, str], **args) -> None:
    """`text` reads `pair` in English and in French."""
    assert str(text) == pair[0].format(**args)
    assert french(text) == pair[1].format(**args)


class Typist:
    """The Interaction of these tests: types `pins` in order and records each question."""

    def __init__(self, *pins: str):
        self.pins, self.asked = list(pins), []

    def request_pin(self, reason=None, tries_left=None, cancel=None) -> str:
        self.asked.append((reason, tries_left))
        if not self.pins:
            raise Cancelled()
        return self.pins.pop(0)

    def prompt_insert_key(self, cancel=None) -> None:
        return None


@pytest.fixture
def card(key_monitor, virtual_key):
    """(PivSession on the real pcscd, the applet that counts VERIFY commands)."""
    virtual_key.insert()
    virtual_key.pcscd.wait_for_card(virtual_key.reader, present=True)
    with key_monitor.connect(virtual_key.reader) as connection:
        yield PivSession(connection), virtual_key.key.applet


@pytest.mark.parametrize("pin", list(REFUSED))
def test_a_pin_outside_the_rules_is_refused_before_verify(card, pin):
    piv, applet = card
    with pytest.raises(PinFormatError) as refused:
        piv.verify_pin(pin)
    length = len(pin) if REFUSED[pin] is RULE_LENGTH else None
    said(refused.value.text, REFUSED[pin], **({"n": length} if length is not None else {}))
    assert (applet.verify_attempts, applet.verify_queries, applet.tries) == (0, 0, 3)
    assert piv.pin_tries_left() == 3  # one empty VERIFY: a query, no try used
    assert (applet.verify_attempts, applet.verify_queries) == (0, 1)


def test_the_rule_accepts_six_to_eight_digits():
    assert check_pin("123456") == b"123456\xff\xff"
    assert check_pin("12345678") == b"12345678"


def test_a_wrong_pin_says_so_with_the_tries_left(card):
    piv, applet = card
    for left in (2, 1):
        with pytest.raises(PinError) as wrong:
            piv.verify_pin("000000")
        assert wrong.value.tries_left == left and wrong.value.sw == 0x63C0 | left
        said(wrong.value.text, WRONG, n=left)
    assert applet.verify_attempts == 2
    with pytest.raises(PinBlockedError) as blocked:
        piv.verify_pin("000000")  # the third wrong PIN blocks the key
    said(blocked.value.text, BLOCKED)
    assert applet.verify_attempts == 3
    with pytest.raises(PinBlockedError):
        piv.verify_pin(PIN)  # even the right one: the card refuses it (69 83)
    assert applet.verify_attempts == 4


# -- the QHR session: the PIN asked again with the reason, the blocked key refused ------------
def _session(qhr_server, key_monitor, qhr_key, typist, blocked_before: bool = False):
    key = qhr_key("1000008")
    applet = key.key.applet
    if blocked_before:
        key.remove()
        applet.tries = 0  # blocked elsewhere, then plugged in
        key.key.insert()
        key.pcscd.wait_for_card(key.reader, present=True)
    session, _ = make_session(qhr_server, key_monitor, "1000008", pin=typist,
                              audit=list().append)
    return session, applet


def test_the_session_asks_again_with_the_rule_then_wrong_pin(qhr_server, key_monitor, qhr_key):
    typist = Typist("123456789", "12345é", "000000", PIN)
    session, applet = _session(qhr_server, key_monitor, qhr_key, typist)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        session.open()
        reasons = [(r.source if r else None, tries) for r, tries in typist.asked]
        assert reasons == [(None, 3), (RULE_LENGTH[0].replace("{n}", "{length}"), 3),
                           (RULE_DIGITS[0], 3), (WRONG[0].replace("{n}", "{tries_left}"), 2)]
        assert applet.verify_attempts == 2  # "000000" and the right PIN; the others never sent
        assert session.state == State.AUTHENTICATED
    finally:
        session.stop()


def test_a_key_blocked_by_the_last_try_is_refused_after(qhr_server, key_monitor, qhr_key):
    typist = Typist("000000", "000000", "000000", PIN)
    session, applet = _session(qhr_server, key_monitor, qhr_key, typist)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        with pytest.raises(PinBlockedError) as blocked:
            session.open()
        said(blocked.value.text, BLOCKED)
        assert session.state == State.KEY_BLOCKED and key_state(session) == "blocked"
        sent = (applet.verify_attempts, applet.verify_queries)
        assert sent[0] == 3 and [t for _r, t in typist.asked] == [3, 2, 1]
        with pytest.raises(PinBlockedError):
            session.open()  # refused below the UI: no PIN asked, nothing sent
        assert (applet.verify_attempts, applet.verify_queries) == sent
        assert len(typist.asked) == 3
    finally:
        session.stop()


def test_a_key_plugged_in_blocked_is_blocked_at_once(qhr_server, key_monitor, qhr_key):
    typist = Typist(PIN)
    session, applet = _session(qhr_server, key_monitor, qhr_key, typist, blocked_before=True)
    try:
        assert wait_until(lambda: session.state == State.KEY_BLOCKED)
        assert key_state(session) == "blocked"
        with pytest.raises(PinBlockedError):
            session.open()
        assert typist.asked == [] and applet.verify_attempts == 0
    finally:
        session.stop()


def test_a_blocked_key_plugged_in_during_the_session_then_a_good_one(qhr_server, key_monitor,
                                                                     qhr_key, qhr_pki, pcscd):
    """Key events on the PC/SC thread: the blocked key is told at insertion; unplugged and a
    usable key plugged in, the session opens again."""
    from app.demo.virtual_key import VirtualKey

    typist = Typist(PIN)
    session, _ = make_session(qhr_server, key_monitor, "1000008", pin=typist,
                              audit=list().append)
    key = VirtualKey(qhr_pki.material("1000008"), pcscd.ports[0])
    try:
        assert session.state == State.NO_KEY
        key.applet.tries = 0
        key.insert()
        assert wait_until(lambda: session.state == State.KEY_BLOCKED)
        with pytest.raises(PinBlockedError):
            session.open()
        assert typist.asked == [] and key.applet.verify_attempts == 0
        key.remove()
        assert wait_until(lambda: session.state == State.NO_KEY)
        pcscd.wait_for_card(pcscd.readers[0], present=False)
        key.applet.tries = 3  # unblocked by the issuer (PUK)
        key.insert()
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        session.open()
        assert session.state == State.AUTHENTICATED and key.applet.verify_attempts == 1
    finally:
        session.stop()
        key.remove()
        pcscd.wait_for_card(pcscd.readers[0], present=False)


def test_key_diagnose_says_blocked_and_what_to_do(virtual_key, pcscd):
    virtual_key.key.applet.tries = 0
    virtual_key.insert()
    pcscd.wait_for_card(virtual_key.reader, present=True)
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(pcscd.socket_path)}
    run = [sys.executable, "-m", "app", "key", "diagnose"]
    text = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    report = json.loads(subprocess.run([*run, "--json"], cwd=ROOT, env=env, capture_output=True,
                                       text=True, timeout=60).stdout)
    assert text.returncode == 1 and not report["usable"]
    assert "PIN BLOCKED (unblock with the PUK: QHR key issuer)" in text.stdout
    assert report["cards"][0]["pin_blocked"] and report["verdict"]["code"] == "blocked"
    assert "unblocked with its PUK" in report["verdict"]["en"]
    assert "débloquer avec son PUK" in report["verdict"]["fr"]
    assert f"FR : {report['verdict']['fr']}" in text.stdout
    assert virtual_key.key.applet.verify_attempts == 0  # diagnose never sends a PIN
