"""The PKCS#11 back-end against real modules: SoftHSM2 (a real PKCS#11 token: certificate, PIN,
tries, signature), OpenSC's module over the virtual PIV key in the private pcscd (certificate,
PIN with FINAL_TRY and LOCKED from the card's own counter, signature for each key type), and a
QHR sign-in at the reference gateway through a token without PIV read by its family's module."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.demo.piv_applet import PivApplet
from app.demo.test_pki import ensure_key_material, issue_key_certificate
from app.demo.virtual_key import IDPRIME_MD_ATR, OtherCard, VirtualKey
from app.devices import pkcs11_key
from app.devices.errors import (
    NotPivError,
    PinBlockedError,
    PinError,
    PinFormatError,
    UnsupportedKeyError,
)
from app.devices.pkcs11_key import Pkcs11Session
from server.qhr.proof import check_proof

pkcs11 = pytest.importorskip("pkcs11")
SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
OPENSC = Path("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
PIN = "123456"
needs_softhsm = pytest.mark.skipif(not SOFTHSM.exists() or not shutil.which("softhsm2-util"),
                                   reason="softhsm2 is not installed")
needs_opensc = pytest.mark.skipif(not OPENSC.exists(), reason="opensc-pkcs11 is not installed")


def der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _store_key(token, kind: str, ca, key_id: str, user: str) -> None:
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    with token.open(rw=True, user_pin=PIN) as session:
        if kind == "p256":
            params = session.create_domain_parameters(KeyType.EC, {
                Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
            pub, _ = params.generate_keypair(store=True, id=b"\x01", label="auth")
            public = serialization.load_der_public_key(encode_ec_public_key(pub))
        else:
            pub, _ = session.generate_keypair(KeyType.RSA, 2048, store=True, id=b"\x01",
                                              label="auth")
            public = rsa.RSAPublicNumbers(int.from_bytes(pub[Attribute.PUBLIC_EXPONENT], "big"),
                                          int.from_bytes(pub[Attribute.MODULUS], "big")
                                          ).public_key()
        cert = issue_key_certificate(ca, key_id, user, public)
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.TOKEN: True,
            Attribute.PRIVATE: False, Attribute.VALUE: der(cert), Attribute.ID: b"\x01",
            Attribute.LABEL: "Certificate for PIV Authentication",
            Attribute.SUBJECT: cert.subject.public_bytes()})


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory, qhr_pki):
    """Two SoftHSM tokens, made before the module is first loaded: "QHR-EC" holding Dre
    Tremblay's key (P-256, issued by the gateway's test CA) and "QHR-RSA" (RSA 2048)."""
    if not SOFTHSM.exists() or not shutil.which("softhsm2-util"):
        pytest.skip("softhsm2 is not installed")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    for label in ("QHR-EC", "QHR-RSA"):
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN,
                        "--so-pin", "12345678"], check=True, capture_output=True)
    lib = pkcs11_key.library(str(SOFTHSM))
    _store_key(lib.get_token(token_label="QHR-EC"), "p256", qhr_pki.ca, "QHR-0001-TREM",
               "Dre Marie Tremblay")
    _store_key(lib.get_token(token_label="QHR-RSA"), "rsa2048", qhr_pki.ca, "QHR-RSA-0001",
               "Dr RSA")
    return str(SOFTHSM)


@needs_softhsm
@pytest.mark.parametrize("key_id", ["QHR-0001-TREM", "QHR-RSA-0001"])
def test_softhsm_certificate_pin_and_signature(softhsm, qhr_pki, key_id):
    with Pkcs11Session(softhsm, key_id=key_id) as key:
        cert = key.authentication_certificate()
        assert key.pin_state() == (True, None)
        key.verify_pin(PIN)
        assert key.pin_state() == (False, None)
        signature = key.sign(b"gateway challenge", cert)
    assert check_proof(der(cert), signature, b"gateway challenge", qhr_pki.ca.cert) == key_id


@needs_softhsm
def test_softhsm_wrong_pin_says_so_and_the_right_one_still_works(softhsm):
    with Pkcs11Session(softhsm, key_id="QHR-RSA-0001") as key:
        with pytest.raises(PinError) as wrong:
            key.verify_pin("000000")
        # SoftHSM raises CKF_USER_PIN_COUNT_LOW, never FINAL_TRY: how many is unknown
        assert wrong.value.tries_left is None
        assert "The key locks after a few wrong PINs" in wrong.value.text.source
        assert int(key._flags()) & pkcs11.TokenFlag.USER_PIN_COUNT_LOW
        with pytest.raises(PinFormatError):
            key.verify_pin("")  # nothing sent
        key.verify_pin(PIN)


@needs_softhsm
def test_softhsm_token_chosen_by_key_id_never_by_chance(softhsm):
    with pytest.raises(NotPivError):
        Pkcs11Session(softhsm, key_id="QHR-9999-NONE")
    with pytest.raises(NotPivError):
        Pkcs11Session(softhsm, reader="Some Reader 00 00")  # two tokens, none in that reader


@pytest.fixture
def piv_key(pcscd, qhr_pki, tmp_path):
    plugged: list[VirtualKey] = []

    def plug(kind: str = "p256", **variant) -> VirtualKey:
        material = ensure_key_material(tmp_path / kind, qhr_pki.ca, "QHR-0001-TREM",
                                       "Dre Marie Tremblay", kind)
        key = VirtualKey(material, pcscd.ports[0], applet=PivApplet(material, **variant))
        key.insert()
        pcscd.wait_for_card(pcscd.readers[0], present=True)
        plugged.append(key)
        return key

    yield plug
    for key in plugged:
        key.remove()
    pcscd.wait_for_card(pcscd.readers[0], present=False)


@pytest.mark.pcscd
@needs_opensc
@pytest.mark.parametrize("kind", ["p256", "p384", "rsa2048", "rsa3072"])
def test_opensc_reads_and_signs_the_virtual_piv_key(piv_key, pcscd, qhr_pki, kind):
    key = piv_key(kind)
    with Pkcs11Session(str(OPENSC), reader=pcscd.readers[0]) as session:
        cert = session.authentication_certificate()
        assert cert == key.applet.material.cert
        session.verify_pin(PIN)
        signature = session.sign(b"gateway challenge", cert)
    assert check_proof(der(cert), signature, b"gateway challenge", qhr_pki.ca.cert) == \
        "QHR-0001-TREM"


@pytest.mark.pcscd
@needs_opensc
def test_opensc_tries_final_try_then_locked_from_the_card(piv_key, pcscd):
    key = piv_key("p256")
    with Pkcs11Session(str(OPENSC), reader=pcscd.readers[0]) as session:
        with pytest.raises(PinError) as first:
            session.verify_pin("000000")
        with pytest.raises(PinError) as second:
            session.verify_pin("000001")
        assert (first.value.tries_left, second.value.tries_left) == (None, 1)  # FINAL_TRY
        assert "1 attempt(s) left" in second.value.text.source.format(tries_left=1)
        with pytest.raises(PinBlockedError):
            session.verify_pin("000002")
        with pytest.raises(PinBlockedError):
            session.pin_state()  # CKF_USER_PIN_LOCKED
    assert key.applet.tries == 0


@pytest.mark.pcscd
@needs_opensc
def test_opensc_over_a_global_pin_compressed_t0_card(piv_key, pcscd):
    piv_key("p256", global_pin=True, compressed=True, t0=True)
    with Pkcs11Session(str(OPENSC), reader=pcscd.readers[0]) as session:
        cert = session.authentication_certificate()
        session.verify_pin(PIN)
        assert session.sign(b"x", cert)


@pytest.mark.pcscd
@needs_softhsm
def test_a_token_without_piv_signs_in_through_its_module(softhsm, pcscd, qhr_server, key_monitor,
                                                         monkeypatch):
    """An IDPrime MD (no PIV application) in reader 0, its middleware's module (SoftHSM here,
    set as the IDPrime module in the settings' overrides) holding the user's key: the QHR
    session opens at the gateway; diagnose with the user's key id says ready."""
    from app.qhr.session import State
    from tests.integration.qhr_helpers import TypedPin, make_session, wait_until

    monkeypatch.setitem(pkcs11_key.MODULE_OVERRIDES, "idprime", softhsm)
    card = VirtualKey(None, pcscd.ports[0], atr=IDPRIME_MD_ATR, applet=OtherCard())  # type: ignore[arg-type]
    card.insert()
    pcscd.wait_for_card(pcscd.readers[0], present=True)
    try:
        pin = TypedPin("000000", PIN)
        session, _ = make_session(qhr_server, key_monitor, "1000001", pin=pin,
                                  audit=list().append)
        try:
            assert wait_until(lambda: session.state == State.KEY_PRESENT)
            assert session.open() == "QHR-0001-TREM"
            assert pin.asked == [None, None]  # SoftHSM does not say how many tries are left
        finally:
            session.stop()
    finally:
        card.remove()
        pcscd.wait_for_card(pcscd.readers[0], present=False)


@pytest.mark.pcscd
@needs_softhsm
def test_a_piv_card_of_a_vendor_family_goes_through_its_module_when_installed(
        softhsm, pcscd, qhr_server, key_monitor, qhr_pki, monkeypatch):
    """An IDPrime card that also answers PIV: with its family's module installed (SoftHSM set
    as the IDPrime module in the settings) the module takes the PIN (none reaches the card's
    PIV applet); without it, raw PIV over PC/SC (the card's own VERIFY, its tries counter)."""
    from app.qhr.session import State
    from tests.integration.qhr_helpers import TypedPin, make_session, wait_until

    def open_once() -> TypedPin:
        pin = TypedPin(PIN)
        session, _ = make_session(qhr_server, key_monitor, "1000001", pin=pin,
                                  audit=list().append)
        try:
            assert wait_until(lambda: session.state == State.KEY_PRESENT)
            assert session.open() == "QHR-0001-TREM"
        finally:
            session.stop()
        return pin

    applet = PivApplet(qhr_pki.material("1000001"))
    card = VirtualKey(qhr_pki.material("1000001"), pcscd.ports[0], atr=IDPRIME_MD_ATR,
                      applet=applet)
    card.insert()
    pcscd.wait_for_card(pcscd.readers[0], present=True)
    try:
        monkeypatch.setitem(pkcs11_key.MODULE_OVERRIDES, "idprime", softhsm)
        assert open_once().asked == [None]  # SoftHSM's flags: tries unknown
        assert applet.verify_attempts == 0
        monkeypatch.delitem(pkcs11_key.MODULE_OVERRIDES, "idprime")
        assert open_once().asked == [3]  # the card's own counter
        assert applet.verify_attempts == 1
    finally:
        card.remove()
        pcscd.wait_for_card(pcscd.readers[0], present=False)


def test_an_unusable_key_type_through_pkcs11_is_refused_before_the_pin():
    from cryptography.hazmat.primitives.asymmetric import ec

    from app.devices.piv import algorithm_for

    with pytest.raises(UnsupportedKeyError):
        algorithm_for(ec.generate_private_key(ec.SECP521R1()).public_key())


def test_without_python_pkcs11_the_raw_piv_path_stays(monkeypatch):
    """A bundle without the binding: no module is looked for, NotPivError stays the answer."""
    import sys

    monkeypatch.setitem(sys.modules, "pkcs11", None)  # import pkcs11 → ImportError
    assert pkcs11_key.open_pkcs11("etoken", "Reader 00 00") is None
