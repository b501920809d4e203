"""The right card among several readers, through the private pcscd (two vpcd readers) and the
reference server's QHR gateway: the session and `key diagnose` choose the same card. A bank
card first and the key second; two QHR keys, another doctor's first; a token without PIV (its
middleware needed); PIV variants of real cards end to end; a key pulled out mid-read. Each with
the message the user gets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.demo.piv_applet import PivApplet
from app.demo.test_pki import ensure_key_material
from app.demo.virtual_key import (
    BANK_CARD_ATR,
    IDPRIME_MD_ATR,
    OtherCard,
    PaymentCard,
    VirtualKey,
)
from app.devices.errors import CardRemovedError, NotPivError
from app.devices.piv import PivSession
from app.qhr.session import State
from tests.integration.qhr_helpers import TypedPin, make_session, wait_until

pytestmark = [pytest.mark.pcscd, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
PIN = "123456"


@pytest.fixture
def plug(pcscd, qhr_pki):
    """plug(reader, username=None, atr=…, applet=…): a card in reader 0 or 1."""
    plugged: list[tuple[VirtualKey, str]] = []

    def plug_in(reader: int, username: str | None = None, **kw) -> VirtualKey:
        material = qhr_pki.material(username or "1000001")
        if "applet" in kw and callable(kw["applet"]):
            kw["applet"] = kw["applet"](material)
        key = VirtualKey(material, pcscd.ports[reader], **kw)
        key.insert()
        pcscd.wait_for_card(pcscd.readers[reader], present=True)
        plugged.append((key, pcscd.readers[reader]))
        return key

    yield plug_in
    for key, reader in plugged:
        if key.inserted:
            key.remove()
        pcscd.wait_for_card(reader, present=False)


def diagnose(pcscd, key_id: str | None = None) -> dict:
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(pcscd.socket_path)}
    args = [sys.executable, "-m", "app", "key", "diagnose", "--json"]
    if key_id:
        args += ["--key-id", key_id]
    done = subprocess.run(args, cwd=ROOT, env=env, text=True, capture_output=True, timeout=30)
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def opened(qhr_server, key_monitor, username: str) -> str:
    session, _ = make_session(qhr_server, key_monitor, username, pin=TypedPin(PIN),
                              audit=list().append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        return session.open()
    finally:
        session.stop()


def test_a_bank_card_first_and_the_key_second(plug, pcscd, qhr_server, key_monitor):
    bank = plug(0, atr=BANK_CARD_ATR, applet=PaymentCard())
    plug(1, "1000001")
    report = diagnose(pcscd)
    assert report["chosen"] == pcscd.readers[1] and report["verdict"]["code"] == "ready"
    assert [c["token"] for c in report["cards"]] == [None, "ClinicDesk virtual QHR key "
                                                           "(demo and tests only)"]
    assert opened(qhr_server, key_monitor, "1000001") == "QHR-0001-TREM"
    # the bank card was tried (PIV SELECT, then it answered as a payment card: no PKCS#11
    # module asked), never sent a PIN
    assert set(bank.applet.commands) == {0xA4}
    assert report["cards"][0]["error"] == "a payment card (EMV)"


def test_an_unknown_card_is_asked_of_the_module_a_payment_card_is_not(plug, pcscd):
    """A card outside the table without PIV goes to OpenSC's module before being called not a
    key; one that answers as a payment card has said what it is (the module is not loaded)."""
    plug(0, atr=BANK_CARD_ATR, applet=OtherCard())
    plug(1, atr=BANK_CARD_ATR, applet=PaymentCard())
    report = diagnose(pcscd)
    assert report["cards"][0]["error"].startswith("PKCS#11")  # the module was asked
    assert report["cards"][1]["error"] == "a payment card (EMV)"
    assert report["verdict"]["code"] == "other_card"


def test_only_a_bank_card_is_not_a_key(plug, pcscd, qhr_server, key_monitor):
    plug(0, atr=BANK_CARD_ATR, applet=PaymentCard())
    report = diagnose(pcscd)
    assert (report["chosen"], report["verdict"]["code"]) == (None, "other_card")
    assert "take it out and plug in your QHR key" in report["verdict"]["en"]
    assert "retirez-la et branchez votre clé DSQ" in report["verdict"]["fr"]
    session, _ = make_session(qhr_server, key_monitor, "1000001", pin=TypedPin(PIN),
                              audit=list().append)
    try:
        assert not wait_until(lambda: session.state != State.NO_KEY, timeout=0.5)
    finally:
        session.stop()


def test_two_keys_the_users_own_is_chosen(plug, pcscd, qhr_server, key_monitor):
    plug(0, "1000002")  # Dr Gagnon's key first
    plug(1, "1000001")
    assert opened(qhr_server, key_monitor, "1000001") == "QHR-0001-TREM"
    assert opened(qhr_server, key_monitor, "1000002") == "QHR-0002-GAGN"
    assert diagnose(pcscd, "QHR-0001-TREM")["chosen"] == pcscd.readers[1]
    assert diagnose(pcscd, "QHR-0002-GAGN")["chosen"] == pcscd.readers[0]
    wrong = diagnose(pcscd, "QHR-0003-COTE")
    assert wrong["verdict"]["code"] == "wrong_key"
    assert "is not the one in your profile" in wrong["verdict"]["en"]


def test_a_token_without_piv_needs_its_middleware(plug, pcscd, qhr_server, key_monitor):
    plug(0, atr=IDPRIME_MD_ATR, applet=OtherCard())
    report = diagnose(pcscd)
    assert report["verdict"]["code"] == "needs_middleware"
    assert "install SafeNet Authentication Client" in report["verdict"]["en"]
    assert "installez SafeNet Authentication Client" in report["verdict"]["fr"]
    session, _ = make_session(qhr_server, key_monitor, "1000001", pin=TypedPin(PIN),
                              audit=list().append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        with pytest.raises(NotPivError) as err:
            session.open()
        assert "not a QHR access key (or its middleware is not installed)" in \
            err.value.text.source
    finally:
        session.stop()


@pytest.mark.parametrize("kind, variant", [
    ("p384", {"compressed": True}),
    ("rsa3072", {"t0": True}),
    ("rsa2048", {"global_pin": True}),
])
def test_piv_variants_open_a_session_at_the_gateway(plug, pcscd, qhr_pki, qhr_server,
                                                   key_monitor, tmp_path, kind, variant):
    material = ensure_key_material(tmp_path / kind, qhr_pki.ca, "QHR-0001-TREM",
                                   "Dre Marie Tremblay", kind)
    applet = PivApplet(material, **variant)
    plug(0, "1000001", applet=applet)
    assert opened(qhr_server, key_monitor, "1000001") == "QHR-0001-TREM"
    assert applet.verify_attempts == 1


def test_a_key_pulled_out_mid_read_is_reported_as_removed(plug, pcscd, key_monitor):
    key = plug(0, "1000001")
    key.pull_out_on = 0xC0  # during the certificate's GET RESPONSE
    device = next(d for d in key_monitor.devices if d.reader == pcscd.readers[0]) \
        if wait_until(lambda: any(d.reader == pcscd.readers[0] for d in key_monitor.devices)) \
        else None
    assert device is not None
    with pytest.raises(CardRemovedError) as err, key_monitor.connect(device) as connection:
        PivSession(connection).authentication_certificate()
    assert err.value.text.source == "The access key was removed."


def test_a_bank_card_inserted_during_a_session_leaves_it_open(plug, pcscd, qhr_server,
                                                             key_monitor):
    plug(1, "1000001")
    session, recorder = make_session(qhr_server, key_monitor, "1000001", pin=TypedPin(PIN),
                                     audit=list().append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        assert session.open() == "QHR-0001-TREM"
        plug(0, atr=BANK_CARD_ATR, applet=PaymentCard())
        assert wait_until(lambda: pcscd.readers[0] in session._cards)  # seen and looked at
        assert (session.state, recorder.cleared) == (State.AUTHENTICATED, [])
    finally:
        session.stop()
