"""The central server's HTTP seam: one `httpx.Client` per signed-in session (client.py,
`FhirClient` built from a `ClientConfig`), FHIR R4 REST and the server's /api routes over it.

OAuth2 bearer `Auth` that refreshes once on 401 (auth.py, refresh token in the OS keyring);
back-off, `Retry-After`, a circuit breaker, the online/offline state and progress events
(retry.py); the server's capabilities (capabilities.py); every reply read through one capped
send and checked before use (replies.py). The sync engine (app.sync), RAMQ (app.ramq) and the
QHR gateway (app.qhr.gateway) all go through it.

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

from app.central.errors import Kind, SyncError

__all__ = ["Kind", "SyncError"]
