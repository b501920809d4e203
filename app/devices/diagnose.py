"""`diagnose()`: what support needs to know about the QHR key, in one look (no PIN asked).

Smart-card service state, readers, cards (ATR, identification, key identifier, PIN tries left),
USB tokens, the card the QHR session would use (app.devices.choose: the same choice), and one
verdict sentence in French and English, saying what to do, for a receptionist to read out.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from app.core.text import QT_TRANSLATE_NOOP, Text, text
from app.devices.choose import CardReport, choose, inspect_card
from app.devices.connection import PcscConnection
from app.devices.errors import CTX, NoServiceError
from app.devices.monitor import ServiceState
from app.devices.pcsc import PcscThread, scan
from app.devices.tokens import atr_hex, load, usb_id
from app.devices.usb_scan import UsbScan, scan_usb

# code → (English source, marked for Qt translation; French, read out over the phone)
VERDICTS = {
    "ready": (QT_TRANSLATE_NOOP(CTX, "The access key is connected and ready ({detail})."),
              "La clé d'accès est branchée et prête ({detail})."),
    "blocked": (QT_TRANSLATE_NOOP(
        CTX, "The access key is blocked (too many wrong PINs) and cannot open the QHR viewer: "
             "contact the issuer of the QHR key (or the clinic's support) to have it "
             "unblocked with its PUK."),
        "La clé d'accès est bloquée (trop de NIP erronés) et ne peut pas ouvrir le visualiseur "
        "DSQ : communiquez avec l'émetteur de la clé DSQ (ou le soutien de la clinique) pour "
        "la faire débloquer avec son PUK."),
    "unreadable": (QT_TRANSLATE_NOOP(
        CTX, "An access key is in the reader but cannot be read: unplug it and plug it back."),
        "Une clé d'accès est branchée mais illisible : débranchez-la puis rebranchez-la."),
    "no_service_token": (QT_TRANSLATE_NOOP(
        CTX, "The access key is plugged in but the smart-card service is stopped: restart it."),
        "La clé d'accès est branchée mais le service de carte à puce est arrêté : "
        "redémarrez-le."),
    "no_service": (QT_TRANSLATE_NOOP(
        CTX, "The smart-card service is not running on this computer."),
        "Le service de carte à puce ne fonctionne pas sur cet ordinateur."),
    "token_not_seen": (QT_TRANSLATE_NOOP(
        CTX, "The access key is plugged in but the smart-card service does not see it: "
             "unplug it and plug it back, or install its driver."),
        "La clé d'accès est branchée mais le service de carte à puce ne la voit pas : "
        "débranchez-la et rebranchez-la, ou installez son pilote."),
    "other_card": (QT_TRANSLATE_NOOP(
        CTX, "The card in the reader is not a QHR access key ({detail}): take it out and plug "
             "in your QHR key."),
        "La carte dans le lecteur n'est pas une clé d'accès DSQ ({detail}) : retirez-la et "
        "branchez votre clé DSQ."),
    "needs_middleware": (QT_TRANSLATE_NOOP(
        CTX, "The access key ({detail}) can only be read through its own software: install "
             "{middleware}, then unplug the key and plug it back."),
        "La clé d'accès ({detail}) ne peut être lue que par son propre logiciel : installez "
        "{middleware}, puis débranchez la clé et rebranchez-la."),
    "driver_missing": (QT_TRANSLATE_NOOP(
        CTX, "The access key {detail} is plugged in but its driver is not installed: install "
             "{middleware}, then unplug the key and plug it back."),
        "La clé d'accès {detail} est branchée mais son pilote n'est pas installé : installez "
        "{middleware}, puis débranchez la clé et rebranchez-la."),
    "wrong_key": (QT_TRANSLATE_NOOP(
        CTX, "The access key plugged in ({detail}) is not the one in your profile: plug in "
             "your own QHR key."),
        "La clé d'accès branchée ({detail}) n'est pas celle de votre profil : branchez votre "
        "propre clé DSQ."),
    "no_key": (QT_TRANSLATE_NOOP(CTX, "No access key is connected: plug in the access key."),
               "Aucune clé d'accès n'est branchée : branchez la clé d'accès."),
}


@dataclass
class Diagnosis:
    service: ServiceState
    readers: list[str] = field(default_factory=list)
    cards: list[CardReport] = field(default_factory=list)
    usb: UsbScan = field(default_factory=lambda: UsbScan([], False))
    verdict: str = "no_key"
    detail: str = ""
    middleware: str = ""
    wanted: str | None = None

    @property
    def chosen(self) -> CardReport | None:
        """The card the QHR session would use (app.devices.choose)."""
        return choose(self.cards, self.wanted)

    @property
    def usable(self) -> bool:
        return self.verdict == "ready"

    @property
    def text(self) -> Text:
        return text(CTX, VERDICTS[self.verdict][0], detail=self.detail,
                    middleware=self.middleware)

    @property
    def french(self) -> str:
        return VERDICTS[self.verdict][1].format(detail=self.detail, middleware=self.middleware)

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service.value, "service_message": str(self.service.text),
                "readers": self.readers, "cards": [c.as_dict() for c in self.cards],
                "usb": {"available": self.usb.available,
                        "tokens": [t.as_dict() for t in self.usb.tokens]},
                "usable": self.usable,
                "chosen": self.chosen.device.reader if self.chosen else None,
                "verdict": {"code": self.verdict, "en": str(self.text), "fr": self.french}}


def decide(diag: Diagnosis, windows: bool = sys.platform == "win32") -> tuple[str, str, str]:
    """(verdict code, detail, middleware) from what was found."""
    table = load()
    chosen = choose(diag.cards, diag.wanted)
    if chosen is not None and chosen.usable:
        if diag.wanted and chosen.key_id != diag.wanted:
            return "wrong_key", f"{chosen.key_id}", ""
        return "ready", f"{_name(chosen)}, {chosen.key_id}", ""
    if chosen is not None and chosen.pin_blocked:
        return "blocked", "", ""
    driverless = [t for t in diag.usb.tokens if not t.token.ccid]
    if driverless:  # a token the service cannot see without its vendor's driver
        token = driverless[0]
        family = table.family(token.token.family)
        return ("driver_missing", f"{token.token.name} ({usb_id(token.vendor, token.product)})",
                family.middleware if family else "")
    if chosen is not None and chosen.error_kind == "NotPivError":
        family = table.family(chosen.family)
        return "needs_middleware", _name(chosen), family.middleware if family else ""
    if chosen is not None:
        return "unreadable", "", ""
    if diag.service == ServiceState.NO_SERVICE:
        if windows and not diag.usb.tokens:
            # Windows 8+ stops the Smart Card service while no reader is attached: with the
            # token unplugged that is the normal state, not a failure
            return "no_key", "", ""
        return ("no_service_token" if diag.usb.tokens else "no_service"), "", ""
    if diag.usb.tokens:
        return "token_not_seen", "", ""
    if diag.cards:
        return "other_card", f"ATR {atr_hex(diag.cards[0].device.atr)}", ""
    return "no_key", "", ""


def _name(card: CardReport) -> str:
    return card.device.token.name if card.device.token else "PIV"


def diagnose(wanted: str | None = None) -> Diagnosis:
    """Everything, in one look; `wanted` is the user's key id (their profile's), if known."""
    wanted = (wanted or "").strip() or None
    with PcscThread() as thread:
        try:
            readers, devices = thread.call(lambda: scan(thread.context()))
            connect = partial(PcscConnection, thread)
            diag = Diagnosis(ServiceState.RUNNING if readers else ServiceState.NO_READERS,
                             readers, [inspect_card(lambda d: connect(d.reader), d, wanted)
                                       for d in devices])
        except NoServiceError:
            diag = Diagnosis(ServiceState.NO_SERVICE)
    diag.wanted = wanted
    diag.usb = scan_usb()
    diag.verdict, diag.detail, diag.middleware = decide(diag)
    return diag
