"""The real session, patient and chart services: the central server through app.sync, the
user's encrypted store through app.store.

Sign-in: online when the server answers (password grant → token, `/api/me` → profile; the
user's store is unlocked, or created on the first sign-in on this workstation); when the server
cannot be reached, offline: `Store.unlock` checks the password against the keyring verifier and
the profile comes from the last online sign-in. A wrong password is said as such, online or
offline. The profile (staff data, not patient data) is kept in the settings for offline use.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence

from app.core.errors import UserFacingError
from app.core.profiles import UserProfile, profile_from_json, profile_to_json
from app.core.text import QT_TRANSLATE_NOOP, text
from app.ui.services import DemoUser, Session

log = logging.getLogger(__name__)
CTX = "session"
WRONG_PASSWORD = QT_TRANSLATE_NOOP(CTX, "Wrong username or password.")
NEVER_ONLINE = QT_TRANSLATE_NOOP(
    CTX, "The central server cannot be reached, and you have never signed in on this "
    "workstation: sign in once while the server is reachable.")
PROBE_TIMEOUT = 2.0


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


class RemoteSession:
    """SessionService over app.sync (online) and app.store (online and offline)."""

    def __init__(self, demo_users: Sequence[DemoUser] = (), settings=None):
        from app.settings import Settings

        self._demo_users = tuple(demo_users)
        self.settings = settings or Settings()
        self.client = None  # app.sync.client.FhirClient when online
        self.executor = None  # app.store.StoreExecutor: the one thread that owns the store
        self.profile: UserProfile | None = None
        self._verifier: _Verifier | None = None
        self._lock = threading.Lock()

    def demo_users(self) -> Sequence[DemoUser]:
        return self._demo_users

    def probe(self, server: str) -> bool:
        import httpx

        from app.core.server_address import InsecureServer, check_server_url

        try:
            server = check_server_url(server)  # never a byte to a plain-http address
        except InsecureServer:
            return False
        try:
            return httpx.get(server.rstrip("/") + "/health", timeout=PROBE_TIMEOUT).is_success
        except httpx.HTTPError:
            return False

    def sign_in(self, server: str, username: str, password: str,
                cancel: threading.Event | None = None) -> Session:
        from app.sync.errors import Kind, SyncError

        server = server.rstrip("/")
        with self._lock:
            try:
                profile, client = self._online(server, username, password)
                online = True
            except SyncError as err:
                if err.kind is Kind.AUTH or err.status in (400, 401):
                    raise UserFacingError(text(CTX, WRONG_PASSWORD)) from None
                if not err.transient:
                    raise
                log.info("server unreachable (%s): offline sign-in", err.kind.value)
                profile, client, online = self._saved_profile(username), None, False
            self.executor = self._open_store(username, password, create=online)
            self.client, self.profile = client, profile
            self._verifier = _Verifier(password)
        return Session(profile, server, online)

    def _online(self, server: str, username: str, password: str):
        from app.sync.client import FhirClient
        from app.sync.client import Settings as SyncSettings

        client = FhirClient(SyncSettings(server_url=server, username=username,
                                         connect_timeout=PROBE_TIMEOUT))
        try:
            client.sign_in(password)
            profile = profile_from_json(client.me())
        except BaseException:
            client.close()
            raise
        self.settings.save_profile(profile.username, json.dumps(profile_to_json(profile)))
        return profile, client

    def _saved_profile(self, username: str) -> UserProfile:
        saved = self.settings.saved_profile(username)
        if not saved:
            raise UserFacingError(text(CTX, NEVER_ONLINE))
        return profile_from_json(json.loads(saved))

    def _open_store(self, username: str, password: str, *, create: bool):
        """The user's store on its own thread; created at the first online sign-in."""
        from app.store import Store, StoreExecutor
        from app.store.errors import StoreNotFound, WrongPassword

        def opener() -> Store:
            try:
                return Store.unlock(username, password)
            except StoreNotFound:
                if not create:
                    raise UserFacingError(text(CTX, NEVER_ONLINE)) from None
                return Store.create(username, password)
            except WrongPassword:
                raise UserFacingError(text(CTX, WRONG_PASSWORD)) from None

        executor = StoreExecutor(opener)
        try:
            executor.opened.result()
        except BaseException:
            executor.close()
            raise
        executor.submit(lambda store: store.warm_index()).add_done_callback(_warmed)
        return executor

    def verify_password(self, password: str) -> bool:
        return bool(self._verifier and self._verifier.check(password))

    def sign_out(self, purge_charts: bool = False) -> None:
        """Sign out; the cache keeps only the charts opened in the retention period, or none
        with `purge_charts` (app.store.retention)."""
        with self._lock:
            client, executor = self.client, self.executor
            self.client = self.executor = self.profile = self._verifier = None
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

    def _apply_retention(self, executor, purge_all: bool) -> None:
        from app.store import StoreError, retention

        days = self.settings.retention_days
        try:
            purged = executor.call(lambda store: retention.purge_all(store) if purge_all
                                   else retention.purge_stale(store, days))
            log.info("retention: %d charts removed from the cache", len(purged))
        except StoreError as err:
            log.warning("retention not applied: %s", type(err).__name__)


def _warmed(future) -> None:
    """The patient index read ahead of the first search (only speed is lost if it fails)."""
    if not future.cancelled() and future.exception() is not None:
        log.warning("patient index not warmed: %s", type(future.exception()).__name__)
