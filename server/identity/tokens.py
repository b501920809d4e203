"""OAuth 2.0 tokens (RFC 6749 password and refresh_token grants, RFC 7009 revocation).

Access tokens are opaque, short-lived (`access_ttl`, 15 minutes by default) and checked in the
database on every request (every server process sees a revocation at once); refresh tokens
rotate on every use. Password checks go through the database-backed sign-in throttle
(server.identity.throttle): 429 + Retry-After.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable

from app.core.profiles import UserProfile
from server.identity.passwords import hash_password, verify_password
from server.identity.store import IdentityStore
from server.identity.throttle import SignInThrottle, Throttled

ACCESS_TTL = 900
REFRESH_TTL = 30 * 24 * 3600
PURGE_EVERY = 500  # sign-ins and refreshes between two purges of long-expired tokens
_DUMMY_HASH = hash_password("not a password", n=2**14)  # equal timing for unknown usernames


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: `error` code, description, HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400,
                 retry_after: int | None = None):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
        self.retry_after = retry_after  # seconds, with status 429

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


class TokenService:
    def __init__(self, identity: IdentityStore, access_ttl: float = ACCESS_TTL,
                 refresh_ttl: float = REFRESH_TTL, clock: Callable[[], float] = time.time):
        self.identity, self.access_ttl, self.refresh_ttl = identity, access_ttl, refresh_ttl
        self.clock = clock
        self._issued = 0
        self.throttle = SignInThrottle(identity, clock)

    def password_grant(self, username: str, password: str, address: str = "local") -> dict:
        """`address`: the client's (server.identity.throttle). Throttled: OAuthError 429."""
        try:
            reserved = self.throttle.reserve(username, address)
        except Throttled as throttled:
            raise OAuthError("invalid_grant", "too many failed sign-ins: try again later", 429,
                             retry_after=throttled.retry_after) from None
        found = self.identity.account(username) if username else None
        ok = verify_password(password, found[1] if found else _DUMMY_HASH)
        if not (found and ok):
            raise OAuthError("invalid_grant", "wrong username or password")
        self.throttle.succeeded(username, address, reserved)
        return self._issue(username, uuid.uuid4().hex)

    def refresh_grant(self, refresh_token: str) -> dict:
        row = self.identity.token(refresh_token)
        if row is None or row.kind != "refresh":
            raise OAuthError("invalid_grant", "unknown refresh token")
        if row.expires_at <= self.clock():
            raise OAuthError("invalid_grant", "refresh token expired")
        if row.revoked or not self.identity.consume(refresh_token):
            self._revoke_family(row.family)  # a used refresh token came back: replay
            raise OAuthError("invalid_grant", "refresh token already used or revoked")
        if self.identity.account(row.username) is None:
            raise OAuthError("invalid_grant", "account no longer exists")
        return self._issue(row.username, row.family)

    def _issue(self, username: str, family: str) -> dict:
        access, refresh, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock()
        self._issued += 1
        if self._issued % PURGE_EVERY == 0:  # keep expired rows a day (replay detection)
            self.identity.purge_expired(now - 86400)
        self.identity.add_tokens([
            (access, "access", username, family, now + self.access_ttl),
            (refresh, "refresh", username, family, now + self.refresh_ttl)])
        return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": int(self.access_ttl)}

    def revoke(self, token: str) -> None:
        """RFC 7009: revoking either token ends the whole grant; unknown tokens are ignored."""
        row = self.identity.token(token)
        if row is not None:
            self._revoke_family(row.family)

    def _revoke_family(self, family: str) -> None:
        self.identity.revoke_family(family)

    def authenticate(self, access_token: str) -> UserProfile | None:
        """The profile behind a valid, unexpired, unrevoked access token: asked of the
        database on every request (no per-process cache that another process's revocation
        would not reach; one indexed read)."""
        return self.identity.bearer(access_token, self.clock())
