"""The test PKI of the demo and the tests: a CA that the reference server's QHR gateway
trusts, and the certificates of virtual QHR keys it issues. Never used in production.

Material is persisted in a directory chosen by the caller, so the demo, the server and the
tests that share a directory agree:
    DIR/ca.key.pem, DIR/ca.cert.pem      the CA (`make_test_ca(DIR)`; made once, then loaded)
    KEYDIR/key.pem, KEYDIR/cert.pem      a key's pair (`ensure_key_material`)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "ClinicDesk Test QHR CA"
VALIDITY = dt.timedelta(days=3 * 365)


@dataclass(frozen=True)
class CertificateAuthority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    directory: Path

    @property
    def cert_path(self) -> Path:
        """The PEM file the QHR gateway loads as its trust anchor."""
        return self.directory / "ca.cert.pem"


KeyPair = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
KEY_TYPES = ("p256", "p384", "rsa2048", "rsa3072")


def generate_key(key_type: str = "p256") -> KeyPair:
    if key_type == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if key_type in ("rsa2048", "rsa3072"):
        return rsa.generate_private_key(65537, int(key_type[3:]))
    raise ValueError(f"key type {key_type!r}: one of {', '.join(KEY_TYPES)}")


@dataclass(frozen=True)
class KeyMaterial:
    key: KeyPair
    cert: x509.Certificate
    ca: CertificateAuthority


def _write_key(path: Path, key: KeyPair) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _load_key(path: Path) -> KeyPair:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey))
    return key


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)


def make_test_ca(directory: Path | str) -> CertificateAuthority:
    """Load the CA kept in `directory`, or make it there (EC P-256, self-signed)."""
    directory = Path(directory)
    key_path, cert_path = directory / "ca.key.pem", directory / "ca.cert.pem"
    if key_path.exists() and cert_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        ca_key = _load_key(key_path)
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        return CertificateAuthority(ca_key, cert, directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ClinicDesk test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_now()).not_valid_after(_now() + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return CertificateAuthority(key, cert, directory)


def issue_key_certificate(ca: CertificateAuthority, key_id: str, user: str,
                          public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey
                          ) -> x509.Certificate:
    """A PIV Authentication certificate: subject CN=`user`, serialNumber=`key_id` (the QHR key
    identifier, see `app.devices.piv.key_identifier`), client authentication."""
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ClinicDesk test"),
                         x509.NameAttribute(NameOID.COMMON_NAME, user),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, key_id)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.cert.subject)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(_now()).not_valid_after(_now() + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca.key, hashes.SHA256()))


def ensure_key_material(key_dir: Path | str, ca: CertificateAuthority, key_id: str,
                        user: str, key_type: str = "p256") -> KeyMaterial:
    """The virtual key's pair and certificate kept in `key_dir` (made once, then loaded);
    `key_type` one of KEY_TYPES."""
    key_dir = Path(key_dir)
    key_path, cert_path = key_dir / "key.pem", key_dir / "cert.pem"
    if key_path.exists() and cert_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return KeyMaterial(_load_key(key_path), cert, ca)
    key_dir.mkdir(parents=True, exist_ok=True)
    key = generate_key(key_type)
    cert = issue_key_certificate(ca, key_id, user, key.public_key())
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return KeyMaterial(key, cert, ca)
