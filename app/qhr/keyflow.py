"""The key steps of opening a QHR session, on the devices layer's PC/SC thread (every APDU goes
through `KeyMonitor.connect`; a token without PIV through its middleware's PKCS#11 module,
app.devices.pkcs11_key.open_key): read the certificate, refuse a key that is not the profile's
(before any PIN is asked), take a challenge from the gateway, ask the PIN through the
`Interaction` until it verifies, sign, open the session at the gateway.

The PIN is asked again after a wrong one with the card's answer as the reason ("Wrong PIN",
tries left from 63 Cx), and after one that breaks the PIV rules with the rule (nothing was
sent: the tries are unchanged). A blocked key (69 83) raises PinBlockedError before any PIN is
asked.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from app.core.errors import Cancelled
from app.core.profiles import UserProfile
from app.devices.errors import PinError, PinFormatError
from app.devices.monitor import KeyMonitor
from app.devices.pcsc import Device
from app.devices.piv import KeyProof, key_identifier
from app.devices.pkcs11_key import open_key
from app.qhr.errors import GatewayRefused, WrongKey
from app.qhr.gateway import OpenedSession, QhrGateway

if TYPE_CHECKING:
    from app.qhr.session import Interaction


def authenticate(monitor: KeyMonitor, device: Device, user: UserProfile, gateway: QhrGateway,
                 interaction: Interaction, cancel: threading.Event) -> OpenedSession:
    wanted = (user.qhr_key_id or "").strip()
    with monitor.connect(device) as connection, open_key(connection, device, wanted) as key:
        cert = key.authentication_certificate()
        key_id = key_identifier(cert)
        if key_id != wanted:
            raise WrongKey()
        _check(cancel)
        challenge = gateway.challenge()
        (needed, tries), reason = key.pin_state(), None
        while needed:
            pin = interaction.request_pin(reason=reason, tries_left=tries, cancel=cancel)
            _check(cancel)
            if not pin:
                raise Cancelled()
            try:
                key.verify_pin(pin)
                needed = False
            except PinFormatError as err:  # refused before VERIFY: no try used
                reason = err.text
            except PinError as err:
                reason, tries = err.text, err.tries_left
        signature = key.sign(challenge, cert)
    _check(cancel)
    try:
        return gateway.open_session(challenge, KeyProof(key_id, cert, signature))
    except GatewayRefused as err:
        if err.error == "wrong_key" or "wrong_key" in err.conditions:
            raise WrongKey(detail=err.detail) from None
        raise


def _check(cancel: threading.Event) -> None:
    if cancel.is_set():
        raise Cancelled()
