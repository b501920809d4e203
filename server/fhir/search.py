"""Query parameters → storage Criteria. Unknown parameters are refused (400), never ignored: an
ignored filter would turn a search for one patient into a listing of many."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from app.core.fhir_systems import ACCESS_LOG_HASH
from app.core.profiles import Profession, UserProfile
from server import limits
from server.fhir.errors import FhirError
from server.storage import Clause, Criteria, format_instant

COMMON = ("_id", "_lastUpdated", "identifier")
BY_PATIENT = ("patient", "subject")
PATIENT_PARAMS = ("family", "given", "birthdate")
APPOINTMENT_PARAMS = ("date", "actor")
CONTROL = ("_count", "_cursor", "_format")
PREFIX = re.compile(r"^(eq|ne|gt|ge|lt|le)(?=\d)")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# R4's `entity` reference parameter with the standard `:identifier` modifier: an AuditEvent
# found by its entity's identifier (a workstation's access-log entry hash), indexed as
# `identifier` (server.storage.index), which R4 does not define for AuditEvent.
ENTITY_IDENTIFIER = "entity:identifier"


def params_for(rtype: str) -> tuple[str, ...]:
    from app.core.fhir import PATIENT_PATHS
    extra = PATIENT_PARAMS if rtype == "Patient" else BY_PATIENT if rtype in PATIENT_PATHS else ()
    audit = (ENTITY_IDENTIFIER,) if rtype == "AuditEvent" else ()
    return COMMON + extra + audit + (APPOINTMENT_PARAMS if rtype == "Appointment" else ())


def instant(value: str, name: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(400, f"{name} is not a FHIR instant or date", expression=name) \
            from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_instant(moment)


def date_range(raw: str, name: str = "date") -> str:
    """A date search value → "prefix|lo|hi": the UTC instants [lo, hi) that its precision
    covers (a day, month or year without a time is taken in UTC; a time is to the second)."""
    match = PREFIX.match(raw)
    prefix = match.group(1) if match else "eq"
    value = raw[len(match.group(0)):] if match else raw
    parts = value.split("-")
    try:
        if len(value) == 4 and value.isdigit():
            lo, hi = datetime(int(value), 1, 1, tzinfo=UTC), datetime(int(value) + 1, 1, 1,
                                                                        tzinfo=UTC)
        elif len(value) == 7 and len(parts) == 2:
            y, m = int(parts[0]), int(parts[1])
            lo = datetime(y, m, 1, tzinfo=UTC)
            hi = datetime(y + m // 12, m % 12 + 1, 1, tzinfo=UTC)
        elif DATE.match(value):
            lo = datetime.fromisoformat(value).replace(tzinfo=UTC)
            hi = lo + timedelta(days=1)
        else:
            lo = datetime.fromisoformat(value.replace("Z", "+00:00"))
            lo = (lo if lo.tzinfo else lo.replace(tzinfo=UTC)).replace(microsecond=0)
            hi = lo + timedelta(seconds=1)
    except (ValueError, OverflowError):  # OverflowError: past year 9999
        raise FhirError(400, f"{name} is not a FHIR date or dateTime", expression=name) \
            from None
    return f"{prefix}|{format_instant(lo)}|{format_instant(hi)}"


def count(params: list[tuple[str, str]], default: int, maximum: int) -> int:
    raw = _last(params, "_count")
    if raw is None:
        return default
    try:
        return max(1, min(limits.number(raw, "_count"), maximum))
    except limits.InputError as error:
        raise FhirError(400, str(error), expression="_count") from None


def cursor(params: list[tuple[str, str]]) -> int | None:
    raw = _last(params, "_cursor")
    if raw is None:
        return None
    try:
        return limits.number(raw, "_cursor")
    except limits.InputError:
        raise FhirError(400, "_cursor is not a cursor this server gave",
                        expression="_cursor") from None


def since(params: list[tuple[str, str]]) -> str | None:
    raw = _last(params, "_since")
    return instant(raw, "_since") if raw is not None else None


def _last(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    return values[-1] if values else None


def _clause(name: str, raw: str) -> Clause:
    values = tuple(v for v in raw.split(",") if v)
    if not values:
        raise FhirError(400, f"empty value for {name}", expression=name)
    if name == ENTITY_IDENTIFIER:
        return Clause("identifier", values)
    if name == "subject" or name == "patient":
        return Clause("patient", tuple(v.removeprefix("Patient/") for v in values))
    if name in ("_lastUpdated", "birthdate"):
        match = PREFIX.match(values[0])
        prefix = match.group(1) if match else "eq"
        value = values[0][len(match.group(0)):] if match else values[0]
        if name == "_lastUpdated":
            return Clause(name, (instant(value, name),), prefix)
        if not DATE.match(value):
            raise FhirError(400, "birthdate must be YYYY-MM-DD", expression=name)
        return Clause(name, (value,), prefix)
    if name == "date":
        return Clause(name, tuple(date_range(v) for v in values))
    if name == "actor":
        if not all("/" in v for v in values):
            raise FhirError(400, "actor is a reference: Type/id", expression=name)
        return Clause(name, values)
    if name in ("family", "given"):
        from server.storage.index import normalise
        return Clause(name, tuple(normalise(v) for v in values))
    return Clause(name, values)


def criteria(rtype: str, params: list[tuple[str, str]], default: int, maximum: int,
             allowed_control: tuple[str, ...] = CONTROL) -> Criteria:
    allowed = params_for(rtype)
    result = Criteria(rtype, count=count(params, default, maximum),
                      after_seq=cursor(params) or 0)
    for name, raw in params:
        if name in allowed_control:
            continue
        if name not in allowed:
            raise FhirError(400, f"unsupported search parameter for {rtype}: {name}",
                            expression=name)
        result.clauses.append(_clause(name, raw))
    return result


IDENTIFYING = ("identifier", "family", "given", "birthdate")
MAX_IDS = 50  # ids a search may name at once (a workstation's batches of cached charts)
MAX_DAY_SPAN = timedelta(hours=50)  # "the day's appointments", in any time zone


def require_individual(criteria: Criteria, user: UserProfile | None = None,
                       in_clinic: Callable[[str], bool] | None = None) -> None:
    """Patients are searched to find one individual's record, never listed (Quebec privacy
    rules, docs/domain.md seed 002). Always: a Patient search names an identifier, ids, or a family
    name with a birth date. For a signed-in user (`user`), on every search path (GET, POST
    _search, batch entries; conditional criteria are narrower still, server.fhir.ops):
    - identifying values are single and exact: no value lists, no `system|` without a value,
      no birth date range, names matched whole (no prefix);
    - ids and patients are named, at most MAX_IDS at once (random UUIDs: a list names known
      records, it cannot enumerate);
    - a search of patient data names its patient(s) or one resource id; the only lists of
      several patients' data are the day's appointments of one's own clinic (date range of at
      most a day or so + an actor of the clinic, `in_clinic`) and the audit trail for
      administrators (reviewed page by page)."""
    names = {c.name for c in criteria.clauses}
    if criteria.rtype == "Patient" and not (names & {"identifier", "_id"} or
                                            {"family", "birthdate"} <= names):
        raise FhirError(400, "a Patient search needs identifier, _id, or family and birthdate")
    if user is None:
        return
    for c in criteria.clauses:
        if c.name in IDENTIFYING and len(c.values) != 1 and not _entry_hashes(criteria):
            raise FhirError(400, f"{c.name} takes one value: a search finds one individual",
                            expression=c.name)
        if c.name == "identifier" and c.values[0].endswith("|"):
            raise FhirError(400, "identifier needs a value, not a system alone",
                            expression=c.name)
        if c.name == "birthdate" and c.prefix != "eq":
            raise FhirError(400, "birthdate is an exact date, not a range", expression=c.name)
        if c.name in ("_id", "patient") and len(c.values) > MAX_IDS:
            raise FhirError(400, f"at most {MAX_IDS} ids at once", expression=c.name)
    if criteria.rtype == "Patient" or criteria.rtype not in _patient_types():
        return
    if "patient" in names or _one_id(criteria):
        return
    if criteria.rtype == "Appointment" and _clinic_day(criteria, in_clinic):
        return
    if _entry_hashes(criteria) or _audit_ids(criteria):  # a workstation's own pushed entries
        return
    if criteria.rtype == "AuditEvent" and (user.is_administrative or
                                           user.profession == Profession.ADMINISTRATOR):
        return
    raise FhirError(400, f"a {criteria.rtype} search names its patient (patient=)",
                    expression="patient")


def _entry_hashes(criteria: Criteria) -> bool:
    """An AuditEvent search naming access-log entries by their chain hashes (at most MAX_IDS):
    like a list of random ids, it names known records and cannot enumerate; the gate then
    shows each caller only their own events (administrators: all)."""
    if criteria.rtype != "AuditEvent":
        return False
    clauses = [c for c in criteria.clauses if c.name == "identifier"]
    return len(clauses) == 1 and len(criteria.clauses) == 1 and \
        0 < len(clauses[0].values) <= MAX_IDS and \
        all(v.startswith(ACCESS_LOG_HASH + "|") and len(v) > len(ACCESS_LOG_HASH) + 1
            for v in clauses[0].values)


def _audit_ids(criteria: Criteria) -> bool:
    """AuditEvents by their ids alone (at most MAX_IDS, checked above): the ids a workstation
    gives its uploads derive from the entries' chain hashes (app.sync.audit.event_id), the
    server's own are random; as with entry hashes, nothing to enumerate, and the gate shows
    each caller only their own events."""
    return criteria.rtype == "AuditEvent" and bool(criteria.clauses) and \
        all(c.name == "_id" for c in criteria.clauses)


def _patient_types() -> dict:
    from app.core.fhir import PATIENT_PATHS
    return PATIENT_PATHS


def _one_id(criteria: Criteria) -> bool:
    return any(c.name == "_id" and len(c.values) == 1 for c in criteria.clauses)


def _clinic_day(criteria: Criteria, in_clinic: Callable[[str], bool] | None) -> bool:
    """Appointments between two instants at most MAX_DAY_SPAN apart, of actors of the
    caller's clinic."""
    actors = [v for c in criteria.clauses if c.name == "actor" for v in c.values]
    lows, highs = [], []
    for c in criteria.clauses:
        if c.name != "date":
            continue
        if len(c.values) != 1:  # values are OR-ed: a list widens the range
            return False
        for value in c.values:
            prefix, lo, hi = value.split("|")
            if prefix in ("eq",):
                lows.append(lo)
                highs.append(hi)
            elif prefix in ("ge", "gt"):
                lows.append(lo if prefix == "ge" else hi)
            elif prefix in ("le", "lt"):
                highs.append(hi if prefix == "le" else lo)
            else:
                return False
    if not (actors and lows and highs and in_clinic) or not all(in_clinic(a) for a in actors):
        return False
    span = datetime.fromisoformat(min(highs)) - datetime.fromisoformat(max(lows))
    return span <= MAX_DAY_SPAN


def condition(rtype: str, query: str) -> Criteria:
    """The criteria of an If-None-Exist header (a query string without '?')."""
    from urllib.parse import parse_qsl
    params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if not params:
        raise FhirError(400, "If-None-Exist is empty", expression="If-None-Exist")
    return criteria(rtype, params, 2, 2, allowed_control=())
