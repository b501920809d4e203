"""A simulated RAMQ: the B2B services a clinic's software calls, with RAMQ's credential checks.

RAMQ's own registry of credentials lives in `<data dir>/ramq-source.json` (tests and the demo
edit it to expire a code or have a CE owner leave):
  {"aip": {CODE: {"password": P, "expires": "YYYY-MM-DD"}},
   "ce":  {IDENTIFIER: {"password": P, "expires": "YYYY-MM-DD", "owner_active": true}},
   "other_systems_aip": [CODE, ...]}          # AIP codes another partner (billing…) holds
The default registry holds the demo credentials (`DEMO`). Registrations and eligibility are
deterministic functions of the patients in the store (seeded data) and of the day, so that the
same day gives the same answers and successive nights bring some changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from app.core.ramq import ImportConfig, ImportState, ImportType
from app.core.registration import Registration

REGISTRY_FILE = "ramq-source.json"
DEMO = {
    "aip": {"AIPCD01": {"password": "demo-aip-1", "expires": "2099-12-31"},
            "AIPCD02": {"password": "demo-aip-2", "expires": "2099-12-31"},
            "AIPCS01": {"password": "demo-aip-3", "expires": "2099-12-31"},
            "AIPCS02": {"password": "demo-aip-4", "expires": "2099-12-31"}},
    "ce": {"CEGMF01": {"password": "demo-ce-1", "expires": "2099-12-31", "owner_active": True},
           "IPCOTE1": {"password": "demo-ip-1", "expires": "2099-12-31", "owner_active": True}},
    "other_systems_aip": ["AIPFACT1"],
}
CHANGED_PER_NIGHT = 0.03  # share of registrations that change from one night to the next


@dataclass(frozen=True)
class Access:
    """The outcome of signing in to RAMQ: `state` OK / OK_SECOND_AIP or why it failed."""

    state: ImportState
    credential: str = ""  # "aip1+aip2" or "ce" when it failed


def _h(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big")


class RamqSource:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / REGISTRY_FILE

    def registry(self) -> dict:
        if self.path.exists():
            return json.loads(self.path.read_text(encoding="utf-8"))
        return DEMO

    def other_systems_aip(self) -> frozenset[str]:
        return frozenset(self.registry().get("other_systems_aip", ()))

    @staticmethod
    def _check(entry: dict | None, password: str, today: date) -> ImportState | None:
        if entry is None or entry.get("password") != password:
            return ImportState.CREDENTIALS_INVALID
        if date.fromisoformat(entry.get("expires", "9999-12-31")) < today:
            return ImportState.CREDENTIALS_EXPIRED
        return None

    def sign_in(self, config: ImportConfig, today: date) -> Access:
        reg = self.registry()
        aips = reg.get("aip", {})
        first = self._check(aips.get(config.aip1_code), config.aip1_password, today)
        second = None
        if first is not None:
            second = self._check(aips.get(config.aip2_code), config.aip2_password, today)
            if second is not None:
                return Access(second if first == second else ImportState.CREDENTIALS_INVALID,
                              "aip1+aip2")
        ce = reg.get("ce", {}).get(config.ce_identifier)
        failed = self._check(ce, config.ce_password, today)
        if failed is not None:
            return Access(failed, "ce")
        if not ce.get("owner_active", True):
            return Access(ImportState.CE_OWNER_LEFT, "ce")
        return Access(ImportState.OK if first is None else ImportState.OK_SECOND_AIP)

    def registration(self, patient: dict, config: ImportConfig, physicians: tuple[str, ...],
                     today: date) -> Registration | None:
        """RAMQ's registration of this patient with the institution (None: not registered)."""
        nam = next((i["value"] for i in patient.get("identifier", ())
                    if i.get("system", "").endswith("/nam")), patient.get("id", ""))
        seeded = _seeded(patient)
        changed = _h(nam, today.isoformat()) % 10_000 < CHANGED_PER_NIGHT * 10_000
        if seeded is not None and not changed:
            physician, since = seeded.physician, seeded.since
        elif seeded is None and not changed:
            return None
        else:  # a change tonight: a new registration, or a change of physician
            physician = physicians[_h(nam, "who", today.isoformat()) % len(physicians)]
            since = today - timedelta(days=1 + _h(nam, "since") % 30)
        fmg = config.fmg_reference if config.import_type == ImportType.FMG else None
        return Registration(physician, since, config.place_of_follow_up, fmg)

    @staticmethod
    def eligibility(nam: str, today: date) -> tuple[bool, date | None]:
        """Insured or not, and until when (deterministic per NAM)."""
        value = _h(nam, "insured")
        if value % 50 == 0:
            return False, None
        return True, date(today.year + 1 + value % 4, 1 + value % 12, 1) - timedelta(days=1)


def _seeded(patient: dict) -> Registration | None:
    from app.core.registration import registrations_of
    active = [r for r in registrations_of(patient) if r.active]
    return active[0] if active else None
