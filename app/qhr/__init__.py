"""QHR (Québec Health Record) access: eligibility, the key-bound session with the QHR gateway,
the viewer's in-memory data. Rules: DOMAIN.md, "The QHR" (seed 001).

- eligibility.py: `eligibility(profile, institution, key_plugged=...) -> Verdict`, pure, listing
  every unmet condition with a translatable sentence.

Errors (the layer's one root):

QhrError                 app.core.errors.UserFacingError; text says what to do, no patient data
└── NotEligible          the eligibility verdict failed; `reasons` holds every unmet condition
"""

from app.qhr.errors import NotEligible, QhrError

__all__ = ["NotEligible", "QhrError"]
