"""The RAMQ health insurance number (NAM), as docs/domain.md describes it.

`LLLF YYMM DDAC`: 3 letters of the birth surname + 1 of the first name; YY, MM (+50 for women),
DD of birth; an administrative character (1-9 or a letter but I and O); a check digit computed
over an EBCDIC string of 14 characters with fixed weights. The century is not in the NAM: the
current century is tried first, then the previous ones.

Every rejection names the rule that failed (`NamError.rule`); the error text never repeats the
NAM itself (it is patient data).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, Text, text

PATTERN = re.compile(r"^[A-Z]{4}[0-9]{6}[A-HJ-NP-Z1-9][0-9]$")
WEIGHTS = (1, 3, 7, 9, 1, 7, 1, 3, 4, 5, 7, 6, 9, 1)
CENTURIES_BACK = 2  # born this century, or up to two before (a patient over 100 years old)


class Rule(StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    LETTERS = "letters"
    DIGITS = "digits"
    ADMIN_CHAR = "admin_char"
    MONTH = "month"
    DATE = "date"
    CHECK_DIGIT = "check_digit"


_REASONS = {
    Rule.EMPTY: QT_TRANSLATE_NOOP("nam", "The health insurance number is empty."),
    Rule.LENGTH: QT_TRANSLATE_NOOP("nam", "A health insurance number has 12 characters."),
    Rule.LETTERS: QT_TRANSLATE_NOOP("nam", "The first 4 characters must be letters."),
    Rule.DIGITS: QT_TRANSLATE_NOOP("nam", "Characters 5 to 10 must be digits (birth date)."),
    Rule.ADMIN_CHAR: QT_TRANSLATE_NOOP(
        "nam", "Character 11 must be a digit 1-9 or a letter other than I and O."),
    Rule.MONTH: QT_TRANSLATE_NOOP("nam", "The month must be 01-12 (men) or 51-62 (women)."),
    Rule.DATE: QT_TRANSLATE_NOOP("nam", "The birth date in the number is not a real date."),
    Rule.CHECK_DIGIT: QT_TRANSLATE_NOOP("nam", "The check digit does not match."),
}


class NamError(UserFacingError, ValueError):
    def __init__(self, rule: Rule):
        super().__init__(text("nam", _REASONS[rule]))
        self.rule = rule


@dataclass(frozen=True)
class Nam:
    value: str
    birthdate: date
    sex: str  # "F" or "M"


def normalise(raw: str) -> str:
    """Upper case, spaces and dashes removed: 'tres 5501 0112' -> 'TRES55010112'."""
    return re.sub(r"[\s\-]", "", raw).upper()


def parse(raw: str, today: date | None = None) -> Nam:
    """Validate a NAM and read its birth date and sex; raises NamError naming the failed rule."""
    nam = normalise(raw)
    _check_format(nam)
    year_2, month, day = int(nam[4:6]), int(nam[6:8]), int(nam[8:10])
    sex = "F" if month > 50 else "M"
    month -= 50 if sex == "F" else 0
    if not 1 <= month <= 12:
        raise NamError(Rule.MONTH)
    today = today or date.today()
    century = today.year - today.year % 100
    real_date = False
    for back in range(CENTURIES_BACK + 1):
        year = century - 100 * back + year_2
        try:
            born = date(year, month, day)
        except ValueError:
            continue
        real_date = True
        if born <= today and check_digit(nam[:4], year, sex, month, day, nam[10]) == int(nam[11]):
            return Nam(nam, born, sex)
    raise NamError(Rule.CHECK_DIGIT if real_date else Rule.DATE)


_MISMATCH = {
    "birthdate": QT_TRANSLATE_NOOP(
        "nam", "The number does not match the patient's recorded birth date."),
    "sex": QT_TRANSLATE_NOOP("nam", "The number does not match the patient's recorded sex."),
}


def mismatches(parsed: Nam, birthdate: date | None = None,
               sex: str | None = None) -> dict[str, Text]:
    """Recorded particulars the NAM disagrees with: a warning to show, never a silent accept."""
    found = {}
    if birthdate is not None and birthdate != parsed.birthdate:
        found["birthdate"] = text("nam", _MISMATCH["birthdate"])
    if sex is not None and sex.upper() != parsed.sex:
        found["sex"] = text("nam", _MISMATCH["sex"])
    return found


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except NamError:
        return False
    return True


def _check_format(nam: str) -> None:
    if not nam:
        raise NamError(Rule.EMPTY)
    if len(nam) != 12:
        raise NamError(Rule.LENGTH)
    if not re.fullmatch(r"[A-Z]{4}", nam[:4]):
        raise NamError(Rule.LETTERS)
    if not re.fullmatch(r"[0-9]{6}", nam[4:10]):
        raise NamError(Rule.DIGITS)
    if not re.fullmatch(r"[A-HJ-NP-Z1-9]", nam[10]):
        raise NamError(Rule.ADMIN_CHAR)
    if not PATTERN.fullmatch(nam):  # only the check digit is left to be a non-digit
        raise NamError(Rule.CHECK_DIGIT)


def check_digit(letters: str, year: int, sex: str, month: int, day: int, admin: str) -> int:
    """The 12th character: EBCDIC bytes of NOMI+YYYY+sex+MM+DD+admin, weighted, modulo 10."""
    payload = f"{letters}{year:04d}{sex}{month:02d}{day:02d}{admin}"
    encoded = payload.encode("cp037")
    return sum(b * w for b, w in zip(encoded, WEIGHTS, strict=True)) % 10


def name_letters(surname: str, given: str) -> str:
    """First 3 letters of the surname (SAINT/SAINTE → ST, padded with X) + first of the name."""
    last = _letters_only(re.sub(r"^SAINTE?\b", "ST", _upper(surname).strip()))
    first = _letters_only(given)
    return (last[:3].ljust(3, "X") + (first[:1] or "X"))


def build(surname: str, given: str, birthdate: date, sex: str, admin: str = "1") -> str:
    """A valid NAM for these particulars (synthetic data, tests)."""
    if sex not in ("F", "M"):
        raise ValueError("sex must be F or M")
    letters = name_letters(surname, given)
    month = birthdate.month + (50 if sex == "F" else 0)
    digit = check_digit(letters, birthdate.year, sex, birthdate.month, birthdate.day, admin)
    nam = f"{letters}{birthdate.year % 100:02d}{month:02d}{birthdate.day:02d}{admin}{digit}"
    _check_format(nam)
    return nam


def _upper(value: str) -> str:
    stripped = unicodedata.normalize("NFKD", value)
    return "".join(c for c in stripped if not unicodedata.combining(c)).upper()


def _letters_only(value: str) -> str:
    return re.sub(r"[^A-Z]", "", _upper(value))
