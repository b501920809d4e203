"""The QHR key through its own middleware's PKCS#11 module (python-pkcs11): for tokens without
the PIV application (IDPrime MD, eToken Java), read by the module of their family in the token
table (app.devices.tokens: the SafeNet/Thales module by its usual install paths, OpenSC's for
PIV cards; the settings may name another).

`Pkcs11Session` has the shape of `PivSession` as the QHR sign-in uses it (certificate, PIN
state, PIN, signature), so app.qhr.keyflow drives either. Tries left come from the token's
flags, the only thing PKCS#11 says about them: CKF_USER_PIN_FINAL_TRY (1 left), _COUNT_LOW
(some, how many unknown), _LOCKED (blocked). Presence and hot-plug stay on PC/SC.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from app.devices.connection import Connection
from app.devices.errors import (
    CardRemovedError,
    DeviceError,
    NotPivError,
    PinBlockedError,
    PinError,
    PinFormatError,
)
from app.devices.pcsc import Device
from app.devices.piv import SHA256_DIGEST_INFO, PivSession, algorithm_for, key_identifier

log = logging.getLogger(__name__)
AUTH_LABELS = ("PIV Authentication", "Authentication")  # OpenSC's, then vendors' labels
PIN_MAX = 64
SLOT_TOKEN_PRESENT = 0x1  # CKF_TOKEN_PRESENT
_libraries: dict[str, Any] = {}
_lock = threading.Lock()


def library(module: str) -> Any:
    """The loaded module (once per process: a PKCS#11 library is initialised once)."""
    import pkcs11

    with _lock:
        if module not in _libraries:
            try:
                _libraries[module] = pkcs11.lib(module)
            except Exception as err:  # a broken or foreign library
                raise DeviceError(f"PKCS#11 module {module} unusable ({type(err).__name__})"
                                  ) from None
        return _libraries[module]


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """PKCS#11 exceptions as the devices layer's errors."""
    from pkcs11 import exceptions as px

    try:
        yield
    except (px.DeviceRemoved, px.TokenNotPresent) as err:
        raise CardRemovedError(f"{what}: {type(err).__name__}") from None
    except px.PinLocked:
        raise PinBlockedError() from None
    except (px.PinLenRange, px.PinInvalid):
        raise PinFormatError() from None
    except px.PKCS11Error as err:
        raise DeviceError(f"{what}: {type(err).__name__}") from None


def _token_of(slot: Any) -> Any:
    """The slot's token, or None for one the module cannot use (blank, not initialised)."""
    from pkcs11 import exceptions as px

    try:
        return slot.get_token()
    except px.PKCS11Error as err:
        log.debug("PKCS#11 slot skipped (%s)", type(err).__name__)
        return None


class Pkcs11Session:
    """The token in `reader` (the slot OpenSC and the vendors name after the PC/SC reader), or
    the one whose certificate carries `key_id`, or the only one."""

    def __init__(self, module: str, reader: str | None = None, key_id: str | None = None):
        self.module = module
        self._lib = library(module)
        self._session: Any = None
        with _errors("C_GetSlotList"):
            self.token = self._find_token(reader, key_id)

    def _find_token(self, reader: str | None, key_id: str | None) -> Any:
        """The slot named after `reader`; else (a module that does not name its slots after
        the readers) the token carrying `key_id`; with neither given, the only token. Never a
        token merely found in another reader."""
        if reader:
            named = [s for s in self._lib.get_slots()
                     if s.slot_description.strip().startswith(reader)]
            if named:  # the module names its slots after the readers: that slot, or nothing
                token = _token_of(named[0]) if named[0].flags & SLOT_TOKEN_PRESENT else None
                if token is None:
                    raise NotPivError("PKCS#11: the module sees no token in this reader")
                return token
        slots = list(self._lib.get_slots(token_present=True))
        tokens = [t for t in map(_token_of, slots) if t is not None]
        if key_id:
            from pkcs11 import exceptions as px

            for token in tokens:
                try:
                    cert = self._certificate_of(token)
                except px.PKCS11Error as err:  # a blank token, one that went away
                    log.debug("PKCS#11 token skipped (%s)", type(err).__name__)
                    continue
                if cert is not None and key_identifier(cert) == key_id:
                    return token
        elif not reader and len(tokens) == 1:
            return tokens[0]
        raise NotPivError(f"PKCS#11: no token for this card among {len(tokens)}")

    # -- what PivSession offers -------------------------------------------------------------
    def authentication_certificate(self) -> x509.Certificate:
        with _errors("certificate"):
            cert = self._certificate_of(self.token)
        if cert is None:
            raise DeviceError("PKCS#11: no certificate on the token")
        algorithm_for(cert.public_key())  # an unusable key refused before the PIN
        return cert

    def pin_state(self) -> tuple[bool, int | None]:
        """(a PIN is needed, tries left when the token says): PinBlockedError when locked."""
        from pkcs11 import TokenFlag

        if self._session is not None:
            return False, None
        flags = self._flags()
        if flags & TokenFlag.USER_PIN_LOCKED:
            raise PinBlockedError()
        return True, 1 if flags & TokenFlag.USER_PIN_FINAL_TRY else None

    def pin_tries_left(self) -> int | None:
        """As PivSession's: None when no PIN is needed (here: logged in)."""
        needed, tries = self.pin_state()
        return tries if needed else None

    def pin_blocked(self) -> bool:
        try:
            self.pin_state()
        except PinBlockedError:
            return True
        return False

    def verify_pin(self, pin: str) -> None:
        """C_Login; PinError with the tries the token's flags tell after a wrong PIN."""
        from pkcs11 import TokenFlag
        from pkcs11 import exceptions as px

        if not pin or len(pin) > PIN_MAX or not pin.isprintable():
            raise PinFormatError()
        with _errors("C_Login"):
            try:
                self._session = self.token.open(user_pin=pin)
                return
            except px.PinIncorrect:
                pass
        flags = self._flags()  # a wrong PIN: what the token's flags say now
        if flags & TokenFlag.USER_PIN_LOCKED:
            raise PinBlockedError()
        tries = 1 if flags & TokenFlag.USER_PIN_FINAL_TRY else None
        raise PinError(0x63C0 | (tries or 0), tries)

    def sign(self, message: bytes, cert: x509.Certificate | None = None) -> bytes:
        """SHA-256(message) signed by the certificate's private key: ECDSA (DER) or RSA
        PKCS #1 v1.5, as PivSession.sign. The PIN must have been verified."""
        from pkcs11 import Mechanism

        if self._session is None:
            raise DeviceError("PKCS#11: sign before login")
        cert = cert or self.authentication_certificate()
        public = cert.public_key()
        with _errors("C_Sign"):
            key = self._private_key_for(cert)
            digest = hashlib.sha256(message).digest()
            if isinstance(public, ec.EllipticCurvePublicKey):
                # the digest as the curve's size (same integer): OpenSC's PIV wants 48 bytes
                # on P-384
                size = (public.curve.key_size + 7) // 8
                raw = key.sign(digest.rjust(size, b"\x00"), mechanism=Mechanism.ECDSA)  # r||s
                half = len(raw) // 2
                return encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                            int.from_bytes(raw[half:], "big"))
            if isinstance(public, rsa.RSAPublicKey):
                return bytes(key.sign(SHA256_DIGEST_INFO + digest, mechanism=Mechanism.RSA_PKCS))
        raise DeviceError("PKCS#11: unsupported key")

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                session.close()
            except Exception as err:  # the token may be gone
                log.debug("C_CloseSession: %s", type(err).__name__)

    def __enter__(self) -> Pkcs11Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ----------------------------------------------------------------------------
    def _flags(self) -> int:
        """The token's flags now (C_GetTokenInfo again: they change after each C_Login)."""
        with _errors("C_GetTokenInfo"):
            for slot in self._lib.get_slots(token_present=True):
                if slot.slot_id == self.token.slot.slot_id:
                    return int(slot.get_token().flags)
        raise CardRemovedError("PKCS#11: the token is gone")

    @staticmethod
    def _certificate_of(token: Any) -> x509.Certificate | None:
        from pkcs11 import Attribute, ObjectClass

        with token.open() as session:
            found: list[tuple[bool, int, x509.Certificate]] = []
            for obj in list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})):
                try:
                    cert = x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
                except ValueError:
                    continue
                label = str(obj[Attribute.LABEL] or "")
                found.append((not any(a in label for a in AUTH_LABELS), len(found), cert))
        return min(found, key=lambda f: (f[0], f[1]))[2] if found else None

    def _private_key_for(self, cert: x509.Certificate) -> Any:
        """The private key whose public half is the certificate's (by CKA_ID of the matching
        certificate object, else the only private key)."""
        from pkcs11 import Attribute, ObjectClass

        der = cert.public_bytes(serialization.Encoding.DER)
        # each search runs to its end before the next (one active search per session)
        certs = list(self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}))
        for obj in certs:
            if bytes(obj[Attribute.VALUE]) == der:
                keys = list(self._session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                                       Attribute.ID: obj[Attribute.ID]}))
                if keys:
                    return keys[0]
        keys = list(self._session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        if len(keys) == 1:
            return keys[0]
        raise DeviceError("PKCS#11: no private key for the certificate")


def open_pkcs11(family: str | None, reader: str | None = None, key_id: str | None = None,
                overrides: Mapping[str, str] | None = None) -> Pkcs11Session | None:
    """A session through the family's installed module, or None when none is installed."""
    from app.devices.tokens import load

    try:
        import pkcs11  # noqa: F401  (python-pkcs11: absent, the raw PIV path stays)
    except ImportError:
        return None
    module = load().pkcs11_module(family, overrides or module_overrides())
    if module is None:
        return None
    return Pkcs11Session(module, reader, key_id)


def open_key(connection: Connection, device: Device, key_id: str | None = None
             ) -> PivSession | Pkcs11Session:
    """The card's key. A card that answers the PIV SELECT: through its family's own middleware
    when that is installed (an IDPrime PIV card with Thales' module: the issuer's PIN rules
    and objects as the vendor reads them), else raw PIV over PC/SC (no middleware needed; OpenSC
    would only read the same APDUs). A card without PIV: through its family's PKCS#11 module
    (OpenSC's by default); NotPivError when neither reads it. A card the table does not name
    that answers as a payment card (app.devices.emv) is not handed to a module: it has said
    what it is."""
    from app.devices.emv import is_payment_card

    family = device.token.family if device.token else None
    try:
        piv = PivSession(connection)
    except NotPivError:
        if family is None and is_payment_card(connection):
            raise NotPivError("a payment card (EMV)") from None
        session = open_pkcs11(family, device.reader, key_id)
        if session is None:
            raise
        return session
    vendor = _vendor_session(family, device.reader, key_id)
    return vendor if vendor is not None else piv


def _vendor_session(family: str | None, reader: str, key_id: str | None
                    ) -> Pkcs11Session | None:
    """A session through the family's own installed module, or None (none installed, no
    binding, or the module cannot find this card: raw PIV reads it)."""
    from app.devices.tokens import DEFAULT_FAMILY, load

    if family in (None, DEFAULT_FAMILY, "virtual"):
        return None  # PIV-only families: no middleware of their own (settings not read)
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        return None
    module = load().vendor_module(family, module_overrides())
    if module is None:
        return None
    try:
        return Pkcs11Session(module, reader, key_id)
    except DeviceError as err:  # NotPivError too: the module does not see this card
        log.info("the %s module does not read this card (%s): raw PIV", family,
                 type(err).__name__)
        return None


# family → module path, from the settings (`[pkcs11] etoken=…`); set at start-up
MODULE_OVERRIDES: dict[str, str] = {}
_pending: list[Callable[[], Mapping[str, str]]] = []


def set_module_overrides(overrides: Mapping[str, str] | Callable[[], Mapping[str, str]]
                         ) -> None:
    """The settings' PKCS#11 modules (app.settings.Settings.pkcs11_modules), at start-up; a
    callable is read when a module is first looked for (`key diagnose` of a PIV key never
    pays for reading the settings)."""
    MODULE_OVERRIDES.clear()
    _pending.clear()
    if callable(overrides):
        _pending.append(overrides)
    else:
        MODULE_OVERRIDES.update(overrides)


def module_overrides() -> Mapping[str, str]:
    while _pending:
        MODULE_OVERRIDES.update(_pending.pop()())
    return MODULE_OVERRIDES
