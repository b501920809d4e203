"""RAMQ registration import configuration and the front-desk look-up answers (seed 000, 004).

Pure rules shared by the client's form and the server's route, so both refuse the same things:

- `ImportConfig` holds every item of seed 000; `config_problems(config, aip_in_use)` lists each
  refused field with a translatable reason (empty: valid). `aip_in_use` is the set of AIP codes
  another system already holds (an AIP code may be used by one system at a time).
- `FamilyPhysician` and `Eligibility` are the answers of the "Identité du médecin de famille"
  and "Vérification de l'admissibilité" services; "not registered" is an answer, not an error.
- `ImportStatus` is what the last import did (state, which credential failed and since when).
Passwords travel in `ImportConfig` only towards the server; `public_view` drops them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from typing import Any

from app.core.text import QT_TRANSLATE_NOOP, Text, text

CTX = "ramq"
FMG_REFERENCE = re.compile(r"^1\d{3}$")
PLACE_OF_FOLLOW_UP = re.compile(r"^[56]\d{4}$")
AIP_CODE = re.compile(r"^[A-Z0-9]{4,16}$")
CE_IDENTIFIER = re.compile(r"^CE[A-Z0-9]{3,14}$")
IP_IDENTIFIER = re.compile(r"^IP[A-Z0-9]{3,14}$")
PASSWORDS = ("aip1_password", "aip2_password", "ce_password")


class ImportType(StrEnum):
    FMG = "fmg"
    NON_FMG = "non-fmg"


class ImportState(StrEnum):
    NEVER = "never"  # not configured, or no import yet
    OK = "ok"
    OK_SECOND_AIP = "ok-second-aip"  # the first AIP identifier failed, the second worked
    CREDENTIALS_INVALID = "credentials-invalid"  # stopped; what was imported is kept
    CREDENTIALS_EXPIRED = "credentials-expired"
    CE_OWNER_LEFT = "ce-owner-left"  # updates stopped until a new CE identifier is given
    FAILED = "failed"


@dataclass(frozen=True)
class ImportConfig:
    establishment_name: str
    import_type: ImportType
    fmg_reference: str  # "1XXX" for FMG, "" otherwise
    aip1_code: str
    aip1_password: str
    aip2_code: str
    aip2_password: str
    place_of_follow_up: str  # "5XXXX" / "6XXXX"
    ce_identifier: str  # "CE…" (administrative staff) or "IP…" (solo physician)
    ce_owner_name: str
    ce_password: str

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "import_type": self.import_type.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportConfig:
        values = {f.name: str(data.get(f.name) or "").strip() for f in fields(cls)}
        values["aip1_code"] = values["aip1_code"].upper()
        values["aip2_code"] = values["aip2_code"].upper()
        values["ce_identifier"] = values["ce_identifier"].upper()
        try:
            kind = ImportType(values["import_type"])
        except ValueError:
            kind = None  # refused by config_problems
        return cls(**{**values, "import_type": kind})  # type: ignore[arg-type]

    def public_view(self) -> dict[str, Any]:
        """Everything but the passwords (which are never shown again)."""
        shown = self.to_json()
        for name in PASSWORDS:
            shown.pop(name)
        return shown

    def with_passwords_of(self, stored: ImportConfig | None) -> ImportConfig:
        """Blank passwords mean "keep the stored one" (the form never shows them again)."""
        if stored is None:
            return self
        kept = {n: getattr(stored, n) for n in PASSWORDS if not getattr(self, n)}
        return replace(self, **kept)


_P = {
    "name": QT_TRANSLATE_NOOP(CTX, "Enter the full name of the establishment."),
    "type": QT_TRANSLATE_NOOP(CTX, "Choose the import type: FMG or non-FMG (one per institution)."),
    "fmg": QT_TRANSLATE_NOOP(CTX, "An FMG import needs the FMG reference number (1XXX)."),
    "fmg_format": QT_TRANSLATE_NOOP(CTX, "The FMG reference number has the form 1XXX."),
    "fmg_not_fmg": QT_TRANSLATE_NOOP(
        CTX, "A non-FMG import has no FMG reference number: leave it empty."),
    "aip": QT_TRANSLATE_NOOP(CTX, "Enter the AIP access code given by RAMQ (letters and digits)."),
    "aip_password": QT_TRANSLATE_NOOP(CTX, "Enter the password of this AIP access code."),
    "aip_same": QT_TRANSLATE_NOOP(CTX, "The two AIP identifiers must be different."),
    "aip_used": QT_TRANSLATE_NOOP(
        CTX, "This AIP access code is already used by another system: an AIP code may be "
        "used by one system at a time. Ask RAMQ for codes reserved for ClinicDesk."),
    "place": QT_TRANSLATE_NOOP(
        CTX, "The place-of-follow-up number is the billing establishment number, 5XXXX or 6XXXX."),
    "ce": QT_TRANSLATE_NOOP(
        CTX, "Enter a CE identifier (administrative staff) or an IP identifier (solo physician)."),
    "owner": QT_TRANSLATE_NOOP(CTX, "Enter the full name (first and last) of the CE "
                               "identifier's owner."),
    "ce_password": QT_TRANSLATE_NOOP(CTX, "Enter the password of the CE identifier."),
}


def _t(key: str) -> Text:
    return text(CTX, _P[key])


def config_problems(config: ImportConfig, aip_in_use: frozenset[str] = frozenset()
                    ) -> dict[str, Text]:
    """Field name → why it is refused; empty when the configuration is valid."""
    out: dict[str, Text] = {}
    if len(config.establishment_name.split()) < 2:
        out["establishment_name"] = _t("name")
    if config.import_type not in (ImportType.FMG, ImportType.NON_FMG):
        out["import_type"] = _t("type")
    elif config.import_type == ImportType.FMG and not config.fmg_reference:
        out["fmg_reference"] = _t("fmg")
    elif config.import_type == ImportType.NON_FMG and config.fmg_reference:
        out["fmg_reference"] = _t("fmg_not_fmg")
    if config.fmg_reference and not FMG_REFERENCE.match(config.fmg_reference):
        out["fmg_reference"] = _t("fmg_format")
    for n in ("1", "2"):
        code, password = getattr(config, f"aip{n}_code"), getattr(config, f"aip{n}_password")
        if not AIP_CODE.match(code):
            out[f"aip{n}_code"] = _t("aip")
        elif code in aip_in_use:
            out[f"aip{n}_code"] = _t("aip_used")
        if not password:
            out[f"aip{n}_password"] = _t("aip_password")
    if config.aip1_code and config.aip1_code == config.aip2_code:
        out.setdefault("aip2_code", _t("aip_same"))
    if not PLACE_OF_FOLLOW_UP.match(config.place_of_follow_up):
        out["place_of_follow_up"] = _t("place")
    if not (CE_IDENTIFIER.match(config.ce_identifier) or IP_IDENTIFIER.match(config.ce_identifier)):
        out["ce_identifier"] = _t("ce")
    if len(config.ce_owner_name.split()) < 2:
        out["ce_owner_name"] = _t("owner")
    if not config.ce_password:
        out["ce_password"] = _t("ce_password")
    return out


@dataclass(frozen=True)
class FamilyPhysician:
    """Answer of "Identité du médecin de famille"; `registered` False is a valid answer."""

    registered: bool
    physician: str = ""  # the physician's (or group's) name
    physician_id: str = ""  # "Practitioner/{id}" when known
    group: str = ""  # FMG or group name
    since: str = ""  # ISO date of the registration
    place_of_follow_up: str = ""
    fmg: str = ""  # FMG reference, for an FMG registration
    as_of: str = ""  # ISO instant of the information (the server's answer time)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FamilyPhysician:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Eligibility:
    """Answer of "Vérification de l'admissibilité": insured or not, and until when."""

    insured: bool
    until: str = ""  # ISO date the coverage ends ("" when not insured)
    as_of: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Eligibility:
        return cls(bool(data.get("insured")), str(data.get("until") or ""),
                   str(data.get("as_of") or ""))


@dataclass(frozen=True)
class ImportStatus:
    state: ImportState
    at: str = ""  # ISO instant of the last attempt
    credential: str = ""  # which credential failed: "aip1", "aip2", "ce"
    since: str = ""  # since when it has been failing (first failed attempt)
    imported: int = 0  # registrations received in the last successful import
    updated: int = 0  # patients whose registration changed

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "state": self.state.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportStatus:
        return cls(ImportState(data.get("state", "never")), data.get("at", ""),
                   data.get("credential", ""), data.get("since", ""),
                   int(data.get("imported", 0)), int(data.get("updated", 0)))
