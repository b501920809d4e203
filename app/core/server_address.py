"""The central server's address: https only, except this computer's own loopback (the demo, the
tests), so that a password or a chart never crosses a network in clear.

    check_server_url(url) -> str        the address, stripped; InsecureServer if refused
    is_loopback_host(host) -> bool      127.0.0.0/8, ::1, localhost

Pure text: no name is resolved (a host name other than `localhost` is never taken as loopback,
whatever it resolves to), nothing is sent. Callers check before any connection: the sign-in
window, app.settings, the sync client (app.central.client.FhirClient refuses to be built) and
the command line's `--server`.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, text

CTX = "server"
NOT_HTTPS = QT_TRANSLATE_NOOP(
    CTX, "The server address must start with https:// (a connection without encryption "
    "would send your password and the charts in clear). Only this computer's own address "
    "(localhost, 127.0.0.1) may use http://.")
NOT_AN_ADDRESS = QT_TRANSLATE_NOOP(
    CTX, "This is not a server address: write it as https://emr.example.qc.ca")
# The command line has no translator: it prints both (a unit test keeps this equal to the .ts).
NOT_HTTPS_FR = (
    "L'adresse du serveur doit commencer par https:// (une connexion sans chiffrement "
    "enverrait votre mot de passe et les dossiers en clair). Seule l'adresse de cet "
    "ordinateur (localhost, 127.0.0.1) peut utiliser http://.")
NOT_AN_ADDRESS_FR = ("Ce n'est pas une adresse de serveur : écrivez-la comme "
                     "https://emr.example.qc.ca")


class InsecureServer(UserFacingError):
    """The address is not https (nor loopback), or not an address at all."""

    def __init__(self, source: str):
        super().__init__(text(CTX, source))
        self.french = NOT_HTTPS_FR if source == NOT_HTTPS else NOT_AN_ADDRESS_FR


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> str:
    """`url` stripped of spaces and trailing slashes, if it is https or http on loopback."""
    url = (url or "").strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        raise InsecureServer(NOT_AN_ADDRESS) from None
    if parts.scheme.lower() not in ("http", "https") or not host or parts.username \
            or parts.password or any(c.isspace() for c in url):
        raise InsecureServer(NOT_AN_ADDRESS)
    if parts.scheme.lower() == "http" and not is_loopback_host(host):
        raise InsecureServer(NOT_HTTPS)
    return url
