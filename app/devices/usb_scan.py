"""USB scan (pyusb, only in this package) for the tokens of the token table.

It answers one support question: is a QHR token plugged in even though the smart-card service
does not see it (service stopped, driver missing, token in a bad state)? Only the device
descriptor is read (vendor and product ids): string descriptors need the device opened, which
a token used by the smart-card service does not allow anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.devices.tokens import Token, TokenTable, load, usb_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UsbToken:
    vendor: int
    product: int
    bus: int | None
    address: int | None
    token: Token

    def as_dict(self) -> dict[str, Any]:
        return {"id": usb_id(self.vendor, self.product), "bus": self.bus,
                "address": self.address, "token": self.token.name, "family": self.token.family}


@dataclass(frozen=True)
class UsbScan:
    tokens: list[UsbToken]
    available: bool  # False: no libusb back-end (e.g. Windows without libusb-1.0.dll)
    error: str = ""


def scan_usb(table: TokenTable | None = None) -> UsbScan:
    table = table or load()
    try:
        import usb.core

        devices = list(usb.core.find(find_all=True))
    except Exception as err:  # NoBackendError, USBError, OSError from the back-end
        log.info("USB scan unavailable: %s", err)
        return UsbScan([], False, f"{type(err).__name__}: {err}")
    tokens = []
    for dev in devices:
        token = table.identify_usb(dev.idVendor, dev.idProduct)
        if token:
            tokens.append(UsbToken(dev.idVendor, dev.idProduct, getattr(dev, "bus", None),
                                   getattr(dev, "address", None), token))
    return UsbScan(tokens, True)
