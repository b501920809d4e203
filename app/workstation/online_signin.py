"""Signing in on the central server: its SMART configuration says how (app.central.smart),
then either the system browser (code + PKCE, when the session can open one) or the password
grant where the server advertises it. What the typed password means in each case, and how the
store stays bound to it, is told in app.workstation.signin."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, text

if TYPE_CHECKING:
    from app.central.client import FhirClient
    from app.store import StoreExecutor

CTX = "session"
BROWSER_NOT_DONE = QT_TRANSLATE_NOOP(
    CTX, "Sign-in in the web browser was not completed. Try again.")
NO_BROWSER = QT_TRANSLATE_NOOP(
    CTX, "The web browser could not be opened to sign in to the server.")
OTHER_USER = QT_TRANSLATE_NOOP(
    CTX, "You signed in in the web browser as another user than the one entered here.")
NO_SIGN_IN = QT_TRANSLATE_NOOP(
    CTX, "This server offers no sign-in that ClinicDesk can use.")
BROWSER_TIMEOUT = 300.0  # seconds the user has to sign in in the browser
DISCOVERY_TIMEOUT = 2.0

OpenBrowser = Callable[[str], bool]


def browser_offered(server: str, open_browser: OpenBrowser | None) -> bool:
    """Whether signing in to `server` goes through the browser; False when it cannot be told
    (unreachable: the offline sign-in asks the store's passphrase anyway)."""
    from app.central.client import ClientConfig, FhirClient
    from app.central.errors import SyncError
    from app.core.server_address import InsecureServer

    if open_browser is None:
        return False
    try:
        client = FhirClient(ClientConfig(server.rstrip("/"), "", timeout=DISCOVERY_TIMEOUT,
                                         connect_timeout=DISCOVERY_TIMEOUT))
    except InsecureServer:
        return False
    try:
        return client.endpoints().browser
    except SyncError:
        return False
    finally:
        client.close()


def authenticate(client: FhirClient, password: str, scope: str,
                 open_browser: OpenBrowser | None, cancel: threading.Event | None,
                 unlock: Callable[[], StoreExecutor | None]) -> StoreExecutor | None:
    """Tokens for `client`. Through the browser, `unlock()` first opens the user's store with
    the typed passphrase (None: no store yet), so a wrong one never opens the browser; that
    store is returned. SyncError as FhirClient raises them (AUTH: wrong password)."""
    endpoints = client.endpoints()
    if open_browser is not None and endpoints.browser:
        executor = unlock()
        try:
            _in_browser(client, open_browser, scope, cancel)
        except BaseException:
            if executor is not None:
                executor.close()
            raise
        return executor
    if endpoints.password:
        client.sign_in(password, scope)
        return None
    raise UserFacingError(text(CTX, NO_SIGN_IN))


def _in_browser(client: FhirClient, open_browser: OpenBrowser, scope: str,
                cancel: threading.Event | None) -> None:
    from app.central.errors import Kind, SyncError

    try:
        client.sign_in_browser(open_browser, scope, timeout=BROWSER_TIMEOUT, cancel=cancel)
    except SyncError as err:
        if err.kind is Kind.AUTH:  # refused, wrong state, too late: not a password guess
            raise UserFacingError(text(CTX, BROWSER_NOT_DONE)) from None
        if err.kind is Kind.CLIENT:
            raise UserFacingError(text(CTX, NO_BROWSER)) from None
        raise


def check_account(client: FhirClient, signed_in: str, typed: str) -> None:
    """The account signed in in the browser must be the one typed (its store, its throttle)."""
    if signed_in != typed:
        client.sign_out()
        raise UserFacingError(text(CTX, OTHER_USER))
