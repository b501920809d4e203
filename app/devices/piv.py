"""PIV session (NIST SP 800-73-4) over a `Connection`: the QHR key's card application.

The QHR key identifier is the subject `serialNumber` attribute (OID 2.5.4.5) of the PIV
Authentication certificate (slot 9A, object 5FC105): the issuer writes the key's number there.
A certificate without it is identified by its own serial number in upper-case hex, prefixed
"SN:" so the two forms never collide.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from enum import IntEnum

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from app.devices import tlv
from app.devices.connection import Connection
from app.devices.errors import (
    ApduError,
    DeviceError,
    NotPivError,
    PinBlockedError,
    PinError,
    PinFormatError,
    UnsupportedKeyError,
)

PIV_AID = bytes.fromhex("A000000308000010000100")
AUTHENTICATION_CERT = bytes.fromhex("5FC105")
SIGNATURE_CERT = bytes.fromhex("5FC10A")  # slot 9C, digital signature
DISCOVERY = bytes.fromhex("7E")
SLOT_AUTHENTICATION = 0x9A
SLOT_SIGNATURE = 0x9C
PIN_REFERENCE = 0x80  # the PIV Card Application PIN
GLOBAL_PIN_REFERENCE = 0x00  # the card's global PIN, when the discovery object prefers it

INS_SELECT, INS_GET_DATA, INS_VERIFY = 0xA4, 0xCB, 0x20
INS_GENERAL_AUTHENTICATE, INS_GET_RESPONSE = 0x87, 0xC0
SW_OK, SW_BLOCKED, SW_NOT_FOUND = 0x9000, 0x6983, 0x6A82
# SP 800-73-4 part 2, 2.4.3: the PIV Card Application PIN is 6 to 8 digits, each 0x30-0x39,
# padded to 8 bytes with 0xFF. Every key read through this session (the virtual key included)
# follows it, so a PIN outside it is refused here, before VERIFY: it could never match and
# would cost a try.
PIN_MIN, PIN_MAX = 6, 8
SHORT_LC = 255

# DigestInfo prefix of SHA-256 (PKCS #1 v1.5), for RSA keys: the card only does raw RSA.
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class Algorithm(IntEnum):
    RSA3072 = 0x05
    RSA2048 = 0x07
    ECCP256 = 0x11
    ECCP384 = 0x14


CURVES = {"secp256r1": Algorithm.ECCP256, "secp384r1": Algorithm.ECCP384}
RSA_SIZES = {2048: Algorithm.RSA2048, 3072: Algorithm.RSA3072}


def key_identifier(cert: x509.Certificate) -> str:
    """The QHR key identifier (see the module docstring)."""
    found = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if found:
        return str(found[0].value)
    return f"SN:{cert.serial_number:X}"


def algorithm_for(public_key: object) -> Algorithm:
    """The PIV algorithm of a certificate's key: ECC P-256/P-384, RSA 2048/3072; any other is
    UnsupportedKeyError (raised when the certificate is read, so before any PIN)."""
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in CURVES:
        return CURVES[public_key.curve.name]
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size in RSA_SIZES:
        return RSA_SIZES[public_key.key_size]
    name = getattr(getattr(public_key, "curve", None), "name", None) or \
        f"{type(public_key).__name__} {getattr(public_key, 'key_size', '')}".strip()
    raise UnsupportedKeyError(f"unsupported key type on the access key: {name}")


def pin_reference(discovery: bytes | None) -> int:
    """SP 800-73-4 part 1, 3.3.2: the PIN usage policy (tag 5F2F) of the discovery object; the
    global PIN when it satisfies the card's access rules and is the primary one."""
    if not discovery:
        return PIN_REFERENCE
    try:
        policy = tlv.find(tlv.find(discovery, 0x7E), 0x5F2F)
    except (KeyError, ValueError):
        return PIN_REFERENCE
    if len(policy) >= 2 and policy[0] & 0x20 and policy[1] == 0x20:
        return GLOBAL_PIN_REFERENCE
    return PIN_REFERENCE


def challenge_input(algorithm: Algorithm, message: bytes) -> bytes:
    """What GENERAL AUTHENTICATE signs for SHA-256(message): the digest, left-padded with zeros
    to the curve's size for ECC (the same integer, so the signature verifies as ECDSA with
    SHA-256 on P-384), the PKCS #1 v1.5 block for RSA (the card only does raw RSA)."""
    if algorithm == Algorithm.ECCP256:
        return hashlib.sha256(message).digest()
    if algorithm == Algorithm.ECCP384:
        return hashlib.sha256(message).digest().rjust(48, b"\x00")
    return pad_pkcs1_sha256(message, 256 if algorithm == Algorithm.RSA2048 else 384)


def decompress(data: bytes) -> bytes:
    """A certificate stored compressed (CertInfo 71 = 01): gzip, as yubikit and OpenSC read it
    (zlib's auto-detection also takes a bare zlib stream)."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError):
        return zlib.decompress(data, 47)


def pad_pkcs1_sha256(message: bytes, size: int = 256) -> bytes:
    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    return b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info


def check_pin(pin: str) -> bytes:
    """The PIN as VERIFY sends it (8 bytes), or PinFormatError: nothing is sent for a PIN that
    breaks the rules (non-ASCII like "12345é", letters, other scripts' digits, wrong length)."""
    if any(c not in "0123456789" for c in pin):
        raise PinFormatError()
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise PinFormatError(len(pin))
    return pin.encode("ascii").ljust(PIN_MAX, b"\xff")


class PivSession:
    """SELECTs the PIV application on creation (NotPivError when the card has none), then reads
    the discovery object for the PIN reference (global PIN or PIV PIN)."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.select()
        self.pin_reference = pin_reference(self._discovery())
        self.slot = SLOT_AUTHENTICATION  # 9C once the certificate was found there

    def _discovery(self) -> bytes | None:
        try:
            return self.send(INS_GET_DATA, 0x3F, 0xFF, tlv.tlv(0x5C, DISCOVERY), what="GET DATA")
        except ApduError:
            return None  # optional object (6A82): the PIV PIN

    def send(self, ins: int, p1: int, p2: int, data: bytes = b"", le: bool = True,
             what: str = "") -> bytes:
        """One command: chained if longer than 255 bytes, 61xx answers gathered with GET
        RESPONSE. ApduError for any final status word but 90 00."""
        while len(data) > SHORT_LC:
            self._check(*self._transmit(0x10, ins, p1, p2, data[:SHORT_LC], le), what)
            data = data[SHORT_LC:]
        response, sw = self._transmit(0x00, ins, p1, p2, data, le)
        while sw >> 8 == 0x61:  # more to come: GET RESPONSE with Le = SW2 (T=0 wants it exact)
            more, sw = self._transmit(0x00, INS_GET_RESPONSE, 0, 0, b"", True, sw & 0xFF)
            response += more
        return self._check(response, sw, what)

    def _transmit(self, cla: int, ins: int, p1: int, p2: int, data: bytes,
                  le: bool, le_value: int = 0) -> tuple[bytes, int]:
        apdu = bytes([cla, ins, p1, p2])
        if data:
            apdu += bytes([len(data)]) + data
        if le:
            apdu += bytes([le_value])
        response, sw = self.connection.send_and_receive(apdu)
        if sw >> 8 == 0x6C and le:  # T=0, wrong Le: the same command again with Le = SW2
            response, sw = self.connection.send_and_receive(apdu[:-1] + bytes([sw & 0xFF]))
        return response, sw

    @staticmethod
    def _check(data: bytes, sw: int, what: str) -> bytes:
        if sw != SW_OK:
            raise ApduError(data, sw, what)
        return data

    def select(self) -> bytes:
        try:
            return self.send(INS_SELECT, 0x04, 0x00, PIV_AID, what="SELECT PIV")
        except ApduError as err:
            raise NotPivError(f"SELECT PIV: SW {err.sw:04X}") from None

    def get_object(self, object_id: bytes) -> bytes:
        """The content of a data object (its 53 wrapper removed)."""
        response = self.send(INS_GET_DATA, 0x3F, 0xFF, tlv.tlv(0x5C, object_id), what="GET DATA")
        try:
            return tlv.find(response, 0x53)
        except (KeyError, ValueError) as err:
            raise DeviceError(f"GET DATA: malformed object ({err})") from err

    def authentication_certificate(self) -> x509.Certificate:
        """Slot 9A's certificate; on a card whose slot 9A is empty (6A82), slot 9C's (digital
        signature, 5FC10A), whose key then signs the gateway's challenge."""
        try:
            content, self.slot = self.get_object(AUTHENTICATION_CERT), SLOT_AUTHENTICATION
        except ApduError as err:
            if err.sw != SW_NOT_FOUND:
                raise
            content, self.slot = self.get_object(SIGNATURE_CERT), SLOT_SIGNATURE
        try:
            items = dict(tlv.parse(content))
            der = items[0x70]
            if items.get(0x71, b"\x00")[:1] == b"\x01":
                der = decompress(der)
            cert = x509.load_der_x509_certificate(der)
        except (KeyError, ValueError, OSError, EOFError, zlib.error) as err:
            raise DeviceError(f"PIV certificate unreadable ({type(err).__name__})") from err
        algorithm_for(cert.public_key())  # an unusable key is refused here, before any PIN
        return cert

    def verify_pin(self, pin: str) -> None:
        """PinFormatError (nothing sent) for a PIN outside the PIV rules, PinError (with tries
        left) for a wrong PIN, PinBlockedError when blocked."""
        apdu = bytes([0, INS_VERIFY, 0, self.pin_reference, PIN_MAX]) + check_pin(pin)
        _, sw = self.connection.send_and_receive(apdu)
        tries = self._pin_status(sw)
        if tries is not None:
            raise PinError(sw, tries)

    def pin_state(self) -> tuple[bool, int | None]:
        """(a PIN is needed, tries left): the shape app.qhr.keyflow reads from any back-end."""
        tries = self.pin_tries_left()
        return tries is not None, tries

    def __enter__(self) -> PivSession:
        return self

    def __exit__(self, *exc: object) -> None:
        pass  # the connection is the caller's

    def pin_blocked(self) -> bool:
        """Whether the PIN is blocked (an empty VERIFY: no try is used)."""
        try:
            self.pin_tries_left()
        except PinBlockedError:
            return True
        return False

    def pin_tries_left(self) -> int | None:
        """Tries left (empty VERIFY), or None when the PIN is already verified."""
        _, sw = self.connection.send_and_receive(bytes([0, INS_VERIFY, 0, self.pin_reference]))
        return self._pin_status(sw)

    @staticmethod
    def _pin_status(sw: int) -> int | None:
        if sw == SW_OK:
            return None
        if sw == SW_BLOCKED or sw == 0x63C0:
            raise PinBlockedError(sw)

        if sw & 0xFFF0 == 0x63C0:
            return sw & 0x0F
        raise ApduError(b"", sw, "VERIFY")

    def sign(self, message: bytes, cert: x509.Certificate | None = None,
             slot: int | None = None) -> bytes:
        """Sign `message` (SHA-256) with the key in `slot` (by default the slot whose
        certificate was read): ECDSA (DER) or RSA PKCS #1 v1.5. The PIN must have been
        verified."""
        cert = cert or self.authentication_certificate()
        slot = self.slot if slot is None else slot
        algorithm = algorithm_for(cert.public_key())
        challenge = challenge_input(algorithm, message)
        template = tlv.tlv(0x7C, tlv.tlv(0x82, b"") + tlv.tlv(0x81, challenge))
        response = self.send(INS_GENERAL_AUTHENTICATE, algorithm, slot, template,
                             what="GENERAL AUTHENTICATE")
        try:
            return tlv.find(tlv.find(response, 0x7C), 0x82)
        except (KeyError, ValueError) as err:
            raise DeviceError(f"GENERAL AUTHENTICATE: malformed answer ({err})") from err


@dataclass(frozen=True)
class KeyProof:
    """What the QHR gateway checks: the certificate (chained to its CA), and `signature` over
    SHA-256(challenge) made with the certificate's key (ECDSA DER, or RSA PKCS #1 v1.5)."""

    key_id: str
    certificate: x509.Certificate
    signature: bytes


def prove_key(connection: Connection, pin: str, challenge: bytes) -> KeyProof:
    """SELECT, read the certificate, VERIFY `pin`, sign `challenge`: the QHR sign-in steps.
    Raises PinError / PinBlockedError / ApduError / DeviceError."""
    session = PivSession(connection)
    cert = session.authentication_certificate()
    session.verify_pin(pin)
    return KeyProof(key_identifier(cert), cert, session.sign(challenge, cert))
