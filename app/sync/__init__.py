"""Sync engine: keeps the encrypted chart cache and the central FHIR R4 server in step.

Plain FHIR R4 REST over one `httpx.Client` (client.py) with an OAuth2 bearer `Auth` flow that
refreshes once on 401 (auth.py, refresh token in the OS keyring); back-off, `Retry-After`, a
circuit breaker, the online/offline state and progress events (retry.py); pull (pull.py), push
through the store's durable outbox (push.py), conflicts (conflicts.py), the access-log
upload (audit.py), and the charts fetched again once a Consent stops withholding rows from this
user (consent_watch.py).

Errors (the layer's one root):

SyncError(kind)               app.core.errors.UserFacingError; `kind` says what to do next
    kind = AUTH       sign-in needed: no token, refresh refused
           FORBIDDEN  403: the server says this user may not see it
           GONE       404/410: the resource or chart is no longer there
           CONFLICT   409/412: someone else changed it (becomes a conflict record)
           CLIENT     another 4xx: our request was wrong
           SERVER     5xx, 429
           NETWORK    connection refused, reset, dropped, truncated transfer
           TIMEOUT    connect/read/write/pool timeout
           INVALID    the body is not JSON, not the FHIR resource expected, or cut short
           OFFLINE    the circuit is open: the server is not tried for now
           TLS        the server's certificate is not trusted (system or pinned CA bundle)
           THROTTLED  429 on sign-in: too many failed attempts; `retry_after` says when
A cancel event stops long operations with app.core.errors.Cancelled. Texts hold no patient data.
"""

from app.sync.errors import Kind, SyncError

__all__ = ["Kind", "SyncError"]
