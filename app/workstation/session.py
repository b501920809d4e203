"""The real session, patient and chart services: the central server through app.sync, the
user's encrypted store through app.store.

`Session` holds a signed-in user's session from sign-in (app.workstation.signin: online or
offline, throttled) to sign-out: the store's one thread, the server's client when online, the
profile, and the password's check for the idle lock (throttled like the sign-in). Sign-out
signs out on the server and applies the cache's retention (app.store.retention).
`command_session` is the commands' session (no window, nothing purged at the end).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.profiles import UserProfile, profile_from_json
from app.workstation.contracts import DemoUser, SignedIn
from app.workstation.signin import PasswordRefused as PasswordRefused  # what sign_in raises
from app.workstation.signin import SignIn
from app.workstation.signin import TooManyAttempts as TooManyAttempts  # the sign-in's wait

if TYPE_CHECKING:
    from app.central.client import FhirClient
    from app.settings import Settings
    from app.store import StoreExecutor
    from app.store.throttle import Throttle

log = logging.getLogger(__name__)


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
        self._sign_in = SignIn(self.settings, self.throttle)
        self._lock = threading.Lock()

    def demo_users(self) -> Sequence[DemoUser]:
        return self._demo_users

    def probe(self, server: str) -> bool:
        from app.central.client import probe  # the central server's one HTTP seam

        return probe(server)  # within app.central.client.PROBE_TIMEOUT

    def browser_sign_in(self, server: str) -> bool:
        """Whether signing in to `server` goes through the browser (the window then asks for
        the workstation passphrase)."""
        from app.workstation.online_signin import browser_offered

        return browser_offered(server, self.open_browser)

    def store_exists(self, username: str) -> bool:
        """Whether `username` has a store here: if not, a browser sign-in chooses its
        passphrase (the window asks it twice)."""
        return self._sign_in.store_exists(username)

    def sign_in(self, server: str, username: str, password: str,
                cancel: threading.Event | None = None) -> SignedIn:
        server = server.rstrip("/")
        with self._lock:
            opened = self._sign_in(server, username, password, self.open_browser, cancel)
            self.executor, self.client, self.profile = (opened.executor, opened.client,
                                                        opened.profile)
            self._verifier, self._username = _Verifier(password), username
        return SignedIn(opened.profile, server, opened.client is not None)

    def wait_left(self, username: str | None = None) -> float:
        """Seconds before the next password attempt of `username` (default: the signed-in
        user) is accepted; 0 when it may be tried now."""
        username = self._username if username is None else username
        return self.throttle.wait_left(username) if username else 0.0

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

