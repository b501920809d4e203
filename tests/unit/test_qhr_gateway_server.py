"""server.qhr: the key proof checks and the challenge / session rules (narrow unit tests; the
HTTP flow runs end to end in tests/integration/test_qhr_end_to_end.py)."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from app.demo.test_pki import ensure_key_material, make_test_ca
from server.qhr.proof import ProofError, check_proof
from server.qhr.sessions import Sessions


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki")
    ca = make_test_ca(root / "ca")
    other_ca = make_test_ca(root / "other-ca")
    return (ca, ensure_key_material(root / "k1", ca, "QHR-0001-TREM", "1000001"),
            ensure_key_material(root / "k2", other_ca, "QHR-0001-TREM", "1000001"))


def _sign(material, challenge: bytes) -> tuple[bytes, bytes]:
    signature = material.key.sign(challenge, ec.ECDSA(hashes.SHA256()))
    return material.cert.public_bytes(Encoding.DER), signature


def test_valid_proof_gives_the_key_identifier(pki):
    ca, key, _ = pki
    assert check_proof(*_sign(key, b"nonce"), b"nonce", ca.cert) == "QHR-0001-TREM"


@pytest.mark.parametrize("case", ["other_ca", "other_challenge", "garbage_cert", "ca_itself"])
def test_bad_proofs_are_refused(pki, case):
    ca, key, foreign = pki
    cert, signature = _sign(foreign if case == "other_ca" else key, b"nonce")
    challenge = b"another" if case == "other_challenge" else b"nonce"
    if case == "garbage_cert":
        cert = b"\x30\x03\x02\x01\x00"
    if case == "ca_itself":
        cert = ca.cert.public_bytes(Encoding.DER)
        signature = ca.key.sign(challenge, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(ProofError):
        check_proof(cert, signature, challenge, ca.cert)


def test_challenge_is_single_use_bound_to_user_and_short_lived():
    sessions = Sessions(challenge_ttl=0.2)
    nonce = sessions.challenge("1000001")
    assert len(nonce) == 32 and nonce != sessions.challenge("1000001")
    assert not sessions.take_challenge(nonce, "1000002")  # another user: refused, and consumed
    assert not sessions.take_challenge(nonce, "1000001")
    fresh = sessions.challenge("1000001")
    assert sessions.take_challenge(fresh, "1000001")
    assert not sessions.take_challenge(fresh, "1000001")
    late = sessions.challenge("1000001")
    time.sleep(0.25)
    assert not sessions.take_challenge(late, "1000001")


def test_session_token_bound_to_user_expires_and_closes():
    sessions = Sessions(ttl=0.2)
    token = sessions.open("1000001", "QHR-0001-TREM")
    assert sessions.get(token, "1000001").key_id == "QHR-0001-TREM"
    assert sessions.get(token, "1000002") is None
    assert not sessions.close(token, "1000002") and sessions.close(token, "1000001")
    assert sessions.get(token, "1000001") is None
    short = sessions.open("1000001", "QHR-0001-TREM")
    time.sleep(0.25)
    assert sessions.get(short, "1000001") is None
