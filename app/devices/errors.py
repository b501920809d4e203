"""DeviceError and its subclasses: what went wrong with the smart-card service, a reader or the
QHR key. Texts are for the user (translatable); `detail`/`str()` never hold card secrets."""

from __future__ import annotations

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, Text, text

CTX = "devices"

# ISO 7816-4 and NIST SP 800-73-4 status words, by name (for logs and ApduError).
SW_NAMES = {
    0x9000: "SUCCESS",
    0x6283: "SELECTED_FILE_INVALIDATED",
    0x6700: "WRONG_LENGTH",
    0x6882: "SECURE_MESSAGING_NOT_SUPPORTED",
    0x6982: "SECURITY_CONDITION_NOT_SATISFIED",
    0x6983: "AUTH_METHOD_BLOCKED",
    0x6984: "REFERENCE_DATA_NOT_USABLE",
    0x6985: "CONDITIONS_NOT_SATISFIED",
    0x6A80: "INCORRECT_DATA",
    0x6A81: "FUNCTION_NOT_SUPPORTED",
    0x6A82: "FILE_NOT_FOUND",
    0x6A84: "NOT_ENOUGH_MEMORY",
    0x6A86: "INCORRECT_P1_P2",
    0x6A88: "REFERENCE_DATA_NOT_FOUND",
    0x6B00: "WRONG_PARAMETERS",
    0x6D00: "INS_NOT_SUPPORTED",
    0x6E00: "CLA_NOT_SUPPORTED",
    0x6F00: "NO_PRECISE_DIAGNOSIS",
}


def sw_name(sw: int) -> str:
    if sw in SW_NAMES:
        return SW_NAMES[sw]
    if sw >> 8 == 0x61:
        return "MORE_DATA"
    if sw & 0xFFF0 == 0x63C0:
        return "VERIFY_FAIL_TRIES_LEFT"
    if sw >> 8 == 0x6C:
        return "WRONG_LE"
    return "UNKNOWN"


class DeviceError(UserFacingError):
    """Root of the devices layer's errors. `detail` is technical, for logs."""

    default = QT_TRANSLATE_NOOP(CTX, "The access key could not be used.")

    def __init__(self, detail: str = "", message: Text | None = None):
        super().__init__(message or text(CTX, self.default))
        self.detail = detail

    def __str__(self) -> str:
        return self.detail or self.text.source


class NoServiceError(DeviceError):
    """The smart-card service (pcscd / Windows SCardSvr) is missing or stopped."""

    default = QT_TRANSLATE_NOOP(CTX, "The smart-card service is not running on this computer.")


class NoReaderError(DeviceError):
    """The service runs but the reader (or token) is gone."""

    default = QT_TRANSLATE_NOOP(CTX, "No smart-card reader or access key is connected.")


class CardRemovedError(DeviceError):
    """The key was removed (or reset) during an operation."""

    default = QT_TRANSLATE_NOOP(CTX, "The access key was removed.")


class ApduError(DeviceError):
    """The card answered a command with a status word other than 90 00."""

    def __init__(self, data: bytes, sw: int, what: str = "", message: Text | None = None):
        self.data = data
        self.sw = sw
        super().__init__(f"{what + ': ' if what else ''}SW {sw:04X} {sw_name(sw)}", message)

    @property
    def sw_name(self) -> str:
        return sw_name(self.sw)


class NotPivError(DeviceError):
    """The card has no PIV application (SELECT answered 6A82…): read it through its
    middleware's PKCS#11 module, or it is not a QHR key."""

    default = QT_TRANSLATE_NOOP(
        CTX, "This card is not a QHR access key (or its middleware is not installed).")


class UnsupportedKeyError(DeviceError):
    """The certificate's key is of a type the key cannot sign with here (refused before the
    PIN is asked)."""

    default = QT_TRANSLATE_NOOP(
        CTX, "The key on this access key is of a type ClinicDesk cannot use: ask the issuer of "
             "your QHR key for a key with an ECC P-256/P-384 or RSA 2048/3072 certificate.")


class PinError(ApduError):
    """Wrong PIN; `tries_left` attempts remain before the key blocks (None: the key does not
    say how many, as PKCS#11 tokens before their last try)."""

    def __init__(self, sw: int, tries_left: int | None):
        message = (text(CTX, QT_TRANSLATE_NOOP(
            CTX, "Wrong PIN. {tries_left} attempt(s) left before the key locks."),
            tries_left=tries_left) if tries_left is not None else text(CTX, QT_TRANSLATE_NOOP(
                CTX, "Wrong PIN. The key locks after a few wrong PINs: type it carefully.")))
        super().__init__(b"", sw, "VERIFY", message)
        self.tries_left = tries_left


BLOCKED = QT_TRANSLATE_NOOP(
    CTX, "The QHR access key is blocked: its PIN was entered wrong too many times, and the key "
    "cannot be used until it is unblocked. Contact the issuer of your QHR key (or your "
    "clinic's support) to have it unblocked with its PUK.")


class PinBlockedError(ApduError):
    """The PIN is blocked (69 83, or 63 C0): the key must be unblocked by the issuer (PUK)."""

    def __init__(self, sw: int = 0x6983):
        super().__init__(b"", sw, "VERIFY", text(CTX, BLOCKED))


PIN_LENGTH = QT_TRANSLATE_NOOP(
    CTX, "The PIN of the QHR access key has 6 to 8 digits; {length} were typed. Nothing was "
    "sent to the key: no attempt was used.")
PIN_CHARACTERS = QT_TRANSLATE_NOOP(
    CTX, "The PIN of the QHR access key has digits only (0 to 9). Nothing was sent to the key: "
    "no attempt was used.")


class PinFormatError(DeviceError):
    """The PIN breaks the card's PIN rules: refused before anything is sent (no try used)."""

    def __init__(self, length: int | None = None):
        message = (text(CTX, PIN_LENGTH, length=length) if length is not None
                   else text(CTX, PIN_CHARACTERS))
        super().__init__("PIN refused locally: " + ("length" if length is not None
                                                   else "characters"), message)
        self.length = length


class VirtualKeyForbiddenError(DeviceError):
    """The virtual QHR key was asked to start outside the demo and the tests."""

    default = QT_TRANSLATE_NOOP(
        CTX, "The virtual access key is only available in the demo and in tests.")
