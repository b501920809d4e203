"""QHR (Québec Health Record) access: eligibility, the key-bound session with the QHR gateway,
the viewer's in-memory data. Rules: docs/domain.md, "The QHR" (seed 001).

- eligibility.py: `eligibility(profile, institution, key_plugged=...) -> Verdict`, pure, listing
  every unmet condition with a translatable sentence.
- session.py: `QhrSession`, the key-bound session state machine (key events, PIN through an
  `Interaction`, idle timeout), the in-memory viewer data, the access-log entries.
- gateway.py: `QhrGateway`, the HTTP client of the reference server's /qhr gateway.
- views.py: pure shaping for the viewer (lab trends by LOINC, pharmacist's medication profile).

Errors (the layer's one root):

QhrError                 app.core.errors.UserFacingError; text says what to do, no patient data
├── NotEligible          the eligibility verdict failed; `reasons` holds every unmet condition
├── WrongKey             the key plugged in is not the profile's
├── NoKey                no key plugged in
├── SessionClosed        the session was locked (key removed, idle, sign-out) or not opened
└── GatewayError         the QHR gateway cannot be reached or answered badly
    ├── SessionExpired   the gateway no longer knows the session token
    └── GatewayRefused   the gateway refused the proof or the user (`error`, `conditions`)
"""

from app.qhr.errors import (
    GatewayError,
    GatewayRefused,
    NoKey,
    NotEligible,
    QhrError,
    SessionClosed,
    SessionExpired,
    WrongKey,
)

__all__ = ["GatewayError", "GatewayRefused", "NoKey", "NotEligible", "QhrError",
           "SessionClosed", "SessionExpired", "WrongKey"]
