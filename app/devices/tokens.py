"""The token table (`resources/tokens.json`): which cards and USB devices may be a QHR key.

ATR patterns follow pcsc-tools' smartcard_list.txt: upper-case hex bytes separated by spaces
where `.` stands for any hex digit; the pattern must match the whole ATR. Nothing about a
particular token is written in code: add a token by editing the table.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


def _resources() -> Path:
    bundled = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder bundle
    if bundled and (Path(bundled) / "resources").is_dir():
        return Path(bundled) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


TABLE_PATH = _resources() / "tokens.json"


@dataclass(frozen=True)
class Token:
    name: str
    family: str  # "idprime", "etoken", "virtual"…

    @property
    def virtual(self) -> bool:
        return self.family == "virtual"


def atr_hex(atr: bytes) -> str:
    """`3B 7F 96 …`: the form the patterns are written in."""
    return " ".join(f"{b:02X}" for b in atr)


def atr_regex(pattern: str) -> re.Pattern[str]:
    """A pcsc-tools pattern as a regex over `atr_hex` text ('.' already means one hex digit)."""
    return re.compile(" ".join(pattern.upper().split()))


def usb_id(vendor: int, product: int) -> str:
    return f"{vendor:04X}:{product:04X}"


class TokenTable:
    def __init__(self, atr: list[tuple[re.Pattern[str], Token]], usb: dict[str, Token]):
        self.atr = atr
        self.usb = usb

    @classmethod
    def from_json(cls, data: dict) -> TokenTable:
        atr = [(atr_regex(e["pattern"]), Token(e["name"], e["family"])) for e in data["atr"]]
        usb = {e["id"].upper(): Token(e["name"], e["family"]) for e in data["usb"]}
        return cls(atr, usb)

    def identify_atr(self, atr: bytes) -> Token | None:
        text = atr_hex(atr)
        return next((token for regex, token in self.atr if regex.fullmatch(text)), None)

    def identify_usb(self, vendor: int, product: int) -> Token | None:
        return self.usb.get(usb_id(vendor, product))

    def usb_ids(self) -> list[tuple[int, int]]:
        return [tuple(int(part, 16) for part in key.split(":")) for key in self.usb]


@lru_cache(maxsize=4)
def load(path: Path = TABLE_PATH) -> TokenTable:
    return TokenTable.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def identify_atr(atr: bytes) -> Token | None:
    return load().identify_atr(atr)
