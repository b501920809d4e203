"""The NAM rules of docs/domain.md: format, check digit, century, calendar, build round trip."""

import json
import string
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import nam
from app.core.nam import NamError, Rule

TODAY = date(2026, 11, 25)


def make(surname="Tremblay", given="Marie", born=date(1985, 3, 14), sex="F", admin="1"):
    return nam.build(surname, given, born, sex, admin)


def test_check_digit_by_hand():
    # TREM + 1985 + F + 03 + 14 + 1 in EBCDIC (cp037): T=E3 R=D9 E=C5 M=D4, digits F0-F9,
    # F=C6, weighted 1,3,7,9,1,7,1,3,4,5,7,6,9,1.
    codes = [0xE3, 0xD9, 0xC5, 0xD4, 0xF1, 0xF9, 0xF8, 0xF5, 0xC6, 0xF0, 0xF3, 0xF1, 0xF4, 0xF1]
    weights = [1, 3, 7, 9, 1, 7, 1, 3, 4, 5, 7, 6, 9, 1]
    expected = sum(c * w for c, w in zip(codes, weights, strict=True)) % 10
    assert nam.check_digit("TREM", 1985, "F", 3, 14, "1") == expected
    assert make() == "TREM8553141" + str(expected)


def test_parse_reads_birthdate_and_sex():
    parsed = nam.parse(make(), today=TODAY)
    assert (parsed.birthdate, parsed.sex) == (date(1985, 3, 14), "F")
    man = nam.parse(make("Gagnon", "Luc", date(2003, 11, 2), "M", "A"), today=TODAY)
    assert (man.birthdate, man.sex) == (date(2003, 11, 2), "M")


def test_input_is_normalised():
    value = make()
    spaced = f"{value[:4].lower()} {value[4:8]} {value[8:]}"
    assert nam.parse(spaced, today=TODAY).value == value


def test_century_current_first_then_previous():
    # Born 1925: the check digit only holds for 1925, so the current century (2025) is rejected.
    old = make("Roy", "Jeanne", date(1925, 6, 1), "F", "2")
    assert nam.parse(old, today=TODAY).birthdate == date(1925, 6, 1)
    young = make("Roy", "Jeanne", date(2025, 6, 1), "F", "2")
    assert nam.parse(young, today=TODAY).birthdate == date(2025, 6, 1)


def test_future_birthdate_is_not_accepted():
    future = make("Roy", "Jeanne", date(2026, 12, 24), "F", "2")
    # 2026-12-24 is after TODAY; 1926-12-24 does not check: the number is refused.
    with pytest.raises(NamError):
        nam.parse(future, today=TODAY)


@pytest.mark.parametrize("raw, rule", [
    ("", Rule.EMPTY),
    ("   ", Rule.EMPTY),
    ("TREM8553141", Rule.LENGTH),
    ("TREM855314189", Rule.LENGTH),
    ("TR3M85531418", Rule.LETTERS),
    ("TREM85A31418", Rule.DIGITS),
    ("TREM855314I8", Rule.ADMIN_CHAR),
    ("TREM855314O8", Rule.ADMIN_CHAR),
    ("TREM85531408", Rule.ADMIN_CHAR),
    ("TREM85131418", Rule.MONTH),
    ("TREM85631418", Rule.MONTH),
    ("TREM85023118", Rule.DATE),
    ("TREM8553141X", Rule.CHECK_DIGIT),
])
def test_every_rejection_names_its_rule(raw, rule):
    with pytest.raises(NamError) as caught:
        nam.parse(raw, today=TODAY)
    assert caught.value.rule == rule
    assert str(caught.value)  # a sentence for the user


def test_wrong_check_digit_is_refused():
    value = make()
    wrong = value[:11] + str((int(value[11]) + 1) % 10)
    with pytest.raises(NamError) as caught:
        nam.parse(wrong, today=TODAY)
    assert caught.value.rule == Rule.CHECK_DIGIT


def test_error_text_never_repeats_the_number():
    value = make()
    with pytest.raises(NamError) as caught:
        nam.parse(value[:11] + "X", today=TODAY)
    assert value[:10] not in str(caught.value)


@pytest.mark.parametrize("surname, given, letters", [
    ("Tremblay", "Marie", "TREM"),
    ("Côté", "Élise", "COTE"),
    ("Ng", "Anh", "NGXA"),
    ("O'Neil", "Sean", "ONES"),
    ("Saint-Pierre", "Jean", "STPJ"),
    ("Sainte-Marie", "Luc", "STML"),
    ("Saint-Étienne", "Ève", "STEE"),
    ("Saintonge", "Paul", "SAIP"),
    ("Lévesque-Roy", "Joël", "LEVJ"),
])
def test_name_letters(surname, given, letters):
    assert nam.name_letters(surname, given) == letters


def test_mismatch_is_a_warning():
    parsed = nam.parse(make(), today=TODAY)
    assert nam.mismatches(parsed, date(1985, 3, 14), "F") == {}
    assert set(nam.mismatches(parsed, date(1985, 3, 15), "M")) == {"birthdate", "sex"}


names = st.text(alphabet=string.ascii_letters + "éèêëàâçîïôöûüÉÈÇ -'", min_size=1, max_size=30)
births = st.dates(min_value=date(1927, 1, 1), max_value=TODAY)
admins = st.sampled_from("123456789ABCDEFGHJKLMNPQRSTUVWXYZ")


@given(names, names, births, st.sampled_from("FM"), admins)
def test_build_then_parse_round_trips(surname, given, born, sex, admin):
    value = nam.build(surname, given, born, sex, admin)
    parsed = nam.parse(value, today=TODAY)
    assert (parsed.value, parsed.birthdate, parsed.sex) == (value, born, sex)


@given(st.text(max_size=40))
def test_random_strings_never_crash(raw):
    try:
        parsed = nam.parse(raw, today=TODAY)
    except NamError as err:
        assert isinstance(err.rule, Rule)
    else:
        assert nam.PATTERN.fullmatch(parsed.value)


def run_cli(*args):
    done = subprocess.run([sys.executable, "-m", "app", "nam", "check", *args],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, json.loads(done.stdout)


def test_cli_valid_invalid_and_mismatch():
    value = make()
    assert run_cli(value) == (0, {"valid": True, "birthdate": "1985-03-14", "sex": "F"})
    code, result = run_cli(value[:11] + "X")
    assert code == 1 and result["valid"] is False and result["rule"] == "check_digit"
    code, result = run_cli(value, "--birthdate", "1985-03-14", "--sex", "M")
    assert code == 1 and result["mismatch"] == ["sex"]
