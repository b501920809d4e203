"""One Consent's provision tree as read (`Provision`) and its verdict for a user on a day.

The rules (FHIR R4 `Consent.provision`, read fail-closed; app.core.consent states the convention):
- A provision *speaks* for (user, day, class) when the day is in its `period`, the user is among
  its `actor`s and the class among its `class` codings; its type is then the verdict, unless a
  nested provision that speaks overrides it (denies win when nested provisions disagree). A
  provision that does not speak leaves the verdict as it was; outside its period its nested
  provisions do not apply either (they are exceptions to it).
- A deny naming no actor, or any actor we cannot identify, speaks to everyone; a deny with no
  class denies every clinical class.
- A permit lets through only the users it names with certainty (so a permit naming nobody we
  can identify lets nobody through), only the classes it names (none: every class its deny
  blocks), and nobody when it narrows by an element we do not read (action other than access,
  purpose, securityLabel, code, data, dataPeriod). A permit never narrows the denies nested in
  it: they speak in their own scope (only its period does).
- Provisions alternate: a permit nests denies, a deny nests permits; anything else is unreadable.
- The day unknown (`None`): every deny applies whatever its period, no permit with a period
  lets anyone through.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.core import fhir_systems
from app.core.data_class import ADMINISTRATIVE, DataClass
from app.core.profiles import PRACTITIONER_PREFIX, practitioner_reference

CLINICAL = frozenset(c for c in DataClass if c not in ADMINISTRATIVE)
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
RECIPIENT_ROLES = frozenset({"IRCP", "PRCP"})  # information recipient, primary recipient
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
UNREAD_NARROWING = ("purpose", "securityLabel", "code", "data", "dataPeriod")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?")


class Unreadable(Exception):
    """A provision that does not follow the convention (its Consent fails closed: a refusal)."""


@dataclass(frozen=True)
class Provision:
    deny: bool
    classes: frozenset[DataClass] | None = None  # None: deny → CLINICAL; permit → its deny's
    actors: frozenset[str] | None = None  # user references; None (denies only): everyone
    start: date | None = None
    end: date | None = None
    nested: tuple[Provision, ...] = ()

    @property
    def plain(self) -> bool:
        """A deny for everyone at any date without exceptions (the classes say it all)."""
        return self.deny and self.actors is None and not self.dated and not self.nested

    @property
    def dated(self) -> bool:
        return self.start is not None or self.end is not None

    def in_period(self, day: date | None) -> bool | None:
        """True / False; None when the provision has a period and the day is unknown."""
        if not self.dated:
            return True
        if day is None:
            return None
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def verdict(self, user: str, day: date | None, data_class: DataClass,
                inherited: bool = False) -> bool:
        """Is this class blocked for this user on this day (`inherited`: blocked above)?"""
        timely = self.in_period(day)
        if timely is False:
            return inherited
        if self.deny:
            if (self.actors is not None and user not in self.actors) or data_class not in (
                    CLINICAL if self.classes is None else self.classes):
                return inherited
            result = True
        else:
            speaks = timely is True and user in (self.actors or ()) and (
                self.classes is None or data_class in self.classes)
            result = False if speaks else inherited
        found = {p.verdict(user, day, data_class, result) for p in self.nested} - {result}
        return True if True in found else (False if found else result)

    def blocked(self, user: str, day: date | None) -> frozenset[DataClass]:
        return frozenset(c for c in DataClass if self.verdict(user, day, c))


def read_provision(raw: object, parent_deny: bool | None = None) -> Provision | None:
    """The provision as read (None: a nested permit that lets nobody through); Unreadable."""
    if not isinstance(raw, dict):
        raise Unreadable
    kind = raw.get("type", "permit")
    if kind not in ("deny", "permit") or (kind == "deny") == parent_deny:
        raise Unreadable
    deny = kind == "deny"
    nested_raw = raw.get("provision") or []
    if not isinstance(nested_raw, list):
        raise Unreadable
    codings = raw.get("class") or []
    classes = frozenset(_classes(codings)) if codings else None
    start, end = _period(raw.get("period"))
    actors = _actors(raw.get("actor") or [], deny)
    if not deny and parent_deny is not None and (not actors or _narrowed(raw)):
        return None
    nested = tuple(p for p in (read_provision(n, deny) for n in nested_raw) if p is not None)
    return Provision(deny, classes, actors, start, end, nested)


def _classes(codings: object) -> set[DataClass]:
    if not isinstance(codings, list):
        raise Unreadable
    found: set[DataClass] = set()
    for coding in codings:
        if not isinstance(coding, dict) or coding.get("system") != fhir_systems.DATA_CLASS:
            raise Unreadable
        try:
            found.add(DataClass(str(coding.get("code"))))
        except ValueError:
            raise Unreadable from None
    return found


def _actors(raw: object, deny: bool) -> frozenset[str] | None:
    """Users named with certainty; for a deny, None (everyone) when any is uncertain."""
    if not isinstance(raw, list):
        raise Unreadable
    named = [_actor_reference(a) for a in raw]
    if deny and (not named or None in named):
        return None
    return frozenset(r for r in named if r is not None)


def _actor_reference(actor: object) -> str | None:
    """`Practitioner/user-{username}` of an actor naming one of our users as a recipient of
    the information; None when we cannot tell (role only, another role, another kind of
    reference, an identifier of another system)."""
    if not isinstance(actor, dict):
        raise Unreadable
    role, ref = actor.get("role"), actor.get("reference")
    if role is not None and not _recipient_role(role):
        return None
    if not isinstance(ref, dict):
        return None
    literal = ref.get("reference")
    if isinstance(literal, str):
        username = literal.removeprefix(PRACTITIONER_PREFIX)
        ok = literal.startswith(PRACTITIONER_PREFIX) and username and "/" not in username
        return literal if ok else None
    ident = ref.get("identifier")
    if ref.get("type", "Practitioner") == "Practitioner" and isinstance(ident, dict) \
            and ident.get("system") == fhir_systems.USERNAME \
            and isinstance(ident.get("value"), str) and ident["value"]:
        return practitioner_reference(ident["value"])
    return None


def _recipient_role(role: object) -> bool:
    codings = role.get("coding") if isinstance(role, dict) else None
    if not codings or not isinstance(codings, list):
        return False
    return all(
        isinstance(c, dict) and c.get("system") == PARTICIPATION
        and c.get("code") in RECIPIENT_ROLES for c in codings)


def _narrowed(raw: dict[str, Any]) -> bool:
    """Does this permit narrow by something we do not read (it then lets nobody through)?"""
    if any(raw.get(name) for name in UNREAD_NARROWING):
        return True
    actions = raw.get("action")
    if not actions:
        return False
    if not isinstance(actions, list):
        raise Unreadable
    codes = {(c.get("system"), c.get("code")) for a in actions if isinstance(a, dict)
             for c in a.get("coding") or () if isinstance(c, dict)}
    return (CONSENT_ACTION, "access") not in codes


def _period(raw: object) -> tuple[date | None, date | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise Unreadable
    start, end = _day(raw.get("start"), first=True), _day(raw.get("end"), first=False)
    if start and end and start > end:
        raise Unreadable
    return start, end


def _day(value: object, first: bool) -> date | None:
    """A FHIR date or dateTime as its day; a partial date as its first or last day."""
    if value is None:
        return None
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise Unreadable
    year_text, month_text, day_text = match.groups()
    year = int(year_text)
    month, day = (int(g) if g else None for g in (month_text, day_text))
    try:
        if month is None:
            return date(year, 1, 1) if first else date(year, 12, 31)
        if day is None:
            return date(year, month, 1 if first else calendar.monthrange(year, month)[1])
        return date(year, month, day)
    except ValueError:
        raise Unreadable from None


def provision_to_fhir(provision: Provision) -> dict[str, Any]:
    """The FHIR provision read back as `provision` (seeder, tests); actors as primary
    recipients (v3 ParticipationType PRCP)."""
    out: dict[str, Any] = {"type": "deny" if provision.deny else "permit"}
    if provision.actors:
        out["actor"] = [{"role": {"coding": [{"system": PARTICIPATION, "code": "PRCP"}]},
                         "reference": {"reference": r}} for r in sorted(provision.actors)]
    if provision.classes is not None:
        out["class"] = [{"system": fhir_systems.DATA_CLASS, "code": c.value}
                        for c in sorted(provision.classes)]
    if provision.dated:
        out["period"] = {k: v.isoformat() for k, v in (("start", provision.start),
                                                        ("end", provision.end)) if v}
    if provision.nested:
        out["provision"] = [provision_to_fhir(p) for p in provision.nested]
    return out
