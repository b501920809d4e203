"""OAuth2 bearer tokens for the sync client: an `httpx.Auth` flow that adds the access token,
refreshes it (grant_type=refresh_token) when it expired or the server answers 401, and retries
the request once. The refresh token lives in the OS keyring, one entry per server and user; the
access token only in memory. The token endpoint is the one the server's SMART configuration
names (app.central.smart; set by FhirClient.endpoints before the first authorised request);
how the first tokens are obtained (code + PKCE in the browser, or the password grant where the
server offers it) is FhirClient's, the answer is taken here (`take_response`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import dataclass

import httpx
import keyring
import keyring.errors

from app.central.errors import Kind, SyncError, parse_retry_after, raise_for_status

KEYRING_SERVICE = "ClinicDesk sync"
EXPIRY_MARGIN = 30.0  # refresh this many seconds before the server's expiry
TOKEN_REPLY_BYTES = 64 * 1024  # a token answer is a few hundred bytes


class TokenStore:
    """The refresh token of one user on one server, in the OS keyring."""

    def __init__(self, server_url: str, username: str, service: str = KEYRING_SERVICE):
        self.service = service
        self.account = f"{username}@{server_url.rstrip('/')}"

    def load(self) -> str | None:
        try:
            return keyring.get_password(self.service, self.account)
        except keyring.errors.KeyringError as err:
            raise SyncError(Kind.AUTH, f"keyring unavailable: {type(err).__name__}") from err

    def save(self, refresh_token: str) -> None:
        try:
            keyring.set_password(self.service, self.account, refresh_token)
        except keyring.errors.KeyringError as err:
            raise SyncError(Kind.AUTH, f"keyring unavailable: {type(err).__name__}") from err

    def delete(self) -> None:
        try:
            keyring.delete_password(self.service, self.account)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as err:
            raise SyncError(Kind.AUTH, f"keyring unavailable: {type(err).__name__}") from err


@dataclass
class _Access:
    token: str | None = None
    expires_at: float = 0.0

    def usable(self) -> bool:
        return self.token is not None and time.monotonic() < self.expires_at - EXPIRY_MARGIN


class BearerAuth(httpx.Auth):
    """Adds `Authorization: Bearer …`; refreshes and retries once on 401."""

    # Bodies are read by the client's one send, capped (app.central.replies.read_capped); only
    # the token endpoint's small answers are read here (`_take`).
    requires_response_body = False

    def __init__(self, token_url: str | None, store: TokenStore):
        self.token_url = token_url  # None until discovered
        self.store = store
        self._access = _Access()
        self._lock = threading.Lock()
        self.refreshes = 0  # how many refresh grants were made (tests, figures)
        self.scope: str | None = None  # the scope the server granted, when it said

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            if not self._access.usable():
                self._take((yield self._refresh_request()))
            used = self._access.token
        request.headers["Authorization"] = f"Bearer {used}"
        response = yield request
        if response.status_code != 401:
            return
        with self._lock:
            if self._access.token == used:  # no other thread refreshed meanwhile
                self._take((yield self._refresh_request()))
        request.headers["Authorization"] = f"Bearer {self._access.token}"
        yield request

    def take_response(self, response: httpx.Response) -> None:
        with self._lock:
            self._take(response)

    def forget(self) -> None:
        with self._lock:
            self._access = _Access()
        self.store.delete()

    @property
    def access_token(self) -> str | None:
        return self._access.token

    def _refresh_request(self) -> httpx.Request:
        refresh = self.store.load()
        if not refresh or self.token_url is None:
            raise SyncError(Kind.AUTH, "not signed in")
        self.refreshes += 1
        return httpx.Request("POST", self.token_url, data={
            "grant_type": "refresh_token", "refresh_token": refresh})

    def _take(self, response: httpx.Response) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > TOKEN_REPLY_BYTES:
            raise SyncError(Kind.INVALID, "token response too large")
        response.read()
        if response.status_code in (400, 401):  # invalid_grant: revoked or expired
            self._access = _Access()
            self.store.delete()
            raise SyncError(Kind.AUTH, "token refused", status=response.status_code)
        if response.status_code == 429:  # sign-in throttled: say when to try again
            raise SyncError(Kind.THROTTLED, "sign-in throttled", status=429, retry_after=(
                parse_retry_after(response.headers.get("Retry-After"))))
        if response.status_code != 200:
            raise_for_status(response, "POST oauth/token")
        try:
            body = response.json()
            token, lifetime = body["access_token"], float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError) as err:
            raise SyncError(Kind.INVALID, "token response") from err
        self._access = _Access(token, time.monotonic() + lifetime)
        if isinstance(body.get("scope"), str):
            self.scope = body["scope"]
        if body.get("refresh_token"):
            self.store.save(body["refresh_token"])
