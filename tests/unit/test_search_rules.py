"""Single-individual search: accepted forms, refusals with their rule, property tests."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import nam
from app.core.search_rules import (
    MAX_RESULTS,
    ChartQuery,
    IdentityQuery,
    NamQuery,
    Rule,
    SearchRefused,
    cap,
    normalise_name,
    parse,
)

TODAY = date(2026, 11, 25)
MARIE = nam.build("Tremblay", "Marie", date(1985, 3, 14), "F")
MARIE_ID = IdentityQuery("TREMBLAY", "MARIE", date(1985, 3, 14))


@pytest.mark.parametrize("raw, expected", [
    (MARIE, NamQuery(MARIE)),
    (MARIE.lower(), NamQuery(MARIE)),
    (f"{MARIE[:4]} {MARIE[4:8]} {MARIE[8:]}", NamQuery(MARIE)),
    (f"  {MARIE[:4]}-{MARIE[4:8]}-{MARIE[8:]} ", NamQuery(MARIE)),
    ("Tremblay, Marie 1985-03-14", MARIE_ID),
    ("tremblay marie 14/03/1985", MARIE_ID),
    ("TREMBLAY MARIE 1985/03/14", MARIE_ID),
    ("1985-03-14 Tremblay, Marie", MARIE_ID),
    ("tremblay,marie 14-3-1985", MARIE_ID),
    ("Lévesque-Roy, Isabelle 1985-03-14",
     IdentityQuery("LEVESQUE-ROY", "ISABELLE", date(1985, 3, 14))),
    ("Lévesque - Roy, Isabelle 1985-03-14",
     IdentityQuery("LEVESQUE-ROY", "ISABELLE", date(1985, 3, 14))),
    ("De la Fontaine, Marie-Ève 2001-12-31",
     IdentityQuery("DE LA FONTAINE", "MARIE-EVE", date(2001, 12, 31))),
    ("D’Amour, Li 1990-01-02", IdentityQuery("D'AMOUR", "LI", date(1990, 1, 2))),
    ("St. Pierre, Jean 1970-01-01", IdentityQuery("ST PIERRE", "JEAN", date(1970, 1, 1))),
    ("Li Yu 1985-03-14", IdentityQuery("LI", "YU", date(1985, 3, 14))),
    ("004512", ChartQuery("004512")),
    ("#d-4512", ChartQuery("D-4512")),
    ("7", ChartQuery("7")),
])
def test_accepted(raw, expected):
    assert parse(raw, TODAY) == expected


@pytest.mark.parametrize("raw, rule", [
    ("", Rule.EMPTY),
    ("   \t ", Rule.EMPTY),
    ("Trem*", Rule.WILDCARD),
    ("Tremblay%", Rule.WILDCARD),
    ("Tr?mblay, Marie 1985-03-14", Rule.WILDCARD),
    ("Trem_lay, Marie 1985-03-14", Rule.WILDCARD),
    ("*", Rule.WILDCARD),
    ("Tremblay", Rule.MISSING_BIRTHDATE),
    ("Tremblay Marie", Rule.MISSING_BIRTHDATE),
    ("Tremblay, Marie", Rule.MISSING_BIRTHDATE),
    ("Tremblay 1985-03-14", Rule.MISSING_GIVEN),
    ("Tremblay, 1985-03-14", Rule.MISSING_GIVEN),
    ("1985-03-14", Rule.MISSING_NAMES),
    (", Marie 1985-03-14", Rule.NAME_TOO_SHORT),
    ("T Marie 1985-03-14", Rule.NAME_TOO_SHORT),
    ("Tremblay M. 1985-03-14", Rule.NAME_TOO_SHORT),
    ("Tremblay, Marie-E 1985-03-14", Rule.NAME_TOO_SHORT),
    ("Tremblay Marie 1985", Rule.BAD_DATE),
    ("Tremblay Marie 14.03.1985", Rule.BAD_DATE),
    ("Tremblay Marie 31/02/1985", Rule.BAD_DATE),
    ("Tremblay Marie 1985-13-01", Rule.BAD_DATE),
    ("Tremblay Marie 2030-01-01", Rule.FUTURE_DATE),
    ("Tremblay Marie 1985-03-14 1986-03-14", Rule.SEVERAL_DATES),
    ("Tremblay Marie2 1985-03-14", Rule.NAME_CHARACTERS),
    ("Tremblay; Marie 1985-03-14", Rule.NAME_CHARACTERS),
    ("Tremblay, Marie, Eve 1985-03-14", Rule.NAME_CHARACTERS),
    ("Tremblay, Marie " + "x" * 120, Rule.TOO_LONG),
    (MARIE[:-1] + str((int(MARIE[-1]) + 1) % 10), Rule.NAM),
    ("TREM5501", Rule.NAM),
])
def test_refused(raw, rule):
    with pytest.raises(SearchRefused) as err:
        parse(raw, TODAY)
    assert err.value.rule == rule
    assert err.value.text.context in ("search", "nam")


def test_malformed_nam_gets_its_rule_message():
    with pytest.raises(SearchRefused) as err:
        parse("TREM 5501", TODAY)
    assert str(err.value.text) == "A health insurance number has 12 characters."
    with pytest.raises(SearchRefused) as err:
        parse("TREM 8513 3212", TODAY)  # month 13
    assert err.value.text.context == "nam" and "month" in str(err.value.text)


def test_refusals_never_repeat_the_input():
    for raw in ("Zyxwvut Marie 1985", "Zyxwvut*", "Zyxw 5501"):
        with pytest.raises(SearchRefused) as err:
            parse(raw, TODAY)
        assert "ZYXW" not in str(err.value).upper()


def test_normalise_name_is_what_the_index_stores():
    assert normalise_name("  Lévesque–Roy ") == "LEVESQUE-ROY"
    assert normalise_name("Côté  d’Amour") == "COTE D'AMOUR"
    assert normalise_name("Noël") == normalise_name("NOEL")


def test_cap_at_ten_then_refine():
    assert cap(list(range(MAX_RESULTS))).refine is None
    capped = cap(list(range(MAX_RESULTS + 1)))
    assert capped.shown == list(range(MAX_RESULTS))
    assert "refine your search" in str(capped.refine) and capped.refine.args["count"] == 10


WILD = set("*%?_")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_random_input_never_crashes_nor_yields_a_wildcard(raw):
    try:
        query = parse(raw, TODAY)
    except SearchRefused:
        return
    values = [str(v) for v in vars(query).values()]
    assert not any(WILD & set(v) for v in values)
    if isinstance(query, IdentityQuery):
        assert query.surname and query.given and query.birthdate <= TODAY


NAME = st.text(alphabet=st.sampled_from("abcdeéèçôÉ-' *%?_"), min_size=0, max_size=12)


@settings(max_examples=400, deadline=None)
@given(NAME, NAME, st.dates(max_value=TODAY), st.sampled_from([", ", " "]))
def test_name_shaped_input_never_crashes_nor_yields_a_wildcard(surname, given_, born, sep):
    raw = f"{surname}{sep}{given_} {born:%d/%m/%Y}"
    try:
        query = parse(raw, TODAY)
    except SearchRefused:
        return
    assert isinstance(query, IdentityQuery) and query.birthdate == born
    assert not WILD & set(query.surname + query.given)
    assert query.surname == normalise_name(query.surname)
