"""Token identification table-tested against pcsc-tools' smartcard_list.txt (real ATRs nobody
here wrote): every entry of the QHR token families (Thales/Gemalto IDPrime, SafeNet/Aladdin
eToken) is recognised with its family, with each `..` mask expanded to concrete ATRs; no other
entry of the list is taken for a key. USB ids against the CCID driver's own list of devices."""

from __future__ import annotations

import itertools
import plistlib
import re
from pathlib import Path

import pytest

from app.demo.virtual_key import ATR as VIRTUAL_ATR
from app.devices.tokens import Token, TokenTable, atr_regex, load

SMARTCARD_LIST = Path("/usr/share/pcsc/smartcard_list.txt")
CCID_PLIST = Path("/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist")
# The families' entries, by their descriptions. A bank's token built on the same chip is a bank
# card to us: not a QHR key.
FAMILY = re.compile(r"IDPrime|\beToken\b|USB Shell Token")
NOT_A_KEY = re.compile(r"BusinessOnLine Bank")
MASK_VALUES = (0x00, 0x96, 0xFF)  # each `..` byte takes these values
FAMILY_OF = {"etoken": "etoken", "idprime": "idprime"}


def entries() -> list[tuple[str, str]]:
    """(ATR pattern, description lines) for each entry of the list."""
    if not SMARTCARD_LIST.exists():
        pytest.skip("pcsc-tools is not installed")
    found: list[tuple[str, list[str]]] = []
    pattern = None
    for line in SMARTCARD_LIST.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(("3B", "3F")):
            pattern = line.strip()
            found.append((pattern, []))
        elif line.startswith("\t") and pattern:
            found[-1][1].append(line.strip())
    return [(p, " / ".join(d)) for p, d in found]


def expand(pattern: str, limit: int = 3 ** 7) -> list[bytes]:
    """Concrete ATRs of a pattern: each `..` byte takes MASK_VALUES (patterns with other
    wildcards, e.g. `3.` or `[…]`, give none)."""
    parts = pattern.upper().split()
    if any(("." in p and p != "..") or "[" in p for p in parts):
        return []
    masked = [i for i, p in enumerate(parts) if p == ".."]
    atrs = []
    for values in itertools.islice(itertools.product(MASK_VALUES, repeat=len(masked)), limit):
        concrete = list(parts)
        for i, v in zip(masked, values, strict=True):
            concrete[i] = f"{v:02X}"
        atrs.append(bytes.fromhex("".join(concrete)))
    return atrs


def family_entries() -> list[tuple[str, str]]:
    return [(p, d) for p, d in entries() if FAMILY.search(d) and not NOT_A_KEY.search(d)]


def family_of(description: str) -> str:
    return "etoken" if "eToken" in description and "IDPrime" not in description else "idprime"


def test_every_family_entry_of_pcsc_tools_is_recognised():
    found = family_entries()
    assert len({p for p, _ in found}) >= 25  # distinct ATR patterns of the families (Debian 12)
    table = load()
    missed = []
    for pattern, description in found:
        atrs = expand(pattern)
        assert atrs, pattern
        for atr in atrs:
            token = table.identify_atr(atr)
            if token is None or token.family != family_of(description):
                missed.append((atr.hex(" "), description, token))
    assert missed == []


def test_no_other_card_of_the_list_is_taken_for_a_key():
    ours = [atr_regex(p) for p, _ in family_entries()]
    table = load()
    others = [(atr, d) for p, d in entries() if not FAMILY.search(d) or NOT_A_KEY.search(d)
              for atr in expand(p, limit=81)]
    assert len(others) > 2000
    wrong = [(atr.hex(" "), d) for atr, d in others if table.identify_atr(atr)
             # an ATR that pcsc-tools itself also lists under a family entry is ambiguous
             and not any(r.fullmatch(" ".join(f"{b:02X}" for b in atr)) for r in ours)]
    assert wrong == []


def test_a_bank_token_on_an_idprime_chip_is_not_a_key():
    atr = bytes.fromhex("3B7D96000080318065B0831140C8830090 00".replace(" ", ""))
    assert load().identify_atr(atr) is None


def test_wildcards_match_one_byte_each_and_the_whole_atr():
    regex = atr_regex("3B 7F .. 00")
    assert regex.fullmatch("3B 7F 96 00")
    assert not regex.fullmatch("3B 7F 96 00 00")
    assert not regex.fullmatch("3B 7F 00")


def ccid_devices() -> list[tuple[int, int, str]]:
    if not CCID_PLIST.exists():
        pytest.skip("libccid is not installed")
    plist = plistlib.loads(CCID_PLIST.read_bytes())
    return [(int(v, 16), int(p, 16), n) for v, p, n in zip(
        plist["ifdVendorID"], plist["ifdProductID"], plist["ifdFriendlyName"], strict=True)]


def test_usb_tokens_of_the_ccid_list_are_tokens_and_its_readers_are_not():
    """Every SafeNet/Gemalto device the CCID driver knows: the tokens (eToken, USB Shell
    Token) are in the table as CCID tokens, the readers (PC Twin, IDBridge, Ezio…) are not."""
    table = load()
    ours = [(v, p, n) for v, p, n in ccid_devices() if v in (0x0529, 0x08E6)]
    tokens = [(v, p, n) for v, p, n in ours if re.search(r"eToken|Shell Token", n)]
    readers = [(v, p, n) for v, p, n in ours if (v, p, n) not in tokens]
    assert len(tokens) >= 7 and len(readers) >= 20
    for v, p, n in tokens:
        token = table.identify_usb(v, p)
        assert token is not None and token.ccid and token.family in FAMILY_OF, n
    assert [n for v, p, n in readers if table.identify_usb(v, p)] == []


def test_tokens_that_need_their_vendor_driver_say_so():
    table = load()
    pro = table.identify_usb(0x0529, 0x0600)
    assert pro is not None and pro.family == "etoken" and not pro.ccid
    assert "SafeNet Authentication Client" in table.family("etoken").middleware


def test_virtual_key_and_usb_ids_come_from_the_table():
    table = load()
    assert table.identify_atr(VIRTUAL_ATR).virtual
    assert table.identify_usb(0x08E6, 0x3438).family == "idprime"
    assert table.identify_usb(0x0529, 0x0620).family == "etoken"
    assert table.identify_usb(0x046D, 0xC077) is None


def test_pkcs11_modules_per_family_with_the_settings_override_first():
    table = load()
    etoken = table.module_candidates("etoken", platform="win32")
    assert etoken[0].endswith("eTPKCS11.dll") and etoken[-1].endswith("opensc-pkcs11.dll")
    assert table.module_candidates("idprime", platform="linux")[0].endswith("IDPrimePKCS11.so")
    assert table.module_candidates("virtual") == table.module_candidates("piv")
    override = table.module_candidates("etoken", {"etoken": "/opt/x/libeTPkcs11.so"})
    assert override[0] == "/opt/x/libeTPkcs11.so"
    assert table.pkcs11_module("etoken", {"etoken": "/nonexistent.so"}) != "/nonexistent.so"


def test_a_table_is_data():
    table = TokenTable.from_json({"atr": [{"pattern": "3B 02 .. 01", "name": "X", "family": "f"}],
                                  "usb": [{"id": "abcd:0001", "name": "Y", "family": "f"}]})
    assert table.identify_atr(bytes.fromhex("3B02FF01")) == Token("X", "f")
    assert table.identify_usb(0xABCD, 1) == Token("Y", "f")


def test_the_settings_name_a_module_per_family(tmp_path):
    from app.settings import Settings

    ini = tmp_path / "settings.ini"
    ini.write_text("[pkcs11]\netoken=/opt/safenet/libeTPkcs11.so\nidprime=\n")
    overrides = Settings(ini).pkcs11_modules()
    assert overrides == {"etoken": "/opt/safenet/libeTPkcs11.so"}
    assert load().module_candidates("etoken", overrides)[0] == "/opt/safenet/libeTPkcs11.so"


def test_a_vendor_module_is_the_familys_own_never_openscs(tmp_path):
    """A PIV card goes through a module only when its family has its own installed (the
    settings' override first, then the usual paths); PIV-only families have none."""
    from app.devices.tokens import load

    table, module = load(), tmp_path / "libIDPrimePKCS11.so"
    module.write_bytes(b"")
    assert table.vendor_module("piv", {"piv": str(module)}) is None
    assert table.vendor_module("virtual") is None and table.vendor_module(None) is None
    assert table.vendor_module("idprime", {"idprime": str(module)}) == str(module)
    assert table.vendor_module("idprime", {"idprime": str(tmp_path / "absent.so")},
                               platform="linux") is None  # nothing at the usual paths here
