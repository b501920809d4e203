"""Which card is the QHR key, among every reader and card: one answer for the session
(app.qhr.session) and for `key diagnose`, so that the two never disagree.

Every card is tried before being called "not a QHR key": the token table names the families
(app.devices.tokens), and a card that is not in it is asked for the PIV application (SELECT);
a card is a key when its authentication certificate can be read. Among the keys: the one whose
key id is the user's, then one the table names, then one found by its content. A bank card or
a built-in reader's card never is one (no PIV application, not in the table).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.devices.connection import Connection
from app.devices.errors import DeviceError, NotPivError, PinBlockedError
from app.devices.pcsc import Device

log = logging.getLogger(__name__)


@dataclass
class CardReport:
    """What one look at a card found (no PIN asked, no try used)."""

    device: Device
    piv: bool = False  # answered the PIV SELECT
    key_id: str | None = None
    pin_tries_left: int | None = None
    pin_blocked: bool = False
    error: str = ""
    error_kind: str = ""  # the DeviceError's class name ("NotPivError", "CardRemovedError"…)

    @property
    def in_table(self) -> bool:
        return self.device.token is not None

    @property
    def family(self) -> str | None:
        if self.device.token is not None:
            return self.device.token.family
        return "piv" if self.piv else None

    @property
    def is_key(self) -> bool:
        """A QHR key: named by the table, or found to be one by its content."""
        return self.in_table or self.key_id is not None

    @property
    def usable(self) -> bool:
        return self.key_id is not None and not self.pin_blocked

    def as_dict(self) -> dict[str, Any]:
        return {**self.device.as_dict(), "family": self.family, "piv": self.piv,
                "key_id": self.key_id, "pin_tries_left": self.pin_tries_left,
                "pin_blocked": self.pin_blocked, "usable": self.usable,
                "error": self.error or None}


def inspect_card(connect: Callable[[Device], Connection], device: Device,
                 wanted: str | None = None) -> CardReport:
    """PIV SELECT, then the PKCS#11 module of the card's family (app.devices.pkcs11_key:
    `open_key`): the certificate's key id, the PIN state (no PIN sent, no try used). `wanted`
    lets a module that does not name its slots after the readers find the user's token."""
    from app.devices.piv import PivSession, key_identifier
    from app.devices.pkcs11_key import open_key

    report = CardReport(device)
    try:
        with connect(device) as connection, open_key(connection, device, wanted) as key:
            report.piv = isinstance(key, PivSession)
            report.key_id = key_identifier(key.authentication_certificate())
            report.pin_tries_left = key.pin_state()[1]
    except PinBlockedError:
        report.pin_blocked = True
    except NotPivError as err:
        report.error, report.error_kind = str(err), type(err).__name__
    except DeviceError as err:
        log.info("card in a reader not read (%s)", type(err).__name__)
        report.error, report.error_kind = str(err), type(err).__name__
    return report


def rank(report: CardReport, wanted: str | None) -> tuple[int, int, int]:
    """Smaller is better: the user's key, then a usable key, then one the table names."""
    return (0 if wanted and report.key_id == wanted else 1, 0 if report.usable else 1,
            0 if report.in_table else 1)


def choose(reports: Sequence[CardReport], wanted: str | None = None) -> CardReport | None:
    """The card to use for a user whose profile names key `wanted` (None: any key): never a
    card that is not a key; a blocked or unreadable key only when no usable one is there."""
    keys = [r for r in reports if r.is_key]
    if not keys:
        return None
    wanted = (wanted or "").strip() or None
    return min(keys, key=lambda r: rank(r, wanted))
