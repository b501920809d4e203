"""Token identification against pcsc-tools' smartcard_list.txt: real ATRs nobody here wrote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.demo.virtual_key import ATR as VIRTUAL_ATR
from app.devices.tokens import Token, TokenTable, atr_regex, load

SMARTCARD_LIST = Path("/usr/share/pcsc/smartcard_list.txt")
OURS = re.compile(r"IDPrime|eToken|Gemalto|SafeNet|Thales|IDCore", re.I)


def entries() -> list[tuple[str, str]]:
    """(ATR pattern, description lines) for each entry of the list."""
    if not SMARTCARD_LIST.exists():
        pytest.skip("pcsc-tools is not installed")
    found, pattern, lines = [], None, []
    for line in SMARTCARD_LIST.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("3B") or line.startswith("3F"):
            pattern, lines = line.strip(), []
            found.append((pattern, lines))
        elif line.startswith("\t") and pattern:
            lines.append(line.strip())
    return [(p, " / ".join(d)) for p, d in found]


def concrete(pattern: str) -> bytes | None:
    """The ATR of a pattern without wildcards."""
    return None if "." in pattern or "[" in pattern else bytes.fromhex(pattern)


def by_description(word: str) -> list[bytes]:
    return [atr for p, d in entries() if word in d and (atr := concrete(p))]


@pytest.mark.parametrize("description, family", [
    ("Gemalto IDPrime MD 840 (PKI)", "idprime"),
    ("Gemalto IDPrime MD840 (eID)", "idprime"),
    ("Gemalto IDPrime MD 3810 dual interface", "idprime"),
    ("Gemalto IDPrime MD 3840", "idprime"),
    ("SafeNet eToken 5300 (PKI)", "etoken"),
    ("Gemalto SafeNet eToken Java Based Cards", "etoken"),
])
def test_known_tokens_are_identified(description, family):
    atrs = by_description(description)
    assert atrs, description
    for atr in atrs:
        token = load().identify_atr(atr)
        assert token is not None and token.family == family, (description, atr.hex(" "))


def test_no_other_card_of_the_list_is_taken_for_a_key():
    table = load()
    others = [(atr, d) for p, d in entries() if not OURS.search(d) and (atr := concrete(p))]
    assert len(others) > 2000
    taken = [(atr.hex(" "), d) for atr, d in others if table.identify_atr(atr)]
    assert taken == []


def test_wildcards_match_one_byte_each_and_the_whole_atr():
    regex = atr_regex("3B 7F .. 00")
    assert regex.fullmatch("3B 7F 96 00")
    assert not regex.fullmatch("3B 7F 96 00 00")
    assert not regex.fullmatch("3B 7F 00")


def test_virtual_key_and_usb_ids_come_from_the_table():
    table = load()
    assert table.identify_atr(VIRTUAL_ATR).virtual
    assert table.identify_usb(0x08E6, 0x3438).family == "idprime"
    assert table.identify_usb(0x0529, 0x0620).family == "etoken"
    assert table.identify_usb(0x046D, 0xC077) is None


def test_a_table_is_data():
    table = TokenTable.from_json({"atr": [{"pattern": "3B 02 .. 01", "name": "X", "family": "f"}],
                                  "usb": [{"id": "abcd:0001", "name": "Y", "family": "f"}]})
    assert table.identify_atr(bytes.fromhex("3B02FF01")) == Token("X", "f")
    assert table.identify_usb(0xABCD, 1) == Token("Y", "f")
