"""`diagnose()`: what support needs to know about the QHR key, in one look (no PIN asked).

Smart-card service state, readers, cards (ATR, identification, key identifier, PIN tries left),
USB tokens, and one verdict sentence in French and English for a receptionist to read out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.text import QT_TRANSLATE_NOOP, Text, text
from app.devices.errors import CTX, DeviceError, NoServiceError, PinBlockedError
from app.devices.monitor import ServiceState
from app.devices.pcsc import Device, PcscThread, scan
from app.devices.tokens import atr_hex
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
        CTX, "A card is in the reader but it is not a QHR access key ({detail})."),
        "Une carte est dans le lecteur mais ce n'est pas une clé d'accès DSQ ({detail})."),
    "no_key": (QT_TRANSLATE_NOOP(CTX, "No access key is connected: plug in the access key."),
               "Aucune clé d'accès n'est branchée : branchez la clé d'accès."),
}


@dataclass
class CardReport:
    device: Device
    key_id: str | None = None
    pin_tries_left: int | None = None
    pin_blocked: bool = False
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.device.is_key and self.key_id is not None and not self.pin_blocked

    def as_dict(self) -> dict:
        return {**self.device.as_dict(), "key_id": self.key_id,
                "pin_tries_left": self.pin_tries_left, "pin_blocked": self.pin_blocked,
                "usable": self.usable, "error": self.error or None}


@dataclass
class Diagnosis:
    service: ServiceState
    readers: list[str] = field(default_factory=list)
    cards: list[CardReport] = field(default_factory=list)
    usb: UsbScan = field(default_factory=lambda: UsbScan([], False))
    verdict: str = "no_key"
    detail: str = ""

    @property
    def usable(self) -> bool:
        return any(card.usable for card in self.cards)

    @property
    def text(self) -> Text:
        return text(CTX, VERDICTS[self.verdict][0], detail=self.detail)

    @property
    def french(self) -> str:
        return VERDICTS[self.verdict][1].format(detail=self.detail)

    def as_dict(self) -> dict:
        return {"service": self.service.value, "service_message": str(self.service.text),
                "readers": self.readers, "cards": [c.as_dict() for c in self.cards],
                "usb": {"available": self.usb.available,
                        "tokens": [t.as_dict() for t in self.usb.tokens]},
                "usable": self.usable,
                "verdict": {"code": self.verdict, "en": str(self.text), "fr": self.french}}


def inspect_card(thread: PcscThread, device: Device) -> CardReport:
    from app.devices.connection import PcscConnection
    from app.devices.piv import PivSession, key_identifier

    report = CardReport(device)
    if not device.is_key:
        return report
    try:
        with PcscConnection(thread, device.reader) as connection:
            piv = PivSession(connection)
            report.key_id = key_identifier(piv.authentication_certificate())
            report.pin_tries_left = piv.pin_tries_left()
    except PinBlockedError:
        report.pin_blocked = True
    except DeviceError as err:
        report.error = str(err)
    return report


def decide(diag: Diagnosis) -> tuple[str, str]:
    usable = [c for c in diag.cards if c.usable]
    if usable:
        card = usable[0]
        return "ready", f"{card.device.token.name}, {card.key_id}"
    if any(c.pin_blocked for c in diag.cards):
        return "blocked", ""
    if any(c.device.is_key for c in diag.cards):
        return "unreadable", ""
    if diag.service == ServiceState.NO_SERVICE:
        return ("no_service_token" if diag.usb.tokens else "no_service"), ""
    if diag.usb.tokens:
        return "token_not_seen", ""
    if diag.cards:
        return "other_card", f"ATR {atr_hex(diag.cards[0].device.atr)}"
    return "no_key", ""


def diagnose() -> Diagnosis:
    with PcscThread() as thread:
        try:
            readers, devices = thread.call(lambda: scan(thread.context()))
            diag = Diagnosis(ServiceState.RUNNING if readers else ServiceState.NO_READERS,
                             readers, [inspect_card(thread, d) for d in devices])
        except NoServiceError:
            diag = Diagnosis(ServiceState.NO_SERVICE)
    diag.usb = scan_usb()
    diag.verdict, diag.detail = decide(diag)
    return diag
