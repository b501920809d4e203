"""The PIV applet of the virtual QHR key: just what the ClinicDesk PIV session uses (SELECT,
GET DATA 5FC105, VERIFY, GENERAL AUTHENTICATE with ECC P-256, GET RESPONSE, command
chaining). Short APDUs only; answers over 256 bytes are split with 61xx as real cards do.
It counts the VERIFY commands it receives (`verify_attempts`, `verify_queries`) so that tests
can tell how many PINs reached the card."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from app.demo.test_pki import KeyMaterial
from app.devices import tlv
from app.devices.piv import AUTHENTICATION_CERT, PIN_REFERENCE, PIV_AID, SLOT_AUTHENTICATION

DEFAULT_PIN = "123456"
PIN_TRIES = 3
CHUNK = 256


def sw_bytes(sw: int) -> bytes:
    return sw.to_bytes(2, "big")


class PivApplet:
    def __init__(self, material: KeyMaterial, pin: str = DEFAULT_PIN, tries: int = PIN_TRIES):
        self.material = material
        self.pin = pin.encode().ljust(8, b"\xff")
        self.tries = tries
        self.max_tries = tries
        self.verify_attempts = 0  # VERIFY commands carrying a PIN (each may cost a try)
        self.verify_queries = 0  # empty VERIFY commands (tries left; never cost a try)
        self.reset()

    def reset(self) -> None:
        """Power off or reset: deselected, PIN no longer verified."""
        self.selected = False
        self.verified = False
        self._pending = b""  # answer left for GET RESPONSE
        self._chain = b""  # command data received with CLA 10

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return sw_bytes(0x6700)
        cla, ins, p1, p2 = apdu[:4]
        data = apdu[5:5 + apdu[4]] if len(apdu) > 5 else b""
        if ins == 0xC0:
            return self._answer(self._pending)
        self._pending = b""
        if cla & 0x10:
            self._chain += data
            return sw_bytes(0x9000)
        data, self._chain = self._chain + data, b""
        if ins == 0xA4:
            return self._select(p1, data)
        if not self.selected:
            return sw_bytes(0x6D00)
        handler = {0xCB: self._get_data, 0x20: self._verify, 0x87: self._authenticate}.get(ins)
        if handler is None:
            return sw_bytes(0x6D00)
        return handler(p1, p2, data)

    def _answer(self, data: bytes) -> bytes:
        head, self._pending = data[:CHUNK], data[CHUNK:]
        if self._pending:
            return head + sw_bytes(0x6100 | min(len(self._pending), CHUNK) & 0xFF)
        return head + sw_bytes(0x9000)

    def _select(self, p1: int, aid: bytes) -> bytes:
        if p1 != 0x04 or not aid or not PIV_AID.startswith(aid[: len(PIV_AID)]):
            self.selected = False
            return sw_bytes(0x6A82)
        self.selected = True
        apt = tlv.tlv(0x4F, PIV_AID[5:9]) + tlv.tlv(0x79, tlv.tlv(0x4F, PIV_AID[:5]))
        return self._answer(tlv.tlv(0x61, apt))

    def _get_data(self, p1: int, p2: int, data: bytes) -> bytes:
        try:
            wanted = tlv.find(data, 0x5C)
        except (KeyError, ValueError):
            return sw_bytes(0x6A80)
        if (p1, p2) != (0x3F, 0xFF) or wanted != AUTHENTICATION_CERT:
            return sw_bytes(0x6A82)
        der = self.material.cert.public_bytes(serialization.Encoding.DER)
        content = tlv.tlv(0x70, der) + tlv.tlv(0x71, b"\x00") + tlv.tlv(0xFE, b"")
        return self._answer(tlv.tlv(0x53, content))

    def _verify(self, p1: int, p2: int, data: bytes) -> bytes:
        if data:
            self.verify_attempts += 1
        else:
            self.verify_queries += 1
        if p2 != PIN_REFERENCE:
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

    def _authenticate(self, algorithm: int, slot: int, data: bytes) -> bytes:
        if (algorithm, slot) != (0x11, SLOT_AUTHENTICATION):
            return sw_bytes(0x6A86)
        if not self.verified:
            return sw_bytes(0x6982)
        try:
            template = dict(tlv.parse(tlv.find(data, 0x7C)))
            challenge = template[0x81]
        except (KeyError, ValueError):
            return sw_bytes(0x6A80)
        if len(challenge) != 32 or 0x82 not in template:
            return sw_bytes(0x6A80)
        signature = self.material.key.sign(challenge, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        return self._answer(tlv.tlv(0x7C, tlv.tlv(0x82, signature)))
