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
from cryptography.hazmat.primitives.asymmetric import ec
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


@dataclass(frozen=True)
class KeyMaterial:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    ca: CertificateAuthority


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)


def make_test_ca(directory: Path | str) -> CertificateAuthority:
    """Load the CA kept in `directory`, or make it there (EC P-256, self-signed)."""
    directory = Path(directory)
    key_path, cert_path = directory / "ca.key.pem", directory / "ca.cert.pem"
    if key_path.exists() and cert_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return CertificateAuthority(_load_key(key_path), cert, directory)
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
                          public_key: ec.EllipticCurvePublicKey) -> x509.Certificate:
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
                        user: str) -> KeyMaterial:
    """The virtual key's pair and certificate kept in `key_dir` (made once, then loaded)."""
    key_dir = Path(key_dir)
    key_path, cert_path = key_dir / "key.pem", key_dir / "cert.pem"
    if key_path.exists() and cert_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return KeyMaterial(_load_key(key_path), cert, ca)
    key_dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_key_certificate(ca, key_id, user, key.public_key())
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return KeyMaterial(key, cert, ca)
