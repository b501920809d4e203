"""PIV as NIST SP 800-73-4 cards answer, as yubikit and OpenSC read them, against the virtual
key's applet without PC/SC (each variant is a real card behaviour): every key type the QHR
gateway accepts, checked by the gateway's own proof check; compressed certificates; T=0 6Cxx;
the discovery object's global PIN; a card without PIV; a key type refused before any PIN."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.demo.piv_applet import DEFAULT_PIN, PivApplet
from app.demo.test_pki import ensure_key_material, make_test_ca
from app.demo.virtual_key import AppletConnection, OtherCard
from app.devices.errors import NotPivError, UnsupportedKeyError
from app.devices.piv import GLOBAL_PIN_REFERENCE, PIN_REFERENCE, PivSession, prove_key
from server.qhr.proof import check_proof


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return make_test_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def materials(ca, tmp_path_factory):
    root = tmp_path_factory.mktemp("keys")
    return {kind: ensure_key_material(root / kind, ca, f"QHR-{kind}", "Dr Test", kind)
            for kind in ("p256", "p384", "rsa2048", "rsa3072")}


class Counting(AppletConnection):
    def __init__(self, applet):
        super().__init__(applet)
        self.apdus: list[bytes] = []

    def send_and_receive(self, apdu):
        self.apdus.append(bytes(apdu))
        return super().send_and_receive(apdu)


@pytest.mark.parametrize("kind", ["p256", "p384", "rsa2048", "rsa3072"])
@pytest.mark.parametrize("variant", [{}, {"compressed": True}, {"t0": True},
                                     {"global_pin": True}, {"signature_slot": True}])
def test_every_key_type_and_card_variant_signs_what_the_gateway_accepts(materials, ca, kind,
                                                                          variant):
    applet = PivApplet(materials[kind], **variant)
    proof = prove_key(AppletConnection(applet), DEFAULT_PIN, b"gateway challenge")
    assert proof.key_id == f"QHR-{kind}"
    der = proof.certificate.public_bytes(serialization.Encoding.DER)
    assert check_proof(der, proof.signature, b"gateway challenge", ca.cert) == f"QHR-{kind}"
    assert applet.verify_attempts == 1


def test_a_t0_card_gets_the_command_again_with_le_from_sw2(materials):
    conn = Counting(PivApplet(materials["p256"], t0=True))
    PivSession(conn).authentication_certificate()
    select = [a for a in conn.apdus if a[1] == 0xA4]
    assert len(select) == 2  # 6Cxx: the same command again, with Le = SW2
    assert select[0][:-1] == select[1][:-1] and select[0][-1] == 0 and select[1][-1] > 0


def test_a_card_without_slot_9a_signs_with_slot_9c(materials):
    """5FC105 absent (6A82): the certificate of 5FC10A, and GENERAL AUTHENTICATE in 9C."""
    conn = Counting(PivApplet(materials["p256"], signature_slot=True))
    session = PivSession(conn)
    cert = session.authentication_certificate()
    session.verify_pin(DEFAULT_PIN)
    session.sign(b"challenge", cert)
    asked = [a[7:10].hex().upper() for a in conn.apdus if a[1] == 0xCB and a[5] == 0x5C]
    assert asked[-2:] == ["5FC105", "5FC10A"]
    assert [a[3] for a in conn.apdus if a[1] == 0x87] == [0x9C]


def test_the_discovery_object_gives_the_global_pin_reference(materials):
    conn = Counting(PivApplet(materials["p256"], global_pin=True))
    session = PivSession(conn)
    assert session.pin_reference == GLOBAL_PIN_REFERENCE
    session.verify_pin(DEFAULT_PIN)
    assert [a[3] for a in conn.apdus if a[1] == 0x20] == [GLOBAL_PIN_REFERENCE]
    assert PivSession(AppletConnection(PivApplet(materials["p256"]))).pin_reference == \
        PIN_REFERENCE


def test_a_card_without_piv_says_so():
    card = OtherCard()
    with pytest.raises(NotPivError) as err:
        PivSession(AppletConnection(card))
    assert "not a QHR access key" in err.value.text.source
    assert card.commands == [0xA4]  # nothing else was sent


def test_an_unusable_key_type_is_refused_before_the_pin(materials, ca):
    key = ec.generate_private_key(ec.SECP521R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(ca.cert.subject)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(materials["p256"].cert.not_valid_before_utc)
            .not_valid_after(materials["p256"].cert.not_valid_after_utc)
            .sign(ca.key, hashes.SHA256()))
    applet = PivApplet(materials["p256"])
    applet.material = type(applet.material)(key, cert, ca)  # a P-521 certificate on the card
    with pytest.raises(UnsupportedKeyError) as err:
        prove_key(AppletConnection(applet), DEFAULT_PIN, b"challenge")
    assert "secp521r1" in str(err.value) and "P-256/P-384" in err.value.text.source
    assert applet.verify_attempts == 0 and applet.verify_queries == 0


def test_a_payment_card_says_what_it_is():
    """PSE or PPSE answered 9000 or 61xx: a payment card; 6A82 to both: not one."""
    from app.demo.virtual_key import PaymentCard
    from app.devices.emv import DIRECTORIES, is_payment_card, select_apdu

    assert is_payment_card(AppletConnection(PaymentCard()))
    assert not is_payment_card(AppletConnection(OtherCard()))

    class Contactless(OtherCard):  # PSE refused, PPSE answered 61xx (more to read)
        def process(self, apdu: bytes) -> bytes:
            return b"\x61\x20" if apdu == select_apdu(DIRECTORIES[1]) else super().process(apdu)

    assert is_payment_card(AppletConnection(Contactless()))
