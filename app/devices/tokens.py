"""The token table (`resources/tokens.json`): which cards and USB devices may be a QHR key, and
per token family the PKCS#11 module of its middleware and the middleware to install.

ATR patterns follow pcsc-tools' smartcard_list.txt: upper-case hex bytes separated by spaces
where `.` stands for any hex digit; the pattern must match the whole ATR. Nothing about a
particular token is written in code: add a token by editing the table.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


def _resources() -> Path:
    bundled = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder bundle
    if bundled and (Path(bundled) / "resources").is_dir():
        return Path(bundled) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


TABLE_PATH = _resources() / "tokens.json"
DEFAULT_FAMILY = "piv"  # an unlisted card that answers the PIV SELECT: OpenSC's module


@dataclass(frozen=True)
class Token:
    name: str
    family: str  # "idprime", "etoken", "piv", "virtual"
    ccid: bool = True  # served by the generic CCID driver (USB ids only)

    @property
    def virtual(self) -> bool:
        return self.family == "virtual"


@dataclass(frozen=True)
class Family:
    name: str
    middleware: str  # what to install for it ("SafeNet Authentication Client (Thales)")
    modules: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # platform → paths


def atr_hex(atr: bytes) -> str:
    """`3B 7F 96 …`: the form the patterns are written in."""
    return " ".join(f"{b:02X}" for b in atr)


def atr_regex(pattern: str) -> re.Pattern[str]:
    """A pcsc-tools pattern as a regex over `atr_hex` text ('.' already means one hex digit)."""
    return re.compile(" ".join(pattern.upper().split()))


def usb_id(vendor: int, product: int) -> str:
    return f"{vendor:04X}:{product:04X}"


def platform_key(platform: str = sys.platform) -> str:
    return "windows" if platform == "win32" else "darwin" if platform == "darwin" else "linux"


class TokenTable:
    def __init__(self, atr: list[tuple[re.Pattern[str], Token]], usb: dict[str, Token],
                 families: dict[str, Family] | None = None):
        self.atr = atr
        self.usb = usb
        self.families = families or {}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TokenTable:
        atr = [(atr_regex(e["pattern"]), Token(e["name"], e["family"])) for e in data["atr"]]
        usb = {e["id"].upper(): Token(e["name"], e["family"], bool(e.get("ccid", True)))
               for e in data["usb"]}
        raw = data.get("families", {})
        families = {}
        for key, entry in raw.items():
            modules = entry.get("pkcs11", {})
            if "same_as" in modules:
                modules = raw[modules["same_as"]].get("pkcs11", {})
            families[key] = Family(entry["name"], entry["middleware"],
                                   {k: tuple(v) for k, v in modules.items()})
        return cls(atr, usb, families)

    def identify_atr(self, atr: bytes) -> Token | None:
        text = atr_hex(atr)
        return next((token for regex, token in self.atr if regex.fullmatch(text)), None)

    def identify_usb(self, vendor: int, product: int) -> Token | None:
        return self.usb.get(usb_id(vendor, product))

    def family(self, name: str | None) -> Family | None:
        return self.families.get(name or DEFAULT_FAMILY)

    def module_candidates(self, family: str | None, overrides: Mapping[str, str] | None = None,
                          platform: str = sys.platform) -> list[str]:
        """The PKCS#11 module paths to try for a family, the settings' override first, then the
        family's usual install paths, then OpenSC's (it reads PIV cards of any family)."""
        paths: list[str] = []
        overrides = overrides or {}
        for key in (family or DEFAULT_FAMILY, DEFAULT_FAMILY):
            if overrides.get(key):
                paths.append(overrides[key])
            found = self.family(key)
            if found:
                paths.extend(found.modules.get(platform_key(platform), ()))
        return list(dict.fromkeys(paths))

    def vendor_module(self, family: str | None, overrides: Mapping[str, str] | None = None,
                      platform: str = sys.platform) -> str | None:
        """The installed module of the family's own middleware (the settings' override, else
        its usual install paths), never OpenSC's: None for PIV-only families."""
        if family in (None, DEFAULT_FAMILY, "virtual"):
            return None
        found = self.family(family)
        paths = [p for p in ((overrides or {}).get(family or ""),) if p]
        paths += found.modules.get(platform_key(platform), ()) if found else ()
        return next((p for p in paths if Path(p).is_file()), None)

    def pkcs11_module(self, family: str | None, overrides: Mapping[str, str] | None = None,
                      platform: str = sys.platform) -> str | None:
        """The first installed module of `module_candidates`, or None."""
        return next((p for p in self.module_candidates(family, overrides, platform)
                     if Path(p).is_file()), None)


@lru_cache(maxsize=4)
def load(path: Path = TABLE_PATH) -> TokenTable:
    return TokenTable.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def identify_atr(atr: bytes) -> Token | None:
    return load().identify_atr(atr)
