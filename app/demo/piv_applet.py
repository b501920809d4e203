"""The PIV applet of the virtual QHR key (NIST SP 800-73-4), faithful enough that OpenSC's PIV
driver reads it: SELECT answered with the application property template, GET DATA of the
discovery object (7E) and of the authentication certificate (5FC105; any other object 6A82),
VERIFY of the PIV PIN (80) or the global PIN (00), GENERAL AUTHENTICATE in slot 9A with the
certificate's key (ECC P-256/P-384, RSA 2048/3072), GET RESPONSE, command chaining. Short APDUs
only; answers over 256 bytes are split with 61xx as real cards do.

Variants for the tests, as real cards behave: `compressed` (certificate gzipped, CertInfo 01),
`global_pin` (the discovery object prefers the global PIN, and VERIFY 80 is refused), `t0`
(a T=0 card: an answer shorter than Le is refused with 6Cxx, the length to ask for),
`signature_slot` (slot 9A empty: the certificate and key in slot 9C, object 5FC10A).

It counts the VERIFY commands it receives (`verify_attempts`, `verify_queries`) so that tests
can tell how many PINs reached the card."""

from __future__ import annotations

import gzip

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils

from app.demo.test_pki import KeyMaterial
from app.devices import tlv
from app.devices.piv import (
    AUTHENTICATION_CERT,
    DISCOVERY,
    GLOBAL_PIN_REFERENCE,
    PIN_REFERENCE,
    PIV_AID,
    SIGNATURE_CERT,
    SLOT_AUTHENTICATION,
    SLOT_SIGNATURE,
    algorithm_for,
)

DEFAULT_PIN = "123456"
PIN_TRIES = 3
CHUNK = 256
LABEL = b"ClinicDesk virtual PIV"


def sw_bytes(sw: int) -> bytes:
    return sw.to_bytes(2, "big")


class PivApplet:
    def __init__(self, material: KeyMaterial, pin: str = DEFAULT_PIN, tries: int = PIN_TRIES,
                 *, compressed: bool = False, global_pin: bool = False, t0: bool = False,
                 signature_slot: bool = False):
        self.material = material
        self.algorithm = int(algorithm_for(material.cert.public_key()))
        self.pin = pin.encode().ljust(8, b"\xff")
        self.tries = tries
        self.max_tries = tries
        self.compressed, self.global_pin, self.t0 = compressed, global_pin, t0
        self.cert_object, self.slot = ((SIGNATURE_CERT, SLOT_SIGNATURE) if signature_slot
                                       else (AUTHENTICATION_CERT, SLOT_AUTHENTICATION))
        self.verify_attempts = 0  # VERIFY commands carrying a PIN (each may cost a try)
        self.verify_queries = 0  # empty VERIFY commands (tries left; never cost a try)
        self.commands: list[int] = []  # INS of every command, in order
        self.reset()

    @property
    def pin_reference(self) -> int:
        return GLOBAL_PIN_REFERENCE if self.global_pin else PIN_REFERENCE

    def reset(self) -> None:
        """Power off or reset: deselected, PIN no longer verified."""
        self.selected = False
        self.verified = False
        self._pending = b""  # answer left for GET RESPONSE
        self._chain = b""  # command data received with CLA 10
        self._apdu = b""  # the command being answered
        self._held: tuple[bytes, bytes] | None = None  # (command, answer) refused with 6Cxx

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return sw_bytes(0x6700)
        cla, ins, p1, p2 = apdu[:4]
        self.commands.append(ins)
        self._apdu = apdu
        data = apdu[5:5 + apdu[4]] if len(apdu) > 5 else b""
        le = self._le(apdu)
        held, self._held = self._held, None
        if held and le is not None and held[0] == apdu[:-1]:  # re-sent after 6Cxx
            return self._answer(held[1], len(held[1]))
        if ins == 0xC0:
            return self._answer(self._pending, le)
        self._pending = b""
        if cla & 0x10:
            self._chain += data
            return sw_bytes(0x9000)
        data, self._chain = self._chain + data, b""
        if ins == 0xA4:
            return self._select(p1, data, le)
        if not self.selected:
            return sw_bytes(0x6D00)
        if ins == 0x20:
            return self._verify(p2, data)
        if ins == 0xCB:
            return self._get_data(p1, p2, data, le)
        if ins == 0x87:
            return self._authenticate(p1, p2, data, le)
        return sw_bytes(0x6D00)

    @staticmethod
    def _le(apdu: bytes) -> int | None:
        """Le of a short APDU (None when absent; 0 means 256)."""
        if len(apdu) == 5:
            return apdu[4]
        if len(apdu) > 5 and len(apdu) == 6 + apdu[4]:
            return apdu[-1]
        return None

    def _answer(self, data: bytes, le: int | None = None) -> bytes:
        if self.t0 and le is not None and len(data) < CHUNK and le != len(data):
            self._held = (self._apdu[:-1], data)  # the same answer for the same command
            return sw_bytes(0x6C00 | len(data))  # "ask again with Le = SW2"
        head, self._pending = data[:CHUNK], data[CHUNK:]
        if self._pending:
            return head + sw_bytes(0x6100 | min(len(self._pending), CHUNK) & 0xFF)
        return head + sw_bytes(0x9000)

    def _select(self, p1: int, aid: bytes, le: int | None) -> bytes:
        if p1 != 0x04 or not aid or not PIV_AID.startswith(aid[: len(PIV_AID)]):
            self.selected = False
            return sw_bytes(0x6A82)
        self.selected = True
        # SP 800-73-4 part 2, table 3: application property template
        algorithms = b"".join(tlv.tlv(0x80, bytes([a])) for a in (0x07, 0x05, 0x11, 0x14))
        apt = (tlv.tlv(0x4F, PIV_AID[5:11]) + tlv.tlv(0x79, tlv.tlv(0x4F, PIV_AID))
               + tlv.tlv(0x50, LABEL) + tlv.tlv(0xAC, algorithms + tlv.tlv(0x06, b"")))
        return self._answer(tlv.tlv(0x61, apt), le)

    def _get_data(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        try:
            wanted = tlv.find(data, 0x5C)
        except (KeyError, ValueError):
            return sw_bytes(0x6A80)
        if (p1, p2) != (0x3F, 0xFF):
            return sw_bytes(0x6A86)
        if wanted == DISCOVERY:
            # PIN usage policy: PIV PIN (40) and, for a global-PIN card, global PIN (20) too,
            # with the primary one in the second byte (10 PIV PIN, 20 global PIN)
            policy = bytes([0x60, 0x20]) if self.global_pin else bytes([0x40, 0x10])
            return self._answer(tlv.tlv(0x7E, tlv.tlv(0x4F, PIV_AID) + tlv.tlv(0x5F2F, policy)),
                                le)
        if wanted != self.cert_object:
            return sw_bytes(0x6A82)
        der = self.material.cert.public_bytes(serialization.Encoding.DER)
        info = b"\x00"
        if self.compressed:
            der, info = gzip.compress(der, mtime=0), b"\x01"
        content = tlv.tlv(0x70, der) + tlv.tlv(0x71, info) + tlv.tlv(0xFE, b"")
        return self._answer(tlv.tlv(0x53, content), le)

    def _verify(self, p2: int, data: bytes) -> bytes:
        if data:
            self.verify_attempts += 1
        else:
            self.verify_queries += 1
        if p2 != self.pin_reference:
            return sw_bytes(0x6A88)
        if self.tries == 0:
            return sw_bytes(0x6983)
        if not data:
            return sw_bytes(0x9000 if self.verified else 0x63C0 | self.tries)
        if len(data) != 8:
            return sw_bytes(0x6A80)
        if data == self.pin:
            self.tries, self.verified = self.max_tries, True
            return sw_bytes(0x9000)
        self.tries -= 1
        self.verified = False
        return sw_bytes(0x6983 if self.tries == 0 else 0x63C0 | self.tries)

    def _authenticate(self, algorithm: int, slot: int, data: bytes, le: int | None) -> bytes:
        if (algorithm, slot) != (self.algorithm, self.slot):
            return sw_bytes(0x6A86)
        if not self.verified:
            return sw_bytes(0x6982)
        try:
            template = dict(tlv.parse(tlv.find(data, 0x7C)))
            challenge = template[0x81]
        except (KeyError, ValueError):
            return sw_bytes(0x6A80)
        if 0x82 not in template:
            return sw_bytes(0x6A80)
        signature = self._sign(challenge)
        if signature is None:
            return sw_bytes(0x6A80)
        return self._answer(tlv.tlv(0x7C, tlv.tlv(0x82, signature)), le)

    def _sign(self, challenge: bytes) -> bytes | None:
        key = self.material.key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            size = (key.curve.key_size + 7) // 8
            if len(challenge) != size:
                return None
            digest = hashes.SHA384() if size == 48 else hashes.SHA256()
            return key.sign(challenge, ec.ECDSA(utils.Prehashed(digest)))
        if isinstance(key, rsa.RSAPrivateKey):
            size = key.key_size // 8
            if len(challenge) != size:
                return None
            numbers = key.private_numbers()
            raw = pow(int.from_bytes(challenge, "big"), numbers.d, numbers.public_numbers.n)
            return raw.to_bytes(size, "big")
        return None
