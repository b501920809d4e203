"""Look for patient values in files, in every form a program may write them: UTF-8, UTF-16
(both byte orders, both alignments), JSON-escaped (`\\u00e9`), URL-encoded (`%C3%A9`, `+`),
accents stripped or decomposed, any case; NAMs also spaced, dashed, `+` or `%20` separated;
birth dates as ISO, compact and day/month/year; phone numbers with any punctuation.

    Canary.from_patients(patients, extra=())   the values of FHIR Patient resources
    canary.hits(name, data) -> list[str]        "file: value #i (kind)", never the value itself
    canary.scan_tree(root, skip) / scan_zip(path)

Reports name the value by its index and kind only: test output must not hold patient data.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

MIN_LENGTH = 4  # shorter values ("Roy") match by chance in binary files


def _plain(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", value)
                   if not unicodedata.combining(c))


def text_forms(value: str) -> set[str]:
    out = set()
    for v in {value, _plain(value), unicodedata.normalize("NFD", value)}:
        out |= {v, json.dumps(v)[1:-1], quote(v, safe=""), quote_plus(v, safe=""),
                quote(v, safe="").lower(), v.replace(" ", "+"), v.replace(" ", "%20")}
    return out


def nam_forms(nam: str) -> set[str]:
    a, b, c = nam[:4], nam[4:8], nam[8:]
    return {nam} | {f"{a}{s}{b}{s}{c}" for s in (" ", "-", "+", "%20", "%2D", "\\u0020")}


def date_forms(iso: str) -> set[str]:
    y, m, d = iso.split("-")
    return {iso, f"{y}{m}{d}", f"{d}/{m}/{y}", f"{y}/{m}/{d}", f"{d}-{m}-{y}"}


def phone_forms(phone: str) -> set[str]:
    digits = re.sub(r"\D", "", phone)[-10:]
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return {digits, f"({a}) {b}-{c}"} | {f"{a}{s}{b}{s}{c}" for s in ("-", " ", ".", "%20", "+")}


@dataclass
class Canary:
    values: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)

    @classmethod
    def from_patients(cls, patients: Iterable[dict], extra: Iterable[str] = ()) -> Canary:
        found = cls()
        for p in patients:
            for ident in p.get("identifier") or ():
                kind = "nam" if ident["system"].endswith("/nam") else "identifier"
                found.add(kind, ident["value"])
            for name in p.get("name") or ():
                found.add("name", name.get("family", ""))
                for given in name.get("given") or ():
                    found.add("name", given)
                found.add("name", " ".join([*name.get("given", ()), name.get("family", "")]))
            if p.get("birthDate"):
                found.add("birth date", p["birthDate"])
            for telecom in p.get("telecom") or ():
                if telecom.get("system") == "phone":
                    found.add("phone", telecom["value"])
        for value in extra:
            found.add("text", value)
        return found

    def add(self, kind: str, value: str) -> None:
        if len(value) >= MIN_LENGTH and (kind, value) not in self.values:
            self.values.append((kind, value))

    def _needles(self) -> list[tuple[int, str, set[str]]]:
        forms: dict[str, Callable[[str], set[str]]] = {
            "nam": nam_forms, "birth date": date_forms, "phone": phone_forms}
        return [(i, kind, {f.casefold() for f in forms.get(kind, text_forms)(value)})
                for i, (kind, value) in enumerate(self.values)]

    def hits(self, name: str, data: bytes) -> list[str]:
        texts = [data.decode("utf-8", "replace")]
        for enc in ("utf-16-le", "utf-16-be"):
            texts += [data.decode(enc, "replace"), data[1:].decode(enc, "replace")]
        texts = [t.casefold() for t in texts]
        return [f"{name}: value #{i} ({kind})" for i, kind, needles in self._needles()
                if any(n in t for t in texts for n in needles)]

    def scan_tree(self, root: Path, skip: Callable[[Path], bool] = lambda p: False
                  ) -> tuple[list[str], int]:
        """(hits, number of files read) for every file under `root` not skipped."""
        found, count = [], 0
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not skip(p)):
            count += 1
            found += self.hits(str(path.relative_to(root)), path.read_bytes())
        return found, count

    def scan_zip(self, path: Path) -> tuple[list[str], int]:
        found = []
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            for name in names:
                found += self.hits(f"{path.name}!{name}", zf.read(name))
        return found, len(names)
