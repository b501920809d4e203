"""What the UI asks of the layers below: plain Python protocols, no Qt.

The windows call these on background operations (`app.ui.op.Op`); each call may block and may
raise `UserFacingError` (shown translated) or `Cancelled` (never shown). Implementations live
in this package (`app.workstation`, over store, sync, qhr), wired by `app.workstation.wiring`;
tests pass narrow fakes. Listener methods return a function that removes the listener;
listeners may be called from any thread (the UI relays them to the GUI thread by signal).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from app.core.data_class import DataClass
from app.core.profiles import UserProfile
from app.core.text import Text
from app.qhr.views import ImagingReport as ImagingReport  # what the QHR viewer shows
from app.qhr.views import LabTrend as LabTrend
from app.qhr.views import Point as Point
from app.qhr.views import QhrData as QhrData

if TYPE_CHECKING:  # app.ramq.service loads the HTTP stack: not before the first window paints
    from app.core.account_request import AccountRequest, RequestRecord
    from app.core.ramq import Eligibility, FamilyPhysician, ImportConfig, ImportStatus
    from app.qhr.session import Interaction
    from app.ramq.service import ConfigView as ConfigView  # the RAMQ window's types
    from app.ramq.service import Looked as Looked

Resource = dict[str, Any]  # a FHIR resource as JSON

Unsubscribe = Callable[[], None]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    display_name: str
    profession: str  # app.core.profiles.Profession value


@dataclass(frozen=True)
class SignedIn:
    profile: UserProfile
    server_url: str
    online: bool  # False: offline sign-in, the password was checked against the local store


class SessionService(Protocol):
    def sign_in(self, server: str, username: str, password: str,
                cancel: threading.Event | None = None) -> SignedIn:
        """Online when the server answers (token + profile; creates or unlocks the user's
        store), else offline against the local store. Wrong password: UserFacingError with
        `wait_s` (the wait now imposed); an attempt made during that wait is refused with
        app.store.throttle.TooManyAttempts (`wait_s` left) without checking the password."""

    def probe(self, server: str) -> bool:
        """True when the central server answers (quick, short timeout)."""

    def verify_password(self, password: str) -> bool:
        """Idle-lock re-entry for the signed-in user; throttled like sign-in (TooManyAttempts
        when made during the wait)."""

    def wait_left(self, username: str | None = None) -> float:
        """Seconds before a password attempt of `username` (default: the signed-in user) is
        accepted; 0 when it may be tried now."""

    def sign_out(self) -> None: ...

    def demo_users(self) -> Sequence[DemoUser]:
        """The demo's accounts (listed on the sign-in window); empty outside the demo."""


@dataclass(frozen=True)
class PatientSummary:
    id: str  # opaque
    family: str
    given: str
    birth_date: date | None
    nam: str | None
    chart_number: str | None = None
    sex: str = ""  # FHIR administrative gender: female, male, other, unknown ("" not recorded)
    family_physician: str = ""  # display name of the registered / treating physician


class PatientService(Protocol):
    def search(self, query: str, cancel: threading.Event | None = None) -> list[PatientSummary]:
        """One individual's record: NAM, surname + first name + birth date, or chart number.
        A query that could list many patients is refused with a UserFacingError."""


class Flag(StrEnum):
    """A result against its reference range (or the laboratory's interpretation)."""

    NONE = ""
    LOW = "L"
    HIGH = "H"
    CRITICAL_LOW = "LL"
    CRITICAL_HIGH = "HH"
    ABNORMAL = "A"


@dataclass(frozen=True)
class Appointment:
    id: str
    start: datetime  # this workstation's local time
    minutes: int | None
    patient: PatientSummary | None  # None: not on this workstation, or not for this user
    status: str  # FHIR Appointment.status (booked, arrived, fulfilled, cancelled…)
    description: str
    practitioner: str  # the physician's name as the appointment gives it, else username


@dataclass(frozen=True)
class DaySchedule:
    day: date
    appointments: tuple[Appointment, ...]
    clinic: bool  # the clinic's day (reception), not the signed-in user's own


class ScheduleService(Protocol):
    """app.workstation.schedule.Schedule: the day's appointments from the store, after a
    prefetch from the server when online (the patients' charts with them)."""

    def cached(self, day: date) -> DaySchedule:
        """From this workstation's store only (fast, offline)."""

    def refresh(self, day: date, cancel: threading.Event | None = None) -> DaySchedule:
        """Fetched from the server first when online, then as `cached`."""


AccessRow = dict[str, Any]  # at, username, information, action, workstation, reason, source


class AccessLogService(Protocol):
    """app.workstation.access_log.AccessLogReader: who read a patient's record (the
    patient's physician, the privacy officer), the administrator's review of the workstation's
    log; each look is itself logged."""

    def may_see_patient_logs(self, profile: UserProfile) -> bool: ...

    def may_review_workstation(self, profile: UserProfile) -> bool: ...

    def patient_log(self, patient_id: str,
                    cancel: threading.Event | None = None) -> list[AccessRow]: ...

    def workstation_log(self, cancel: threading.Event | None = None) -> list[AccessRow]: ...


@dataclass(frozen=True)
class ChartEntry:
    when: date | datetime | None
    title: str | Text  # data from the chart shown as is, or a translatable generic title
    detail: str = ""
    flag: Flag = Flag.NONE
    inactive: bool = False  # a stopped medication, a resolved problem, an inactive allergy
    severe: bool = False  # an allergy of high criticality
    author: str = ""
    kind: str | Text = ""  # the document's or note's type, for the reader
    body: str = ""  # the text the reader shows (note, document, report)
    pdf: bytes | None = None  # a PDF attachment, shown through QtPdf when available
    unsent: bool = False  # written here, not yet accepted by the central server
    quantity: tuple[float, str] | None = None  # a value and unit: shown in the locale's format


class AllergyState(StrEnum):
    LISTED = "listed"
    NONE_KNOWN = "none_known"  # recorded as "no known allergies"
    NOT_RECORDED = "not_recorded"  # nothing recorded either way
    WITHHELD = "withheld"  # the user may not read the allergies (restricted)


@dataclass(frozen=True)
class AllergyAlert:
    state: AllergyState
    items: tuple[str, ...] = ()  # "Arachides (anaphylaxie)", most severe first
    severe: bool = False  # at least one allergy of high criticality


@dataclass(frozen=True)
class Withheld:
    """A section the user may not read: why (each reason tells what to do), and whether the
    glass may be broken (a professional stopped by the patient's consent alone)."""

    reasons: tuple[Text, ...]
    can_break_glass: bool


@dataclass(frozen=True)
class FaceSheet:
    problems: tuple[ChartEntry, ...] = ()  # active
    current_medications: tuple[ChartEntry, ...] = ()
    stopped_medications: tuple[ChartEntry, ...] = ()
    vitals: tuple[ChartEntry, ...] = ()  # the latest of each
    results: tuple[ChartEntry, ...] = ()  # the latest of each test, flagged
    last_visit: ChartEntry | None = None
    next_visit: ChartEntry | None = None


@dataclass(frozen=True)
class Chart:
    patient: PatientSummary
    readable: frozenset[DataClass]  # the classes the user may read (decided below the UI)
    entries: dict[DataClass, list[ChartEntry]] = field(default_factory=dict)
    trends: tuple[LabTrend, ...] = ()  # one per LOINC test of the laboratory section
    withheld: dict[DataClass, Withheld] = field(default_factory=dict)  # shown as notices
    allergy_alert: AllergyAlert = AllergyAlert(AllergyState.NOT_RECORDED)
    face: FaceSheet = FaceSheet()
    imaging: tuple[ChartEntry, ...] = ()  # imaging reports (of the laboratory class)
    glass_broken_until: datetime | None = None  # withheld sections opened until then
    writable: frozenset[DataClass] = frozenset()  # the classes the user may write here
    complete: bool = True  # False: banner and face sheet only (ChartService.open_first)


class ChartService(Protocol):
    def readable(self, profile: UserProfile) -> frozenset[DataClass]:
        """Classes this user may read at all: the UI does not even create the others."""

    def open(self, patient_id: str, cancel: threading.Event | None = None) -> Chart:
        """Read through the access policy (which writes the access-log entry)."""

    def open_first(self, patient_id: str, cancel: threading.Event | None = None) -> Chart:
        """The banner's and face sheet's classes only (paints before the rest is decoded);
        `open_rest` then gives the whole chart. Each section is read and logged once."""

    def open_rest(self, patient_id: str, cancel: threading.Event | None = None) -> Chart: ...

    def break_glass(self, patient_id: str, reason: str,
                    cancel: threading.Event | None = None) -> Chart:
        """The chart with its withheld sections opened by breaking the glass: `reason` typed
        by the user, logged with each section read; valid for BREAK_GLASS_MINUTES. A reason
        too short is refused with a UserFacingError."""

    def unsent(self) -> int:
        """How many changes written here the central server has not accepted yet."""


BREAK_GLASS_MINUTES = 20
# Read first, for the banner and the face sheet: small classes (no laboratory result, no note).
FIRST = frozenset({DataClass.DEMOGRAPHICS, DataClass.REGISTRATION, DataClass.APPOINTMENTS,
                   DataClass.PROBLEMS, DataClass.ALLERGIES, DataClass.MEDICATIONS})


class KeyState(StrEnum):
    ABSENT = "absent"
    PRESENT = "present"
    PIN_NEEDED = "pin_needed"
    SESSION_OPEN = "session_open"
    BLOCKED = "blocked"  # the key's PIN is blocked: the viewer cannot be opened with it
    NO_SERVICE = "no_service"  # the smart-card (PC/SC) service is not running


class KeyService(Protocol):
    def state(self) -> KeyState: ...

    def add_listener(self, listener: Callable[[KeyState], None]) -> Unsubscribe:
        """`listener(state)` at each change, and once now."""

    def add_clear_listener(self, listener: Callable[[str], None]) -> Unsubscribe:
        """`listener(reason)` when the QHR viewer must clear (app.qhr.session.LockReason)."""


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    progress: float | None = None  # 0..1 during a pull, None when idle
    last_sync: datetime | None = None
    conflicts: int = 0


@dataclass(frozen=True)
class Conflict:
    """A change of ours the server refused because someone changed the record meanwhile."""

    id: int
    resource_type: str
    patient_id: str | None
    local: Resource | None  # our version (None: we deleted it)
    server: Resource | None  # the server's current version (None: deleted there)
    created: str = ""
    patient: str = ""  # whose chart, as the banner names them ("CÔTÉ, Hélène — 1955-01-01")


class SyncService(Protocol):
    def status(self) -> SyncStatus: ...

    def add_listener(self, listener: Callable[[SyncStatus], None]) -> Unsubscribe: ...

    def sync_now(self, cancel: threading.Event | None = None) -> None: ...

    def conflicts(self) -> list[Conflict]: ...

    def resolve(self, conflict_id: int, keep_local: bool) -> None:
        """Keep ours (sent again on the server's version) or the server's (cached)."""


class QhrEligibility(Protocol):
    """app.qhr.eligibility.Verdict has this shape."""

    @property
    def eligible(self) -> bool: ...

    @property
    def reasons(self) -> tuple[Text, ...]: ...  # every unmet condition, translatable


class QhrService(Protocol):
    def eligibility(self, profile: UserProfile, key_plugged: bool) -> QhrEligibility:
        """Pure rules, cheap: called on the GUI thread at each key change."""


class QhrViewer(Protocol):
    """app.workstation.key_viewer.KeyViewer: the signed-in user's QHR session
    (app.qhr.session.QhrSession)."""

    def begin(self, profile: UserProfile, interaction: Interaction) -> None:
        """At sign-in: the session of this user; `interaction` asks the PIN (GuiInteraction)."""

    def open(self, cancel: threading.Event | None = None) -> str:
        """Eligibility, key, PIN, signed challenge: the session opens (its key id)."""

    def view(self, patient_id: str, nam: str | None,
             cancel: threading.Event | None = None) -> QhrData:
        """app.qhr.views.QhrData of one patient (labs, imaging, medications), audited."""

    def touch(self) -> None: ...

    def lock(self, reason: str) -> None:
        """app.qhr.session.LockReason value: the viewer clears at once."""

    def end(self) -> None:
        """Sign-out."""


class VirtualKeySwitch(Protocol):
    """The demo's virtual QHR key (app.demo.virtual_key.VirtualKey)."""

    @property
    def inserted(self) -> bool: ...

    def insert(self) -> None: ...

    def remove(self) -> None: ...


class RamqDesk(Protocol):
    """app.ramq.service.RamqService: RAMQ look-ups (front desk) and the administrator's forms.
    Look-ups return `Looked(answer, from_cache, as_of)`; forms raise FormRefused(problems)."""

    def family_physician(self, nam: str) -> Looked[FamilyPhysician]: ...

    def eligibility(self, nam: str) -> Looked[Eligibility]: ...

    def import_config(self) -> ConfigView: ...

    def save_import_config(self, config: ImportConfig, first_time: bool = False) -> ConfigView:
        ...

    def run_import(self) -> ImportStatus: ...

    def submit_account_request(self, request: AccountRequest) -> RequestRecord: ...

    def account_requests(self) -> list[RequestRecord]: ...


class NoteService(Protocol):
    """app.workstation.notes.ChartNotes: notes saved to the store and outbox together."""

    def may_write(self, profile: UserProfile) -> bool: ...

    def draft(self, patient_id: str) -> str | None: ...

    def save_draft(self, patient_id: str, body: str) -> None: ...

    def write(self, patient_id: str, body: str) -> ChartEntry: ...


@dataclass
class Services:
    """Everything the windows are given; None means that part is not available here."""

    session: SessionService
    patients: PatientService
    charts: ChartService
    keys: KeyService | None = None
    sync: SyncService | None = None
    qhr: QhrService | None = None
    ramq: RamqDesk | None = None
    viewer: QhrViewer | None = None
    virtual_key: VirtualKeySwitch | None = None  # the demo's virtual QHR key only
    notes: NoteService | None = None
    schedule: ScheduleService | None = None
    access_log: AccessLogService | None = None
