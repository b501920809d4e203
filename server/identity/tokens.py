"""OAuth 2.0 tokens: RFC 6749 authorization_code (with PKCE, RFC 7636, S256 only), password
and refresh_token grants, RFC 7009 revocation.

Access tokens are opaque, short-lived (`access_ttl`, 15 minutes by default) and checked in the
database on every request (every server process sees a revocation at once); refresh tokens
rotate on every use. Password checks (the token endpoint's password grant and the login page of
the authorization endpoint alike) go through the database-backed sign-in throttle
(server.identity.throttle): 429 + Retry-After. Authorization codes are single-use, live
CODE_TTL seconds, and are bound to the client_id, redirect_uri and PKCE challenge they were
issued for; a code presented twice revokes the tokens the first use gave (RFC 6749 §4.1.2).
Scopes granted are the asked ones narrowed to the role (app.core.smart_scopes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable

from app.core import smart_scopes
from app.core.profiles import UserProfile
from server.identity.passwords import hash_password, verify_password
from server.identity.store import CodeGrant, IdentityStore
from server.identity.throttle import SignInThrottle, Throttled

ACCESS_TTL = 900
REFRESH_TTL = 30 * 24 * 3600
CODE_TTL = 60  # seconds an authorization code may wait for its exchange
PURGE_EVERY = 500  # sign-ins and refreshes between two purges of long-expired tokens
IDENTITY_SCOPES = ("offline_access",)  # no id_token is issued: openid/fhirUser not granted
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


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class TokenService:
    def __init__(self, identity: IdentityStore, access_ttl: float = ACCESS_TTL,
                 refresh_ttl: float = REFRESH_TTL, clock: Callable[[], float] = time.time):
        self.identity, self.access_ttl, self.refresh_ttl = identity, access_ttl, refresh_ttl
        self.clock = clock
        self._issued = 0
        self.throttle = SignInThrottle(identity, clock)

    def check_password(self, username: str, password: str, address: str) -> UserProfile:
        """The account's profile if the password is right; OAuthError otherwise (429 when
        throttled: nothing is checked then)."""
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
        return found[0]

    def password_grant(self, username: str, password: str, address: str = "local",
                       scope: str | None = None) -> dict:
        """`address`: the client's (server.identity.throttle). Throttled: OAuthError 429."""
        profile = self.check_password(username, password, address)
        return self._issue(username, uuid.uuid4().hex, self._narrow(scope, profile))

    def issue_code(self, profile: UserProfile, client_id: str, redirect_uri: str,
                   challenge: str, scope: str | None) -> str:
        """A new authorization code for a signed-in user (the login page's success)."""
        code = secrets.token_urlsafe(32)
        self.identity.add_code(code, CodeGrant(
            profile.username, client_id, redirect_uri, challenge,
            smart_scopes.narrow(scope or "", profile, IDENTITY_SCOPES), uuid.uuid4().hex,
            self.clock() + CODE_TTL))
        return code

    def code_grant(self, code: str, client_id: str, redirect_uri: str, verifier: str) -> dict:
        used = self.identity.use_code(code)
        if used is None:
            raise OAuthError("invalid_grant", "unknown authorization code")
        grant, first = used
        if not first:
            self._revoke_family(grant.family)  # replayed: what the first use gave ends too
            raise OAuthError("invalid_grant", "authorization code already used")
        if grant.expires_at <= self.clock():
            raise OAuthError("invalid_grant", "authorization code expired")
        if not (hmac.compare_digest(grant.client_id, client_id)
                and hmac.compare_digest(grant.redirect_uri, redirect_uri)):
            raise OAuthError("invalid_grant", "client_id or redirect_uri differs from the "
                             "authorization request")
        if not hmac.compare_digest(grant.challenge, s256(verifier)):
            raise OAuthError("invalid_grant", "code_verifier does not match the challenge")
        if self.identity.account(grant.username) is None:
            raise OAuthError("invalid_grant", "account no longer exists")
        return self._issue(grant.username, grant.family, grant.scope)

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
        return self._issue(row.username, row.family, self.identity.scope(row.family),
                           new_grant=False)

    def _narrow(self, scope: str | None, profile: UserProfile) -> str | None:
        """No scope asked (the older clients' password grant): None, the role decides alone."""
        if scope is None:
            return None
        return smart_scopes.narrow(scope, profile, IDENTITY_SCOPES)

    def _issue(self, username: str, family: str, scope: str | None = None,
               new_grant: bool = True) -> dict:
        access, refresh, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock()
        self._issued += 1
        if self._issued % PURGE_EVERY == 0:  # keep expired rows a day (replay detection)
            self.identity.purge_expired(now - 86400)
        self.identity.add_tokens([
            (access, "access", username, family, now + self.access_ttl),
            (refresh, "refresh", username, family, now + self.refresh_ttl)])
        body = {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": int(self.access_ttl)}
        if scope is not None:
            if new_grant:  # kept for the refreshes of this sign-in
                self.identity.set_scope(family, scope)
            body["scope"] = scope
        return body

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
        found = self.bearer(access_token)
        return found[0] if found else None

    def bearer(self, access_token: str) -> tuple[UserProfile, str | None] | None:
        """`authenticate`'s profile with the scope its sign-in was granted (None: none asked;
        enforced by server.identity.scopes)."""
        return self.identity.bearer_grant(access_token, self.clock())
