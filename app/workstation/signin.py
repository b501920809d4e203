"""Sign-in below the window (app.ui.signin): from the username and password typed to the
user's open store, the central server's client (online) and the user's profile.

Online when the server answers. Its endpoints come from its SMART configuration
(app.central.smart); then either
- the browser (when the session has `open_browser` and the server offers code + PKCE): the
  password typed in ClinicDesk is this workstation's passphrase for the user's store, never sent
  anywhere; it is checked against the store first (an existing store: a wrong one is refused
  before the browser opens), the user signs in to the server in the system browser, and the
  account signed in there must be the username typed here; on the first sign-in on this
  workstation the passphrase typed becomes the store's, once app.workstation.passphrase's rule
  accepts it (checked before the browser opens; the window also asks it twice then);
- or the password grant, where the server advertises it: the server password is also the
  store's (as before browser sign-in existed).
`/api/me` gives the profile; the user's store is unlocked, or created on the first sign-in on
this workstation. When the server cannot be reached, offline: `Store.unlock` checks the
password (or passphrase) against the keyring-wrapped key and the profile comes from the last
online sign-in. A wrong password is said as such, online or offline. The profile (staff data,
not patient data) is kept in the settings for offline use.

Guessing is slowed down here, below the UI (app.store.throttle): every sign-in (online or
offline) asks the user's throttle first, so an attempt made before the wait is over is refused
(TooManyAttempts) without the password being checked, and a wrong password tells how long to
wait (`PasswordRefused.wait_s`). The idle lock's unlock is throttled alike
(app.workstation.session).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.errors import UserFacingError
from app.core.profiles import UserProfile, profile_from_json, profile_to_json
from app.core.text import QT_TRANSLATE_NOOP, text
from app.store.throttle import TooManyAttempts as TooManyAttempts  # the sign-in's wait

if TYPE_CHECKING:
    from app.central.client import FhirClient
    from app.settings import Settings
    from app.store import Store, StoreExecutor
    from app.store.throttle import Throttle

log = logging.getLogger(__name__)
CTX = "session"  # the translations' context
WRONG_PASSWORD = QT_TRANSLATE_NOOP(CTX, "Wrong username or password.")
NEVER_ONLINE = QT_TRANSLATE_NOOP(
    CTX, "The central server cannot be reached, and you have never signed in on this "
    "workstation: sign in once while the server is reachable.")


class PasswordRefused(UserFacingError):
    """Wrong username or password; `wait_s`: the wait imposed before the next attempt."""

    def __init__(self, wait_s: float = 0.0):
        super().__init__(text(CTX, WRONG_PASSWORD))
        self.wait_s = wait_s


@dataclass(frozen=True)
class Opened:
    """What a sign-in opens: the user's profile, store and (online) the server's client."""

    profile: UserProfile
    client: FhirClient | None  # None: signed in offline
    executor: StoreExecutor  # the one thread that owns the store


class SignIn:
    """The sign-in steps, with the settings (saved profiles) and the throttle they use."""

    def __init__(self, settings: Settings, throttle: Throttle):
        self.settings, self.throttle = settings, throttle

    def __call__(self, server: str, username: str, password: str,
                 open_browser: Callable[[str], bool] | None,
                 cancel: threading.Event | None = None) -> Opened:
        """Online when the server answers, else offline; PasswordRefused (counted by the
        throttle), TooManyAttempts (too early: the password is not checked)."""
        from app.central.errors import Kind, SyncError
        from app.store.errors import WrongPassword

        self.throttle.check(username)  # too early: refused, the password is not checked
        executor: StoreExecutor | None = None
        try:
            profile, client, executor = self._online(server, username, password, open_browser,
                                                     cancel)
        except WrongPassword:  # the workstation passphrase, before the browser opened
            raise PasswordRefused(self.throttle.failed(username)) from None
        except SyncError as err:
            if err.kind is Kind.AUTH or err.status in (400, 401):
                raise PasswordRefused(self.throttle.failed(username)) from None
            if not err.transient:
                raise
            log.info("server unreachable (%s): offline sign-in", err.kind.value)
            profile, client = self._saved_profile(username), None
        if executor is None:
            try:
                executor = self._open_store(username, password, create=client is not None)
            except WrongPassword:  # offline: the store's wrapped key refused the password
                if client is not None:  # online, the server took it: not a guess
                    client.close()
                    raise PasswordRefused() from None
                raise PasswordRefused(self.throttle.failed(username)) from None
        self.throttle.succeeded(username)
        return Opened(profile, client, executor)

    def _online(self, server: str, username: str, password: str,
                open_browser: Callable[[str], bool] | None, cancel: threading.Event | None
                ) -> tuple[UserProfile, FhirClient, StoreExecutor | None]:
        """Signed in on the server: the profile, the client, and the user's store when the
        browser sign-in had to open it first (the passphrase checked before the browser)."""
        from app.central.client import PROBE_TIMEOUT, FhirClient
        from app.central.client import ClientConfig as SyncSettings
        from app.core import smart_scopes
        from app.workstation import online_signin

        client = FhirClient(SyncSettings(server_url=server, username=username,
                                         connect_timeout=PROBE_TIMEOUT,
                                         limits=self.settings.reply_limits()))
        executor: StoreExecutor | None = None
        try:
            saved = self.settings.saved_profile(username)
            scope = smart_scopes.requested(profile_from_json(json.loads(saved)) if saved
                                           else None)
            executor = online_signin.authenticate(
                client, password, scope, open_browser, cancel,
                lambda: self._existing_store(username, password))
            profile = profile_from_json(client.me())
            online_signin.check_account(client, profile.username, username)
        except BaseException:
            client.close()
            if executor is not None:
                executor.close()
            raise
        self.settings.save_profile(profile.username, json.dumps(profile_to_json(profile)))
        return profile, client, executor

    def _existing_store(self, username: str, password: str) -> StoreExecutor | None:
        """The user's store if there is one on this workstation (WrongPassword: refused);
        else None once the passphrase is one a new store may have (WeakPassphrase)."""
        from app.workstation.passphrase import check_new

        if not self.store_exists(username):
            check_new(username, password)
            return None
        return self._open_store(username, password, create=False)

    @staticmethod
    def store_exists(username: str) -> bool:
        """Whether `username` has a store on this workstation (its first sign-in here if not)."""
        from app.store import keys

        return keys.default_path(username).exists()

    def _saved_profile(self, username: str) -> UserProfile:
        saved = self.settings.saved_profile(username)
        if not saved:
            raise UserFacingError(text(CTX, NEVER_ONLINE))
        return profile_from_json(json.loads(saved))

    def _open_store(self, username: str, password: str, *, create: bool) -> StoreExecutor:
        """The user's store on its own thread; created at the first online sign-in."""
        from app.store import Store, StoreExecutor
        from app.store.errors import StoreNotFound

        def opener() -> Store:
            try:
                return Store.unlock(username, password)  # WrongPassword: counted by sign_in
            except StoreNotFound:
                if not create:
                    raise UserFacingError(text(CTX, NEVER_ONLINE)) from None
                return Store.create(username, password)

        executor = StoreExecutor(opener)
        try:
            executor.opened.result()
        except BaseException:
            executor.close()
            raise
        executor.submit(lambda store: store.warm_index()).add_done_callback(_warmed)
        return executor


def _warmed(future: Future[Any]) -> None:
    """The patient index read ahead of the first search (only speed is lost if it fails)."""
    if not future.cancelled() and future.exception() is not None:
        log.warning("patient index not warmed: %s", type(future.exception()).__name__)
