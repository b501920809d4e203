"""Accounts and OAuth tokens, in the same database as the FHIR resources (server.storage).

Tables (portable SQL, `?` placeholders adapted by the store's dialect):
  account(username PK, profile JSON = app.core.profiles.profile_to_json, password_hash, created)
  oauth_token(token_hash PK, kind access|refresh, username, family, expires_at, revoked)
  signin_budget((scope, name) PK, level, at): the sign-in throttle's leaky buckets
  signin_known((username, address) PK, at): where each account last signed in successfully
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
    "CREATE TABLE IF NOT EXISTS signin_known (username TEXT NOT NULL, address TEXT NOT NULL, "
    "at DOUBLE PRECISION NOT NULL, PRIMARY KEY (username, address))",
]
BudgetKey = tuple[str, str]  # (scope, name) of a sign-in budget (server.identity.throttle)
Levels = dict[BudgetKey, tuple[float, float]]  # key → (level, time of that level)


@functools.lru_cache(maxsize=4096)
def _profile(text: str) -> UserProfile:
    """Keyed by the stored text itself: a changed account is a new key, never a stale hit."""
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


class IdentityStore:
    """Thin SQL over the resource store's connections and transactions."""

    def __init__(self, store: Any):
        self.store = store
        with store.write() as tx:
            for statement in SCHEMA:
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

    def bearer(self, token: str, now: float) -> UserProfile | None:
        """The account behind a valid (access, unexpired, unrevoked) token, in one read: every
        request asks the database, so a revocation by any server process applies at once."""
        with self.store.read() as tx:
            row = self._x(tx, "SELECT a.profile FROM oauth_token t JOIN account a ON "
                          "a.username = t.username WHERE t.token_hash = ? AND t.kind = 'access' "
                          "AND t.revoked = 0 AND t.expires_at > ?",
                          (token_hash(token), now)).fetchone()
        return _profile(row[0]) if row else None

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

    # sign-in throttle (server.identity.throttle)
    def change_budgets(self, keys: list[BudgetKey],
                       change: Callable[[Levels], Levels | None]) -> Levels | None:
        """Read the budgets of `keys` (absent ones are missing from the dict), and store what
        `change` returns (None: nothing), in ONE write transaction. Writers are serialised on
        both back-ends (server.storage.sql), across processes too, so two sign-ins never decide
        on the same level: the read-and-reserve is atomic."""
        with self.store.write() as tx:
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
