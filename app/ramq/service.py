"""RAMQ services for the workstation: the front desk's look-ups (online, else from the cache with
the date of the information) and the administrator's forms (import configuration, account
requests), over the server's /api/ramq routes with the FhirClient's bearer auth.

    RamqService(client, store, profile, reader=None)
    .family_physician(nam) -> Looked[FamilyPhysician]   # .from_cache, .as_of
    .eligibility(nam) -> Looked[Eligibility]
    .import_config() -> ConfigView        .save_import_config(ImportConfig) -> ConfigView
    .run_import() -> ImportStatus
    .submit_account_request(AccountRequest) -> RequestRecord
    .account_requests() -> list[RequestRecord]
Every look-up is checked by app.core.access (REGISTRATION class) before anything is read, and
written to the local access log (with the cached answer, in one transaction). Forms are checked
by the same rules as the server's (app.core.ramq, app.core.account_request) before sending.

Errors: SyncError (the layer's root); `FormRefused(SyncError)` carries `problems`
(field → Text) from the local rules or the server's 422; `NoAnswer(SyncError)` when offline with
no earlier answer; app.core.access.AccessDenied when the role may not look up registrations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from app.central.client import FhirClient
from app.central.errors import Kind, SyncError, raise_for_status
from app.core import access, nam
from app.core.account_request import (
    AccountRequest,
    RequestRecord,
    may_request,
    request_problems,
)
from app.core.data_class import DataClass
from app.core.profiles import UserProfile
from app.core.ramq import (
    Eligibility,
    FamilyPhysician,
    ImportConfig,
    ImportStatus,
    config_problems,
)
from app.core.text import QT_TRANSLATE_NOOP, Text, text
from app.store import Access, IndexEntry

T = TypeVar("T")
Answer = FamilyPhysician | Eligibility
CTX = "ramq"
FAMILY_PHYSICIAN, ELIGIBILITY = "family-physician", "eligibility"
FALLBACK = frozenset({Kind.NETWORK, Kind.TIMEOUT, Kind.OFFLINE, Kind.SERVER, Kind.TLS})
_T = {
    "no_answer": QT_TRANSLATE_NOOP(
        CTX, "The central server cannot be reached and this NAM has not been looked up on "
        "this workstation before."),
    "nam": QT_TRANSLATE_NOOP(CTX, "This is not a valid health insurance number (NAM)."),
    "admin": QT_TRANSLATE_NOOP(CTX, "Only an authorised administrator may use this form."),
}


class FormRefused(SyncError):
    def __init__(self, problems: dict[str, Text]):
        super().__init__(Kind.CLIENT, f"refused fields: {', '.join(sorted(problems))}",
                         status=422)
        self.problems = problems
        self.text = next(iter(problems.values()))


class NoAnswer(SyncError):
    def __init__(self) -> None:
        super().__init__(Kind.OFFLINE, "no cached RAMQ answer")
        self.text = text(CTX, _T["no_answer"])


@dataclass(frozen=True)
class Looked(Generic[T]):
    answer: T
    from_cache: bool  # True: the server could not be reached; show "information as of"
    as_of: str  # ISO instant of the information


@dataclass(frozen=True)
class ConfigView:
    institution: str
    config: dict[str, Any] | None  # ImportConfig.public_view(): never any password
    status: ImportStatus


class RamqReads(Protocol):
    """What the service reads of the store (a Store, a Reader, or a proxy to the store thread)."""

    def ramq_answer(self, nam: str, service: str) -> tuple[dict[str, Any], str] | None: ...

    def find_by_nam(self, nam: str) -> list[IndexEntry]: ...


class RamqStore(RamqReads, Protocol):
    """…and what it writes."""

    def put_ramq_answer(self, nam: str, service: str, answer: dict[str, Any], as_of: str,
                        access: Access | None = None) -> None: ...

    def log_access(self, access: Access) -> object: ...


class RamqService:
    def __init__(self, client: FhirClient | None, store: RamqStore, profile: UserProfile,
                 reader: RamqReads | None = None):
        self.client, self.store, self.profile = client, store, profile
        self.reader = reader or store

    # -- transport -------------------------------------------------------------------------
    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if self.client is None:  # signed in offline
            raise SyncError(Kind.OFFLINE, "signed in offline")
        response = self.client.request(method, f"/api/ramq/{path}", json_body=body)
        if response.status_code == 422 and "problems" in response.text:
            raise FormRefused({k: text(v["context"], v["source"])
                               for k, v in response.json()["problems"].items()})
        raise_for_status(response, f"{method} api/ramq/{path.split('/')[0]}")
        answer: dict[str, Any] = response.json()
        return answer

    # -- look-ups --------------------------------------------------------------------------
    def family_physician(self, raw_nam: str) -> Looked[FamilyPhysician]:
        return self._look_up(raw_nam, FAMILY_PHYSICIAN, FamilyPhysician.from_json)

    def eligibility(self, raw_nam: str) -> Looked[Eligibility]:
        return self._look_up(raw_nam, ELIGIBILITY, Eligibility.from_json)

    def _look_up(self, raw_nam: str, service: str, parse: Callable[[dict[str, Any]], Answer],
                 ) -> Looked[Any]:
        access.require(access.decide(self.profile, _NO_PATIENT, DataClass.REGISTRATION))
        if not nam.is_valid(raw_nam):
            raise FormRefused({"nam": text(CTX, _T["nam"])})
        number = nam.normalise(raw_nam)
        log = Access(self.profile.username, self._patient_id(number), DataClass.REGISTRATION,
                     f"ramq-{service}")
        try:
            data = self._send("POST", service, {"nam": number})
        except SyncError as err:
            if err.kind not in FALLBACK:
                raise
            return self._from_cache(number, service, parse, log)
        answer = parse(data)
        self.store.put_ramq_answer(number, service, answer.to_json(), answer.as_of, log)
        return Looked(answer, False, answer.as_of)

    def _from_cache(self, number: str, service: str, parse: Callable[[dict[str, Any]], Answer],
                    log: Access) -> Looked[Any]:
        found = self.reader.ramq_answer(number, service)
        if found is None:
            raise NoAnswer()
        self.store.log_access(log)
        return Looked(parse(found[0]), True, found[1])

    def _patient_id(self, number: str) -> str | None:
        entries = self.reader.find_by_nam(number)
        return entries[0].patient_id if len(entries) == 1 else None

    # -- administrator forms ---------------------------------------------------------------
    def _require_admin(self) -> None:
        if not may_request(self.profile):
            raise FormRefused({"requester": text(CTX, _T["admin"])})

    def import_config(self) -> ConfigView:
        self._require_admin()
        return _view(self._send("GET", "config"))

    def save_import_config(self, config: ImportConfig, first_time: bool = False) -> ConfigView:
        """Blank passwords keep the stored ones, unless this is the first configuration."""
        self._require_admin()
        problems = config_problems(config)
        if not first_time:
            problems = {k: v for k, v in problems.items() if not k.endswith("password")}
        if problems:
            raise FormRefused(problems)
        return _view(self._send("PUT", "config", config.to_json()))

    def run_import(self) -> ImportStatus:
        self._require_admin()
        return ImportStatus.from_json(self._send("POST", "import"))

    def submit_account_request(self, request: AccountRequest) -> RequestRecord:
        problems = request_problems(request, self.profile)
        if problems:
            raise FormRefused(problems)
        return RequestRecord.from_json(self._send("POST", "account-requests",
                                                  request.to_json()))

    def account_requests(self) -> list[RequestRecord]:
        self._require_admin()
        return [RequestRecord.from_json(r)
                for r in self._send("GET", "account-requests")["requests"]]


_NO_PATIENT = access.PatientContext("", frozenset(), access.consent_from_fhir([]))


def _view(data: dict[str, Any]) -> ConfigView:
    return ConfigView(data["institution"], data.get("config"),
                      ImportStatus.from_json(data["status"]))
