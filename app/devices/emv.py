"""A payment card (EMV) tells what it is: it answers the SELECT of its payment directory
(PSE "1PAY.SYS.DDF01" in contact, PPSE "2PAY.SYS.DDF01" contactless; EMV Book 1, 12.2.2).

Such a card has been tried by its content and is not a QHR key: the PKCS#11 module (hundreds of
milliseconds to load and to scan every reader) is not asked about a bank card left in a
laptop's built-in reader. Only SELECTs are sent; nothing is read from the card.
"""

from __future__ import annotations

import logging

from app.devices.connection import Connection
from app.devices.errors import DeviceError

log = logging.getLogger(__name__)
DIRECTORIES = (b"1PAY.SYS.DDF01", b"2PAY.SYS.DDF01")


def select_apdu(name: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(name)]) + name + b"\x00"


def is_payment_card(connection: Connection) -> bool:
    """True when the card answers a payment directory's SELECT (9000, or 61xx: more to read)."""
    for name in DIRECTORIES:
        try:
            _data, sw = connection.send_and_receive(select_apdu(name))
        except DeviceError as err:
            log.debug("payment directory SELECT failed (%s)", type(err).__name__)
            return False
        if sw == 0x9000 or sw >> 8 == 0x61:
            return True
    return False
