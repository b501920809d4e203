"""The real session, patient and chart services: the central server through app.sync, the
user's encrypted store through app.store.

Sign-in: online when the server answers. Its endpoints come from its SMART configuration
(app.central.smart); then either
- the browser (when the session has `open_browser` and the server offers code + PKCE): the
  password typed in ClinicDesk is this workstation's passphrase for the user's store, never sent
  anywhere; it is checked against the store first (an existing store: a wrong one is refused
  before the browser opens), the user signs in to the server in the system browser, and the
  account signed in there must be the username typed here; on the first sign-in on this
  workstation the passphrase typed becomes the store's;
- or the password grant, where the server advertises it: the server password is also the
  store's (as before browser sign-in existed).
`/api/me` gives the profile; the user's store is unlocked, or created on the first sign-in on
this workstation. When the server cannot be reached, offline: `Store.unlock` checks the
password (or passphrase) against the keyring-wrapped key and the profile comes from the last
online sign-in. A wrong password is said as such, online or offline. The profile (staff data,
not patient data) is kept in the settings for offline use.

Guessing is slowed down here, below the UI (app.store.throttle): every sign-in (online or
offline) and every unlock of the idle lock asks the user's throttle first, so an attempt made
before the wait is over is refused (TooManyAttempts) without the password being checked, and a
wrong password tells how long to wait (`PasswordRefused.wait_s`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import UserFacingError
from app.core.profiles import UserProfile, profile_from_json, profile_to_json
from app.core.text import QT_TRANSLATE_NOOP, text
from app.store.throttle import TooManyAttempts as TooManyAttempts  # the sign-in's wait
from app.workstation.contracts import DemoUser, SignedIn

if TYPE_CHECKING:
    from app.central.client import FhirClient
    from app.settings import Settings
    from app.store import Store, StoreExecutor
    from app.store.throttle import Throttle

log = logging.getLogger(__name__)
CTX = "session"
WRONG_PASSWORD = QT_TRANSLATE_NOOP(CTX, "Wrong username or password.")
NEVER_ONLINE = QT_TRANSLATE_NOOP(
    CTX, "The central server cannot be reached, and you have never signed in on this "
    "workstation: sign in once while the server is reachable.")
PROBE_TIMEOUT = 2.0


class PasswordRefused(UserFacingError):
    """Wrong username or password; `wait_s`: the wait imposed before the next attempt."""

    def __init__(self, wait_s: float = 0.0):
        super().__init__(text(CTX, WRONG_PASSWORD))
        self.wait_s = wait_s


class _Verifier:
    """The password, as an in-memory scrypt hash, for re-entry after the idle lock."""

    def __init__(self, password: str):
        import os

        self._salt = os.urandom(16)
        self._hash = self._derive(password)

    def _derive(self, password: str) -> bytes:
        import hashlib

        return hashlib.scrypt(password.encode(), salt=self._salt, n=2**14, r=8, p=1)

    def check(self, password: str) -> bool:
        import hmac

        return hmac.compare_digest(self._hash, self._derive(password))


class Session:
    """SessionService over app.sync (online) and app.store (online and offline)."""

    def __init__(self, demo_users: Sequence[DemoUser] = (), settings: Settings | None = None,
                 throttle: Throttle | None = None,
                 open_browser: Callable[[str], bool] | None = None):
        """`open_browser(url)`: shows the server's sign-in page (webbrowser.open); None: the
        password grant only (commands, tests of that path)."""
        from app.settings import Settings
        from app.store.throttle import Throttle

        self._demo_users = tuple(demo_users)
        self.settings = settings or Settings()
        self.client: FhirClient | None = None  # when online
        self.executor: StoreExecutor | None = None  # the one thread that owns the store
        self.profile: UserProfile | None = None
        self._verifier: _Verifier | None = None
        self._username = ""  # as typed at sign-in: the throttle's key
        self.throttle = throttle or Throttle()
        self.open_browser = open_browser
        self._lock = threading.Lock()

    def demo_users(self) -> Sequence[DemoUser]:
        return self._demo_users

    def probe(self, server: str) -> bool:
        from app.central.client import probe  # the central server's one HTTP seam

        return probe(server, timeout=PROBE_TIMEOUT)

    def browser_sign_in(self, server: str) -> bool:
        """Whether signing in to `server` goes through the browser (the window then asks for
        the workstation passphrase)."""
        from app.workstation.online_signin import browser_offered

        return browser_offered(server, self.open_browser)

    def sign_in(self, server: str, username: str, password: str,
                cancel: threading.Event | None = None) -> SignedIn:
        from app.central.errors import Kind, SyncError
        from app.store.errors import WrongPassword

        server = server.rstrip("/")
        with self._lock:
            self.throttle.check(username)  # too early: refused, the password is not checked
            executor: StoreExecutor | None = None
            try:
                profile, client, executor = self._online(server, username, password, cancel)
                online = True
            except WrongPassword:  # the workstation passphrase, before the browser opened
                raise PasswordRefused(self.throttle.failed(username)) from None
            except SyncError as err:
                if err.kind is Kind.AUTH or err.status in (400, 401):
                    raise PasswordRefused(self.throttle.failed(username)) from None
                if not err.transient:
                    raise
                log.info("server unreachable (%s): offline sign-in", err.kind.value)
                profile, client, online = self._saved_profile(username), None, False
            if executor is None:
                try:
                    executor = self._open_store(username, password, create=online)
                except WrongPassword:  # offline: the store's wrapped key refused the password
                    if client is not None:  # online, the server took it: not a guess
                        client.close()
                        raise PasswordRefused() from None
                    raise PasswordRefused(self.throttle.failed(username)) from None
            self.throttle.succeeded(username)
            self.executor, self.client, self.profile = executor, client, profile
            self._verifier, self._username = _Verifier(password), username
        return SignedIn(profile, server, online)

    def wait_left(self, username: str | None = None) -> float:
        """Seconds before the next password attempt of `username` (default: the signed-in
        user) is accepted; 0 when it may be tried now."""
        username = self._username if username is None else username
        return self.throttle.wait_left(username) if username else 0.0

    def _online(self, server: str, username: str, password: str,
                cancel: threading.Event | None
                ) -> tuple[UserProfile, FhirClient, StoreExecutor | None]:
        """Signed in on the server: the profile, the client, and the user's store when the
        browser sign-in had to open it first (the passphrase checked before the browser)."""
        from app.central.client import ClientConfig as SyncSettings
        from app.central.client import FhirClient
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
                client, password, scope, self.open_browser, cancel,
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
        """The user's store if there is one on this workstation (WrongPassword: refused)."""
        from app.store import keys

        if not keys.default_path(username).exists():
            return None
        return self._open_store(username, password, create=False)

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

    def verify_password(self, password: str) -> bool:
        """The idle lock's check, throttled like sign-in (TooManyAttempts when too early)."""
        verifier, username = self._verifier, self._username
        if verifier is None or not username:
            return False
        self.throttle.check(username)
        ok = verifier.check(password)
        if ok:
            self.throttle.succeeded(username)
        else:
            self.throttle.failed(username)
        return ok

    def sign_out(self, purge_charts: bool = False) -> None:
        """Sign out; the cache keeps only the charts opened in the retention period, or none
        with `purge_charts` (app.store.retention)."""
        with self._lock:
            client, executor = self.client, self.executor
            self.client = self.executor = self.profile = self._verifier = None
            self._username = ""
        if client is not None:
            try:
                client.sign_out()
            finally:
                client.close()
        if executor is not None:
            try:
                self._apply_retention(executor, purge_charts)
            finally:
                executor.close()

    def _apply_retention(self, executor: StoreExecutor, purge_all: bool) -> None:
        from app.store import StoreError, retention

        days = self.settings.retention_days
        try:
            purged = executor.call(lambda store: retention.purge_all(store) if purge_all
                                   else retention.purge_stale(store, days))
            log.info("retention: %d charts removed from the cache", len(purged))
        except StoreError as err:
            log.warning("retention not applied: %s", type(err).__name__)


class SignedOut(RuntimeError):
    """A service of the session called after sign-out (a bug: the windows are closed)."""


def store_thread(session: Session) -> StoreExecutor:
    """The signed-in user's store, reached through its one thread."""
    if session.executor is None:
        raise SignedOut("no store: signed out")
    return session.executor


def user_of(session: Session) -> UserProfile:
    """The signed-in user's profile."""
    if session.profile is None:
        raise SignedOut("no user: signed out")
    return session.profile


@contextmanager
def command_session(username: str | None, password: str, *, server: str | None = None,
                    store_path: Path | None = None) -> Iterator[Session]:
    """The commands' session (`clinicdesk export`, `audit report`): the store at `store_path`
    (default: `username`'s; without `username`, the one recorded beside `store_path`) unlocked
    on its thread, throttled like the sign-in; online at `server` (the profile from `/api/me`),
    else the profile saved at the last online sign-in (SystemExit without one). Nothing is
    signed out or purged at the end: the store and the client are closed."""
    from app.store import StoreExecutor
    from app.store.throttle import unlock

    session = Session()
    session.executor = executor = StoreExecutor(
        lambda: unlock(username, password, path=store_path, throttle=session.throttle))
    try:
        store_user = executor.opened.result().username
        if server:
            from app.central.client import ClientConfig as SyncSettings
            from app.central.client import FhirClient

            session.client = client = FhirClient(SyncSettings(server_url=server,
                                                              username=store_user))
            if client.endpoints().password:
                client.sign_in(password)
            # else: the refresh token the last browser sign-in left in the keyring
            session.profile = profile_from_json(client.me())
        else:
            saved = session.settings.saved_profile(store_user)
            if not saved:
                raise SystemExit("no saved profile for this user: sign in online (--server)")
            session.profile = profile_from_json(json.loads(saved))
        yield session
    finally:
        if session.client is not None:
            session.client.close()
        executor.close()


def _warmed(future: Future[Any]) -> None:
    """The patient index read ahead of the first search (only speed is lost if it fails)."""
    if not future.cancelled() and future.exception() is not None:
        log.warning("patient index not warmed: %s", type(future.exception()).__name__)
