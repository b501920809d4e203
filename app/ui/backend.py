"""The services the windows call (app.ui.services), wired from the layers below.

`role_readable` and `QhrRules` are pure rules from core/qhr; the HTTP session, patient and chart
services are in app.ui.remote and app.ui.remote_data (app.sync and app.store).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.data_class import DataClass
from app.core.profiles import UserProfile
from app.ui.services import DemoUser, Services


def role_readable(profile: UserProfile) -> frozenset[DataClass]:
    """What this user could read of some patient at all (own patient, open consent): the
    sections outside it are never built. Each chart is still read through the policy."""
    from app.core.access import role_classes

    return role_classes(profile)


class QhrRules:
    """QhrService from app.qhr.eligibility (pure, cheap)."""

    def eligibility(self, profile: UserProfile, key_plugged: bool):
        from app.qhr.eligibility import eligibility

        return eligibility(profile, key_plugged=key_plugged)


def build_services(demo_users: Sequence[DemoUser] = (), settings=None,
                   virtual_key=None) -> Services:
    """`virtual_key`: the demo's (app.demo.virtual_key.VirtualKey), offered in the menu.
    The QHR key monitor reads the PC/SC service this process finds (PCSCLITE_CSOCK_NAME)."""
    from app.ui.remote import RemoteSession
    from app.ui.remote_data import FhirCharts, FhirPatients
    from app.ui.remote_notes import SessionNotes
    from app.ui.remote_qhr import RemoteQhr
    from app.ui.remote_ramq import SessionRamq
    from app.ui.remote_sync import SessionSync

    session = RemoteSession(demo_users, settings)
    qhr = RemoteQhr(session)
    return Services(session=session, patients=FhirPatients(session), charts=FhirCharts(session),
                    sync=SessionSync(session), qhr=QhrRules(), ramq=SessionRamq(session),
                    keys=qhr, viewer=qhr, virtual_key=virtual_key,
                    notes=SessionNotes(session))
