"""Single-individual search: what one search box may find (docs/domain.md, "Privacy").

A search identifies one person, never browses. `parse(raw)` accepts exactly three forms:

1. **A NAM**, spaces or dashes allowed ("TREM 8553 1412"): validated with app.core.nam; a
   malformed NAM is refused with the message of the NAM rule it breaks. Input that starts with
   four letters followed by a digit (and holds no date) is read as a NAM.
2. **A chart number**: digits only ("004512"), or any letters/digits/dashes after "#"
   ("#D-4512"). Matched exactly.
3. **Surname, first name and birth date**, in any case, with or without accents:
   "Tremblay, Marie 1985-03-14", "tremblay marie 14/03/1985", "Lévesque-Roy, Isabelle 1985/03/14".
   Dates: YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY or DD-MM-YYYY (day first, as in Québec), anywhere
   in the text. With a comma, what comes before it is the surname; without one, the first word
   is the surname and the rest the first name (type a comma for a surname of several words).
   Names are normalised for the patient index with `normalise_name` (accents stripped, upper
   case, one space): the index applies the same function to stored names and matches exactly,
   never by prefix.

Refused, each with a message saying what to type instead: empty input, wildcards (* % ? _),
a name part shorter than two letters (initials), a name without its birth date or first name,
characters other than letters, spaces, hyphens and apostrophes in names (a period counts as a
space: "St. Pierre"), a date without names, several dates, an impossible or
future birth date, over-long input. At most MAX_RESULTS results are shown; past that the user is
asked to refine the search (`cap`). Errors never repeat what was typed (it is patient data).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from app.core import nam as nam_rules
from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, Text, text

CTX = "search"
MAX_RESULTS = 10
MAX_LENGTH = 120
MIN_NAME_LETTERS = 2
WILDCARDS = frozenset("*%?_")

_DATE = re.compile(r"(?<![0-9])(?:([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})"
                   r"|([0-9]{1,2})[-/]([0-9]{1,2})[-/]([0-9]{4}))(?![0-9])")
_NAM_LIKE = re.compile(r"[A-Za-z]{4}[\s-]*[0-9][0-9A-Za-z\s-]*")
_CHART = re.compile(r"[0-9]{1,20}|#[0-9A-Za-z][0-9A-Za-z-]{0,19}")
_LETTERS = r"[^\W\d_]+"  # any alphabet's letters (after normalise_name: no accents, upper case)
_NAME = re.compile(rf"{_LETTERS}(?:['\- ]{_LETTERS})*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "‐": "-", "‑": "-", "–": "-"})


class Rule(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    WILDCARD = "wildcard"
    NAM = "nam"
    NAME_CHARACTERS = "name_characters"
    NAME_TOO_SHORT = "name_too_short"
    MISSING_NAMES = "missing_names"
    MISSING_GIVEN = "missing_given"
    MISSING_BIRTHDATE = "missing_birthdate"
    SEVERAL_DATES = "several_dates"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"


_HOW = " Search by health insurance number, chart number, or surname, first name and birth date."
_MESSAGES = {
    Rule.EMPTY: QT_TRANSLATE_NOOP(CTX, "Type what to search for." + _HOW),
    Rule.TOO_LONG: QT_TRANSLATE_NOOP(CTX, "The search is too long." + _HOW),
    Rule.WILDCARD: QT_TRANSLATE_NOOP(
        CTX, "Wildcards (* % ? _) are not allowed: a search finds one person." + _HOW),
    Rule.NAME_CHARACTERS: QT_TRANSLATE_NOOP(
        CTX, "Names may contain only letters, spaces, hyphens and apostrophes." + _HOW),
    Rule.NAME_TOO_SHORT: QT_TRANSLATE_NOOP(
        CTX, "Type the full surname and first name, not initials or the first letters."),
    Rule.MISSING_NAMES: QT_TRANSLATE_NOOP(
        CTX, "Add the surname and first name: a search needs the surname, first name and birth "
        "date."),
    Rule.MISSING_GIVEN: QT_TRANSLATE_NOOP(
        CTX, "Add the first name: a search needs the surname, first name and birth date."),
    Rule.MISSING_BIRTHDATE: QT_TRANSLATE_NOOP(
        CTX, "Add the birth date (e.g. 1985-03-14 or 14/03/1985): a search needs the surname, "
        "first name and birth date."),
    Rule.SEVERAL_DATES: QT_TRANSLATE_NOOP(CTX, "Type a single birth date."),
    Rule.BAD_DATE: QT_TRANSLATE_NOOP(
        CTX, "The birth date is not a real date: type it as YYYY-MM-DD or DD/MM/YYYY."),
    Rule.FUTURE_DATE: QT_TRANSLATE_NOOP(CTX, "The birth date is in the future."),
}
REFINE = QT_TRANSLATE_NOOP(
    CTX, "More than {count} patients match: refine your search (add the NAM or the birth date).")


class SearchRefused(UserFacingError, ValueError):
    def __init__(self, rule: Rule, message: Text | None = None):
        super().__init__(message or text(CTX, _MESSAGES[rule]))
        self.rule = rule


@dataclass(frozen=True)
class NamQuery:
    nam: str  # normalised, valid


@dataclass(frozen=True)
class ChartQuery:
    chart_number: str  # as typed, without "#", upper case


@dataclass(frozen=True)
class IdentityQuery:
    surname: str  # normalise_name() form
    given: str
    birthdate: date


SearchQuery = NamQuery | ChartQuery | IdentityQuery


def normalise_name(value: str) -> str:
    """Accents stripped, upper case, typographic apostrophes/dashes made plain, one space."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_APOSTROPHES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    plain = re.sub(r"\s*([-'])\s*", r"\1", plain)
    return " ".join(plain.split())


def parse(raw: str, today: date | None = None) -> SearchQuery:
    """The one query `raw` may run, or SearchRefused naming the rule it breaks."""
    query = " ".join(raw.split())
    if not query:
        raise SearchRefused(Rule.EMPTY)
    if len(query) > MAX_LENGTH:
        raise SearchRefused(Rule.TOO_LONG)
    if WILDCARDS & set(query):
        raise SearchRefused(Rule.WILDCARD)
    today = today or date.today()
    if _CHART.fullmatch(query):
        return ChartQuery(query.removeprefix("#").upper())
    if _NAM_LIKE.fullmatch(query) and not _DATE.search(query):
        try:
            return NamQuery(nam_rules.parse(query, today).value)
        except nam_rules.NamError as err:
            raise SearchRefused(Rule.NAM, err.text) from None
    return _identity(query, today)


def _identity(query: str, today: date) -> IdentityQuery:
    dates = list(_DATE.finditer(query))
    if len(dates) > 1:
        raise SearchRefused(Rule.SEVERAL_DATES)
    surname, given = _split_names(_DATE.sub(" ", query) if dates else query)
    if any(c.isdigit() for c in surname + given):
        raise SearchRefused(Rule.NAME_CHARACTERS if dates else Rule.BAD_DATE)
    if not all(_NAME.fullmatch(part) for part in (surname, given) if part):
        raise SearchRefused(Rule.NAME_CHARACTERS)
    if not surname:
        raise SearchRefused(Rule.NAME_TOO_SHORT if given else Rule.MISSING_NAMES)
    if not dates and not given:
        raise SearchRefused(Rule.MISSING_BIRTHDATE)
    if not _full_words(surname) or not _full_words(given):
        raise SearchRefused(Rule.NAME_TOO_SHORT)
    if not given:
        raise SearchRefused(Rule.MISSING_GIVEN)
    if not dates:
        raise SearchRefused(Rule.MISSING_BIRTHDATE)
    born = _date(dates[0])
    if born > today:
        raise SearchRefused(Rule.FUTURE_DATE)
    return IdentityQuery(surname, given, born)


def _split_names(names: str) -> tuple[str, str]:
    if "," in names:
        surname, _, given = names.partition(",")
        if "," in given:
            raise SearchRefused(Rule.NAME_CHARACTERS)
    else:
        surname, _, given = names.strip().partition(" ")
    return normalise_name(surname.replace(".", " ")), normalise_name(given.replace(".", " "))


def _full_words(part: str) -> bool:
    """Every word has two letters or more; a particle before an apostrophe ("D'AMOUR") is fine."""
    pieces = re.split(r"[ \-]", part) if part else []
    return all(len(piece.split("'")[-1]) >= MIN_NAME_LETTERS for piece in pieces)


def _date(match: re.Match[str]) -> date:
    y, m, d = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (
        match.group(6), match.group(5), match.group(4))
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        raise SearchRefused(Rule.BAD_DATE) from None


T = TypeVar("T")


@dataclass(frozen=True)
class Capped(Generic[T]):
    shown: list[T]  # at most MAX_RESULTS rows
    refine: Text | None  # "refine your search" when there were more


def cap(rows: Sequence[T]) -> Capped[T]:
    """The rows to show: more than MAX_RESULTS → refine."""
    if len(rows) > MAX_RESULTS:
        return Capped(list(rows[:MAX_RESULTS]), text(CTX, REFINE, count=MAX_RESULTS))
    return Capped(list(rows), None)
