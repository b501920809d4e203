"""Accounts and OAuth tokens, in the same database as the FHIR resources (server.storage).

Tables (portable SQL, `?` placeholders adapted by the store's dialect):
  account(username PK, profile JSON = app.core.profiles.profile_to_json, password_hash, created)
  oauth_token(token_hash PK, kind access|refresh, username, family, expires_at, revoked)
  signin_budget((scope, name) PK, level, at): the sign-in throttle's leaky buckets
  signin_known((username, address) PK, at): where each account last signed in successfully
  oauth_code(code_hash PK, username, client_id, redirect_uri, challenge, scope, family,
             expires_at, used): authorization codes (single use, short-lived, bound)
  oauth_grant(family PK, scope): the scope granted to one sign-in, kept across refreshes
Tokens are random 256-bit strings; only their SHA-256 is stored. A refresh token belongs to a
family (one sign-in); rotating it revokes the old one, and presenting a revoked refresh token
revokes the whole family (replay of a stolen token, OAuth 2.0 Security BCP §4.14).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.profiles import UserProfile, profile_from_json, profile_to_json

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS account (username TEXT PRIMARY KEY, profile TEXT NOT NULL, "
    "password_hash TEXT NOT NULL, created TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS oauth_token (token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, "
    "username TEXT NOT NULL, family TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL, "
    "revoked INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS oauth_token_family ON oauth_token (family)",
    "CREATE TABLE IF NOT EXISTS signin_budget (scope TEXT NOT NULL, name TEXT NOT NULL, "
    "level DOUBLE PRECISION NOT NULL, at DOUBLE PRECISION NOT NULL, PRIMARY KEY (scope, name))",
    "CREATE INDEX IF NOT EXISTS signin_budget_at ON signin_budget (at)",
    "CREATE TABLE IF NOT EXISTS oauth_code (code_hash TEXT PRIMARY KEY, username TEXT NOT NULL, "
    "client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, challenge TEXT NOT NULL, "
    "scope TEXT NOT NULL, family TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL, "
    "used INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS oauth_grant (family TEXT PRIMARY KEY, scope TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS signin_known (username TEXT NOT NULL, address TEXT NOT NULL, "
    "at DOUBLE PRECISION NOT NULL, PRIMARY KEY (username, address))",
]
BudgetKey = tuple[str, str]  # (scope, name) of a sign-in budget (server.identity.throttle)
Levels = dict[BudgetKey, tuple[float, float]]  # key → (level, time of that level)


@functools.lru_cache(maxsize=4096)
def _profile(text: str) -> UserProfile:
    """Keyed by the stored text itself: a changed account is a new key, never a stale hit (the
    row is still read on every request; only its decoding is remembered)."""
    return profile_from_json(json.loads(text))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenRow:
    kind: str
    username: str
    family: str
    expires_at: float
    revoked: bool


@dataclass(frozen=True)
class CodeGrant:
    """What an authorization code was issued for (RFC 6749 §4.1.3, RFC 7636)."""
    username: str
    client_id: str
    redirect_uri: str
    challenge: str  # BASE64URL(SHA-256(code_verifier)), S256 only
    scope: str
    family: str  # the sign-in its tokens belong to (a replayed code revokes it)
    expires_at: float


class IdentityStore:
    """Thin SQL over the resource store's connections and transactions."""

    def __init__(self, store: Any):
        self.store = store
        with store.write(serial=True) as tx:  # several processes may start at once
            for statement in store.dialect.missing(tx.conn, SCHEMA):  # no DDL if up to date
                self._x(tx, statement)

    def _x(self, tx: Any, text: str, args: tuple = ()) -> Any:
        return tx.conn.execute(self.store.dialect.sql(text), args)

    # accounts
    def put_account(self, profile: UserProfile, password_hash: str) -> None:
        created = profile.account_created.isoformat() if profile.account_created else ""
        with self.store.write() as tx:
            self._x(tx, "INSERT INTO account (username, profile, password_hash, created) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
                    "profile = excluded.profile, password_hash = excluded.password_hash, "
                    "created = excluded.created",
                    (profile.username, json.dumps(profile_to_json(profile)), password_hash,
                     created))

    def account(self, username: str) -> tuple[UserProfile, str] | None:
        with self.store.read() as tx:
            row = self._x(tx, "SELECT profile, password_hash FROM account WHERE username = ?",
                          (username,)).fetchone()
        return (profile_from_json(json.loads(row[0])), row[1]) if row else None

    def usernames(self) -> list[str]:
        with self.store.read() as tx:
            rows = self._x(tx, "SELECT username FROM account ORDER BY username").fetchall()
        return [r[0] for r in rows]

    # tokens
    def add_tokens(self, rows: list[tuple[str, str, str, str, float]]) -> None:
        """(token, kind, username, family, expires_at) rows, in one transaction."""
        with self.store.write() as tx:
            for token, kind, username, family, expires in rows:
                self._x(tx, "INSERT INTO oauth_token (token_hash, kind, username, family, "
                        "expires_at) VALUES (?, ?, ?, ?, ?)",
                        (token_hash(token), kind, username, family, expires))

    def token(self, token: str) -> TokenRow | None:
        with self.store.read() as tx:
            row = self._x(tx, "SELECT kind, username, family, expires_at, revoked FROM "
                          "oauth_token WHERE token_hash = ?", (token_hash(token),)).fetchone()
        return TokenRow(row[0], row[1], row[2], float(row[3]), bool(row[4])) if row else None

    def bearer_grant(self, token: str, now: float) -> tuple[UserProfile, str | None] | None:
        """The account behind a valid (access, unexpired, unrevoked) token and the scope its
        sign-in was granted (None: none asked), in one statement (no transaction around it):
        every request asks the database, so a revocation by any server process applies at
        once."""
        rows = self.store.query("SELECT a.profile, g.scope FROM oauth_token t JOIN account a ON "
                                "a.username = t.username LEFT JOIN oauth_grant g ON g.family = "
                                "t.family WHERE t.token_hash = ? AND t.kind = 'access' "
                                "AND t.revoked = 0 AND t.expires_at > ?",
                                (token_hash(token), now))
        return (_profile(rows[0][0]), rows[0][1]) if rows else None

    def consume(self, token: str) -> bool:
        """Revoke one token; False when it was already revoked (or unknown)."""
        with self.store.write() as tx:
            cur = self._x(tx, "UPDATE oauth_token SET revoked = 1 WHERE token_hash = ? "
                          "AND revoked = 0", (token_hash(token),))
            return cur.rowcount == 1

    def revoke_family(self, family: str) -> None:
        with self.store.write() as tx:
            self._x(tx, "UPDATE oauth_token SET revoked = 1 WHERE family = ?", (family,))

    def purge_expired(self, before: float) -> None:
        with self.store.write() as tx:
            self._x(tx, "DELETE FROM oauth_token WHERE expires_at < ?", (before,))
            self._x(tx, "DELETE FROM oauth_code WHERE expires_at < ?", (before,))
            self._x(tx, "DELETE FROM oauth_grant WHERE family NOT IN "
                    "(SELECT family FROM oauth_token)")

    # authorization codes and granted scopes (server.identity.codes)
    def add_code(self, code: str, grant: CodeGrant) -> None:
        with self.store.write() as tx:
            self._x(tx, "INSERT INTO oauth_code (code_hash, username, client_id, redirect_uri, "
                    "challenge, scope, family, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (token_hash(code), grant.username, grant.client_id, grant.redirect_uri,
                     grant.challenge, grant.scope, grant.family, grant.expires_at))

    def use_code(self, code: str) -> tuple[CodeGrant, bool] | None:
        """The code's grant and whether this use is its first (marked used, in one write)."""
        with self.store.write(serial=True) as tx:
            row = self._x(tx, "SELECT username, client_id, redirect_uri, challenge, scope, "
                          "family, expires_at, used FROM oauth_code WHERE code_hash = ?",
                          (token_hash(code),)).fetchone()
            if row is None:
                return None
            if not row[7]:
                self._x(tx, "UPDATE oauth_code SET used = 1 WHERE code_hash = ?",
                        (token_hash(code),))
        return CodeGrant(row[0], row[1], row[2], row[3], row[4], row[5], float(row[6])), not row[7]

    def set_scope(self, family: str, scope: str) -> None:
        with self.store.write() as tx:
            self._x(tx, "INSERT INTO oauth_grant (family, scope) VALUES (?, ?) ON CONFLICT "
                    "(family) DO UPDATE SET scope = excluded.scope", (family, scope))

    def scope(self, family: str) -> str | None:
        with self.store.read() as tx:
            row = self._x(tx, "SELECT scope FROM oauth_grant WHERE family = ?",
                          (family,)).fetchone()
        return row[0] if row else None

    # sign-in throttle (server.identity.throttle)
    def change_budgets(self, keys: list[BudgetKey],
                       change: Callable[[Levels], Levels | None]) -> Levels | None:
        """Read the budgets of `keys` (absent ones are missing from the dict), and store what
        `change` returns (None: nothing), in ONE write transaction. Writers are serialised on
        both back-ends (`serial`), across processes too, so two sign-ins never decide
        on the same level: the read-and-reserve is atomic."""
        with self.store.write(serial=True) as tx:
            found: Levels = {}
            for scope, name in keys:
                row = self._x(tx, "SELECT level, at FROM signin_budget WHERE scope = ? AND "
                              "name = ?", (scope, name)).fetchone()
                if row:
                    found[(scope, name)] = (float(row[0]), float(row[1]))
            changed = change(found)
            for (scope, name), (level, at) in (changed or {}).items():
                self._x(tx, "INSERT INTO signin_budget (scope, name, level, at) VALUES "
                        "(?, ?, ?, ?) ON CONFLICT (scope, name) DO UPDATE SET "
                        "level = excluded.level, at = excluded.at", (scope, name, level, at))
        return changed

    def known_address(self, username: str, address: str, since: float) -> bool:
        with self.store.read() as tx:
            row = self._x(tx, "SELECT at FROM signin_known WHERE username = ? AND address = ?",
                          (username, address)).fetchone()
        return bool(row) and float(row[0]) >= since

    def remember_address(self, username: str, address: str, at: float) -> None:
        with self.store.write() as tx:
            self._x(tx, "INSERT INTO signin_known (username, address, at) VALUES (?, ?, ?) "
                    "ON CONFLICT (username, address) DO UPDATE SET at = excluded.at",
                    (username, address, at))

    def purge_throttle(self, budgets_before: float, known_before: float) -> None:
        with self.store.write() as tx:
            self._x(tx, "DELETE FROM signin_budget WHERE at < ?", (budgets_before,))
            self._x(tx, "DELETE FROM signin_known WHERE at < ?", (known_before,))
