"""Sign-in throttling that holds against guessing and spraying, and that a third party cannot
turn against a user.

Design (what was chosen and why):
- Leaky buckets in the database (`signin_budget`), so every server process shares them and a
  restart forgets nothing. Each failed password check fills a bucket by one; buckets drain at
  their capacity per hour. A full bucket answers 429 with Retry-After (a back-off, never a
  lock): a refused attempt adds nothing, so hammering does not extend the wait.
- Every check first RESERVES its unit in all its buckets, in one serialised write transaction
  (IdentityStore.change_budgets), and only then hashes the password: N parallel guesses cannot
  all see room in the bucket. A successful sign-in gives its unit back.
- Three buckets:
    account  10/hour  failures on one account from addresses it never signed in from: a sustained
                      attacker, even from many addresses, gets ~10 guesses an hour per account;
    address  30/hour  failures from one client address, all usernames together: spraying;
    pair     10/hour  failures of one account from one address.
  An address the account signed in from successfully in the last 90 days (`signin_known`: the
  user's workstation, or the clinic's NAT) is a known address: only the pair bucket applies to
  it. So an attacker elsewhere can empty the account and address buckets without keeping the
  user out of their own workstation; only someone at that same address can slow that user
  down, and then to the pair budget (a back-off, not a lock).
  The trade-off: while the account is under attack, its user signing in from a NEW address
  waits for the account bucket (Retry-After says how long; minutes, not a lock).
- The client address is the TCP peer (`serve --trusted-proxy` to believe X-Forwarded-For).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from server.identity.store import BudgetKey, IdentityStore, Levels

KNOWN_FOR = 90 * 24 * 3600.0  # a successful sign-in makes its address known this long
PURGE_EVERY = 200  # reservations between two purges of drained buckets


@dataclass(frozen=True)
class Budget:
    capacity: float  # failures allowed in a burst
    per_hour: float  # drained per hour: the sustained rate

    def level(self, stored: tuple[float, float] | None, now: float) -> float:
        if stored is None:
            return 0.0
        level, at = stored
        return max(0.0, level - max(0.0, now - at) * self.per_hour / 3600)

    def wait(self, level: float) -> float:
        """Seconds until one more unit fits (0: it fits now)."""
        return max(0.0, (level + 1 - self.capacity) * 3600 / self.per_hour)


BUDGETS = {"account": Budget(10, 10), "address": Budget(30, 30), "pair": Budget(10, 10)}
DRAINED_AFTER = max(3600 * b.capacity / b.per_hour for b in BUDGETS.values())


class Throttled(Exception):
    def __init__(self, retry_after: float):
        super().__init__("too many failed sign-ins")
        self.retry_after = max(1, math.ceil(retry_after))


class SignInThrottle:
    def __init__(self, identity: IdentityStore, clock: Callable[[], float]):
        self.identity, self.clock = identity, clock
        self._reserved = 0

    def _keys(self, username: str, address: str) -> list[BudgetKey]:
        pair = [("pair", f"{address} {username}")]
        if self.identity.known_address(username, address, self.clock() - KNOWN_FOR):
            return pair
        return [("account", username), ("address", address), *pair]

    def reserve(self, username: str, address: str) -> list[BudgetKey]:
        """Take one unit in each bucket of this attempt, or raise Throttled (nothing taken)."""
        keys, now, wait = self._keys(username, address), self.clock(), 0.0

        def take(found: Levels) -> Levels | None:
            nonlocal wait
            levels = {k: BUDGETS[k[0]].level(found.get(k), now) for k in keys}
            wait = max(BUDGETS[k[0]].wait(level) for k, level in levels.items())
            return None if wait > 0 else {k: (level + 1, now) for k, level in levels.items()}

        self.identity.change_budgets(keys, take)
        if wait > 0:
            raise Throttled(wait)
        self._reserved += 1
        if self._reserved % PURGE_EVERY == 0:
            self.identity.purge_throttle(now - DRAINED_AFTER, now - KNOWN_FOR)
        return keys

    def succeeded(self, username: str, address: str, keys: list[BudgetKey]) -> None:
        """The password was right: give the unit back and remember the address."""
        now = self.clock()

        def give_back(found: Levels) -> Levels:
            back: Levels = {}
            for key in keys:
                level = BUDGETS[key[0]].level(found.get(key), now)
                back[key] = (0.0 if key[0] == "pair" else max(0.0, level - 1), now)
            return back

        self.identity.change_budgets(keys, give_back)
        self.identity.remember_address(username, address, now)
