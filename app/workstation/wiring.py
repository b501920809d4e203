"""The services the windows call (app.workstation.contracts), wired from the layers below.

`role_readable` and `QhrRules` are pure rules from core/qhr; the session, patient, chart, note,
key viewer, RAMQ, sync-status, schedule and access-log services are this package's other
modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from app.core.data_class import DataClass
from app.core.profiles import UserProfile
from app.workstation.access_log import AccessLogReader
from app.workstation.charts import ChartReader
from app.workstation.contracts import DemoUser, Services, VirtualKeySwitch
from app.workstation.key_viewer import KeyViewer
from app.workstation.notes import ChartNotes
from app.workstation.patients import PatientSearch
from app.workstation.ramq import SessionRamq
from app.workstation.schedule import Schedule
from app.workstation.session import Session
from app.workstation.sync_status import SessionSync

if TYPE_CHECKING:
    from app.qhr.eligibility import Verdict
    from app.settings import Settings


def role_readable(profile: UserProfile) -> frozenset[DataClass]:
    """What this user could read of some patient at all (own patient, open consent): the
    sections outside it are never built. Each chart is still read through the policy."""
    from app.core.access import role_classes

    return role_classes(profile)


class QhrRules:
    """QhrService from app.qhr.eligibility (pure, cheap)."""

    def eligibility(self, profile: UserProfile, key_plugged: bool) -> Verdict:
        from app.qhr.eligibility import eligibility

        return eligibility(profile, key_plugged=key_plugged)


def system_browser(url: str) -> bool:
    """Open `url` in the user's default web browser (False: none could be started)."""
    import webbrowser

    return webbrowser.open(url)


def build_services(demo_users: Sequence[DemoUser] = (), settings: Settings | None = None,
                   virtual_key: VirtualKeySwitch | None = None,
                   open_browser: Callable[[str], bool] | None = None) -> Services:
    """`virtual_key`: the demo's (app.demo.virtual_key.VirtualKey), offered in the menu.
    `open_browser` (the app: `system_browser`): sign in through the browser where the server
    offers it (app.workstation.signin); None: the password grant.
    The QHR key monitor reads the PC/SC service this process finds (PCSCLITE_CSOCK_NAME); the
    tokens' PKCS#11 modules are the settings' overrides, else the token table's."""
    from app.devices.pkcs11_key import set_module_overrides
    from app.settings import Settings as AppSettings

    set_module_overrides((settings or AppSettings()).pkcs11_modules())
    session = Session(demo_users, settings, open_browser=open_browser)
    qhr = KeyViewer(session)
    return Services(session=session, patients=PatientSearch(session),
                    charts=ChartReader(session), sync=SessionSync(session), qhr=QhrRules(),
                    ramq=SessionRamq(session), keys=qhr, viewer=qhr, virtual_key=virtual_key,
                    notes=ChartNotes(session), schedule=Schedule(session),
                    access_log=AccessLogReader(session))
