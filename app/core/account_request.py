"""User-account requests (seed 003): the fields and rules, shared by the client's form and the
server, so both refuse the same things.

`request_problems(request, requester, emails_of_others)` → field name → translatable reason
(empty: valid). `emails_of_others` holds the e-mail addresses already given for other people
(a personal e-mail is not shared). Statuses run submitted → in progress → welcome e-mail sent;
creation takes up to 3 business days (`due_date`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from app.core.profiles import Profession, UserProfile
from app.core.text import QT_TRANSLATE_NOOP, Text, text

CTX = "account_request"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# Shared mailbox names (seed 003: "shared email box addresses are not accepted").
SHARED_MAILBOXES = frozenset({
    "info", "reception", "admin", "administration", "contact", "clinique", "clinic", "accueil",
    "secretariat", "bureau", "office", "support", "noreply", "no-reply", "rendezvous", "rdv",
    "facturation", "billing", "general", "mail", "courriel",
})
BILLING = re.compile(r"^\S.*\S\s+-\s+\d+$")  # "Clinique Exemple - 123"
NON_PHYSICIAN_PROFESSIONALS = frozenset({
    Profession.NURSE, Profession.AUXILIARY_NURSE, Profession.NURSE_PRACTITIONER,
    Profession.PHARMACIST})
BUSINESS_DAYS = 3


class Status(StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in-progress"
    WELCOME_SENT = "welcome-sent"


@dataclass(frozen=True)
class LabRegistration:
    laboratory: str
    number: str


@dataclass(frozen=True)
class AccountRequest:
    first_name: str
    last_name: str
    email: str
    had_account: bool
    institutions: tuple[str, ...]  # institution ids
    primary_institution: str
    occupation: Profession
    administrative: bool  # an administrative account
    practice_number: str = ""
    prescriber_number: str = ""
    lab_registrations: tuple[LabRegistration, ...] = ()
    reference_account: str = ""  # "Last, First (id)" of an active account: mandates copied
    reference_account_id: str = ""
    billing: str = ""  # billing name and client number, "Clinique Exemple - 123"
    comment: str = ""  # special rights: record merge, administrator account, request accounts
    existing_username: str = ""  # when had_account and known

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["occupation"] = self.occupation.value
        data["institutions"] = list(self.institutions)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountRequest:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["occupation"] = Profession(values["occupation"])
        values["institutions"] = tuple(values.get("institutions") or ())
        values["lab_registrations"] = tuple(
            LabRegistration(str(r.get("laboratory", "")), str(r.get("number", "")))
            for r in values.get("lab_registrations") or ())
        values["had_account"] = bool(values.get("had_account"))
        values["administrative"] = bool(values.get("administrative"))
        values["email"] = str(values.get("email", "")).strip().lower()
        return cls(**values)


_P = {
    "requester": QT_TRANSLATE_NOOP(
        CTX, "Only staff authorised to manage user accounts of this institution may request "
        "an account."),
    "name": QT_TRANSLATE_NOOP(CTX, "Enter the new user's first and last name."),
    "email": QT_TRANSLATE_NOOP(CTX, "Enter a valid e-mail address."),
    "shared": QT_TRANSLATE_NOOP(
        CTX, "This looks like a shared mailbox: give an address only the new user reads."),
    "own": QT_TRANSLATE_NOOP(CTX, "Do not give your own e-mail address: give the new user's."),
    "taken": QT_TRANSLATE_NOOP(
        CTX, "This e-mail address is already given for another person: each user needs their "
        "own address."),
    "institutions": QT_TRANSLATE_NOOP(CTX, "Name every institution of the new user."),
    "primary": QT_TRANSLATE_NOOP(CTX, "Choose the primary institution among those named."),
    "foreign": QT_TRANSLATE_NOOP(CTX, "You may request accounts only for your institutions."),
    "admin": QT_TRANSLATE_NOOP(
        CTX, "Administrative accounts are for administrative staff only: a health professional "
        "may not hold one."),
    "practice": QT_TRANSLATE_NOOP(CTX, "Enter the professional's practice number."),
    "labs": QT_TRANSLATE_NOOP(
        CTX, "Enter the laboratory registration number(s) with the laboratory's name, or the "
        "user will not receive results."),
    "reference": QT_TRANSLATE_NOOP(
        CTX, "Give the reference account (name and id) whose mandates are copied."),
    "billing": QT_TRANSLATE_NOOP(
        CTX, "Enter the billing name and client number as on the invoice, e.g. "
        "\"Clinique Exemple - 123\"."),
}


def _t(key: str) -> Text:
    return text(CTX, _P[key])


def may_request(requester: UserProfile) -> bool:
    """An authorised administrative account (the clinic administrator)."""
    return requester.is_administrative and requester.profession == Profession.ADMINISTRATOR


def _email_problem(email: str, requester: UserProfile, others: frozenset[str]) -> Text | None:
    if not EMAIL.match(email):
        return _t("email")
    local = email.split("@", 1)[0].lower()
    if local in SHARED_MAILBOXES or local.split("+", 1)[0] in SHARED_MAILBOXES:
        return _t("shared")
    if email.lower() in others:
        return _t("taken")
    return None


def request_problems(req: AccountRequest, requester: UserProfile,
                     emails_of_others: frozenset[str] = frozenset(),
                     requester_email: str = "") -> dict[str, Text]:
    out: dict[str, Text] = {}
    if not may_request(requester):
        out["requester"] = _t("requester")
    if not req.first_name.strip() or not req.last_name.strip():
        out["name"] = _t("name")
    problem = _email_problem(req.email, requester, emails_of_others)
    if problem is None and requester_email and req.email.lower() == requester_email.lower():
        problem = _t("own")
    if problem is not None:
        out["email"] = problem
    _institution_problems(req, requester, out)
    professional = req.occupation.is_professional
    if req.administrative and (professional or req.occupation not in (
            Profession.ADMINISTRATOR, Profession.RECEPTIONIST)):
        out["administrative"] = _t("admin")
    if professional and req.occupation != Profession.EXTERN and not req.practice_number.strip():
        out["practice_number"] = _t("practice")
    if req.occupation in NON_PHYSICIAN_PROFESSIONALS and (not req.lab_registrations or any(
            not r.laboratory.strip() or not r.number.strip() for r in req.lab_registrations)):
        out["lab_registrations"] = _t("labs")
    if not req.reference_account.strip() or not req.reference_account_id.strip():
        out["reference_account"] = _t("reference")
    if not BILLING.match(req.billing.strip()):
        out["billing"] = _t("billing")
    return out


def _institution_problems(req: AccountRequest, requester: UserProfile,
                          out: dict[str, Text]) -> None:
    if not req.institutions:
        out["institutions"] = _t("institutions")
        return
    mine = {i.id for i in requester.institutions}
    if mine and not set(req.institutions) <= mine:
        out["institutions"] = _t("foreign")
    if req.primary_institution not in req.institutions:
        out["primary_institution"] = _t("primary")


def due_date(submitted: date) -> date:
    """Submitted + 3 business days (weekends skipped)."""
    day, left = submitted, BUSINESS_DAYS
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


@dataclass(frozen=True)
class RequestRecord:
    """A request as the server keeps it and the requester sees it."""

    id: str
    status: Status
    submitted: str  # ISO instant
    due: str  # ISO date (3 business days)
    welcome_sent: str = ""
    updates_existing: bool = False  # "had an account before": an update, not a new account
    request: dict[str, Any] = field(default_factory=dict)
    username: str = ""  # the account, once created (an update keeps it)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RequestRecord:
        return cls(data["id"], Status(data["status"]), data["submitted"], data["due"],
                   data.get("welcome_sent", ""), bool(data.get("updates_existing")),
                   data.get("request") or {}, data.get("username", ""))
