"""PIV session against the virtual key's applet, without PC/SC (narrow unit tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.demo.piv_applet import PivApplet
from app.demo.virtual_key import AppletConnection, VirtualKey, load_material
from app.devices import tlv
from app.devices.errors import ApduError, PinBlockedError, PinError, VirtualKeyForbiddenError
from app.devices.piv import PIV_AID, PivSession, key_identifier, prove_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    return load_material(tmp_path_factory.mktemp("key"))


class Recorder(AppletConnection):
    def __init__(self, applet):
        super().__init__(applet)
        self.apdus: list[bytes] = []
        self.sws: list[int] = []

    def send_and_receive(self, apdu):
        self.apdus.append(bytes(apdu))
        data, sw = super().send_and_receive(apdu)
        self.sws.append(sw)
        return data, sw


def test_certificate_read_with_get_response_chaining(material):
    conn = Recorder(PivApplet(material))
    cert = PivSession(conn).authentication_certificate()
    assert cert == material.cert
    assert conn.apdus[0] == bytes.fromhex("00A404000B") + PIV_AID + b"\x00"
    assert conn.apdus[1][:5] == bytes.fromhex("00CB3FFF03")  # the discovery object, 7E
    assert conn.apdus[2][:5] == bytes.fromhex("00CB3FFF05")
    assert any(sw >> 8 == 0x61 for sw in conn.sws)  # the certificate needed GET RESPONSE
    assert conn.apdus[-1][:2] == bytes.fromhex("00C0")


def test_key_identifier_is_the_subject_serial_number(material):
    assert key_identifier(material.cert) == "QHR-TEST-0001"
    bare = (x509.CertificateBuilder()
            .subject_name(x509.Name([])).issuer_name(x509.Name([]))
            .public_key(material.key.public_key()).serial_number(0xABC123)
            .not_valid_before(material.cert.not_valid_before_utc)
            .not_valid_after(material.cert.not_valid_after_utc)
            .sign(material.key, hashes.SHA256()))
    assert key_identifier(bare) == "SN:ABC123"


def test_pin_tries_blocked_and_signature(material):
    session = PivSession(AppletConnection(PivApplet(material)))
    with pytest.raises(ApduError) as not_verified:
        session.sign(b"x", material.cert)
    assert not_verified.value.sw_name == "SECURITY_CONDITION_NOT_SATISFIED"
    with pytest.raises(PinError) as wrong:
        session.verify_pin("654321")
    assert (wrong.value.sw, wrong.value.tries_left) == (0x63C2, 2)
    session.verify_pin("123456")
    assert session.pin_tries_left() is None
    signature = session.sign(b"challenge", material.cert)
    material.cert.public_key().verify(signature, b"challenge", ec.ECDSA(hashes.SHA256()))
    for _ in range(2):
        with pytest.raises(PinError):
            session.verify_pin("000000")
    with pytest.raises(PinBlockedError):
        session.verify_pin("000000")
    with pytest.raises(PinBlockedError):
        session.pin_tries_left()


class RawRsaCard:
    """Answers GENERAL AUTHENTICATE with raw RSA, as RSA PIV cards do; checks command chaining."""

    def __init__(self, key: rsa.RSAPrivateKey):
        self.key, self.chain, self.commands = key, b"", []

    def send_and_receive(self, apdu: bytes):
        self.commands.append(apdu[:2])
        if apdu[1] == 0xA4:
            return b"", 0x9000
        if apdu[1] == 0xCB:
            return b"", 0x6A82  # no discovery object: the PIV PIN
        self.chain += apdu[5:5 + apdu[4]]
        if apdu[0] & 0x10:
            return b"", 0x9000
        block = tlv.find(tlv.find(self.chain, 0x7C), 0x81)
        numbers = self.key.private_numbers()
        raw = pow(int.from_bytes(block, "big"), numbers.d, numbers.public_numbers.n)
        return tlv.tlv(0x7C, tlv.tlv(0x82, raw.to_bytes(256, "big"))), 0x9000


def test_rsa_signature_uses_pkcs1_padding_and_command_chaining(material):
    key = rsa.generate_private_key(65537, 2048)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(x509.Name([]))
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(material.cert.not_valid_before_utc)
            .not_valid_after(material.cert.not_valid_after_utc).sign(key, hashes.SHA256()))
    card = RawRsaCard(key)
    signature = PivSession(card).sign(b"message", cert)
    key.public_key().verify(signature, b"message", padding.PKCS1v15(), hashes.SHA256())
    assert card.commands[2:] == [b"\x10\x87", b"\x00\x87"]


def test_tlv_lengths_round_trip():
    for size in (0, 1, 127, 128, 255, 256, 1000):
        value = bytes(size)
        assert tlv.parse(tlv.tlv(0x5FC1, value)) == [(0x5FC1, value)]
    with pytest.raises(ValueError):
        tlv.parse(b"\x53\x82\x01")


def test_virtual_key_refuses_to_start_outside_demo_and_tests(material, monkeypatch):
    for name in ("CLINICDESK_DEMO", "CLINICDESK_TEST"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(VirtualKeyForbiddenError):
        VirtualKey(material, 1)
    monkeypatch.setenv("CLINICDESK_DEMO", "1")
    VirtualKey(material, 1)  # allowed: nothing is opened before insert()


def test_virtual_key_process_refuses_too(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CLINICDESK_DEMO", "CLINICDESK_TEST")}
    done = subprocess.run([sys.executable, "-m", "app.demo.virtual_key", "--port", "1",
                           "--state", str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 3
    assert "refused" in done.stdout
    assert list(tmp_path.iterdir()) == []  # refused before making any key material


def test_prove_key_is_the_whole_sign_in(material):
    proof = prove_key(AppletConnection(PivApplet(material)), "123456", b"nonce")
    assert (proof.key_id, proof.certificate) == ("QHR-TEST-0001", material.cert)
    proof.certificate.public_key().verify(proof.signature, b"nonce", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(PinError):
        prove_key(AppletConnection(PivApplet(material)), "654321", b"nonce")
