"""Challenges and QHR session tokens, in memory (a restart closes every QHR session).

A challenge is 32 random bytes bound to the user who asked, valid `CHALLENGE_TTL` seconds and
used once. A session token is bound to the user and the key identifier, valid `ttl` seconds
(short: the client re-opens with the key), and ends early on `close`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

CHALLENGE_TTL = 60.0
SESSION_TTL = 600.0


@dataclass(frozen=True)
class QhrSession:
    username: str
    key_id: str
    expires: float


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Sessions:
    def __init__(self, ttl: float = SESSION_TTL, challenge_ttl: float = CHALLENGE_TTL):
        self.ttl, self.challenge_ttl = ttl, challenge_ttl
        self._lock = threading.Lock()
        self._challenges: dict[bytes, tuple[str, float]] = {}
        self._sessions: dict[str, QhrSession] = {}  # token hash → session

    def challenge(self, username: str) -> bytes:
        nonce = secrets.token_bytes(32)
        now = time.monotonic()
        with self._lock:
            self._purge(now)
            self._challenges[nonce] = (username, now + self.challenge_ttl)
        return nonce

    def take_challenge(self, nonce: bytes, username: str) -> bool:
        """True once for a live challenge of `username` (it is consumed either way)."""
        with self._lock:
            found = self._challenges.pop(nonce, None)
        return found is not None and found[0] == username and found[1] >= time.monotonic()

    def open(self, username: str, key_id: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[_h(token)] = QhrSession(username, key_id, time.monotonic() + self.ttl)
        return token

    def get(self, token: str, username: str) -> QhrSession | None:
        with self._lock:
            found = self._sessions.get(_h(token))
        if found is None or found.username != username or found.expires < time.monotonic():
            return None
        return found

    def close(self, token: str, username: str) -> bool:
        with self._lock:
            found = self._sessions.get(_h(token))
            if found is None or found.username != username:
                return False
            del self._sessions[_h(token)]
        return True

    def _purge(self, now: float) -> None:
        for nonce in [n for n, (_, exp) in self._challenges.items() if exp < now]:
            del self._challenges[nonce]
        for key in [k for k, s in self._sessions.items() if s.expires < now]:
            del self._sessions[key]
