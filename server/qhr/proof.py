"""The key proof the gateway checks: certificate issued by the trusted QHR CA, valid now, not a
CA itself; signature over SHA-256(challenge) by the certificate's key (ECDSA DER, or RSA
PKCS #1 v1.5). The key identifier is read the way app.devices.piv.key_identifier reads it
(subject serialNumber, else "SN:" + serial in hex); repeated here so the server never imports
the devices layer (pyscard).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID


class ProofError(Exception):
    """The proof is refused; the message names the check, never the user or patient."""


def load_ca(path: Path | str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def key_identifier(cert: x509.Certificate) -> str:
    found = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return str(found[0].value) if found else f"SN:{cert.serial_number:X}"


def _verify(public_key: object, signature: bytes, data: bytes) -> None:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise ProofError("unsupported key type")


def check_certificate(cert: x509.Certificate, ca: x509.Certificate) -> None:
    if cert.issuer != ca.subject:
        raise ProofError("certificate not issued by the QHR CA")
    try:
        _verify(ca.public_key(), cert.signature, cert.tbs_certificate_bytes)
    except InvalidSignature:
        raise ProofError("certificate signature invalid") from None
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise ProofError("certificate expired or not yet valid")
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise ProofError("a CA certificate is not a key certificate")
    except x509.ExtensionNotFound:
        pass


def check_proof(cert_der: bytes, signature: bytes, challenge: bytes,
                ca: x509.Certificate) -> str:
    """The key identifier of a valid proof; ProofError otherwise."""
    try:
        cert = x509.load_der_x509_certificate(cert_der)
    except ValueError:
        raise ProofError("certificate unreadable") from None
    check_certificate(cert, ca)
    try:
        _verify(cert.public_key(), signature, challenge)
    except InvalidSignature:
        raise ProofError("signature over the challenge invalid") from None
    return key_identifier(cert)
