"""The services the windows call (app.ui.services), wired from the layers below.

`role_readable` and `QhrRules` are pure rules from core/qhr; the HTTP session, patient and chart
services are in app.ui.remote (FHIR through app.sync).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.data_class import DataClass
from app.core.profiles import UserProfile
from app.ui.services import DemoUser, Services


def role_readable(profile: UserProfile) -> frozenset[DataClass]:
    """What this user could read of some patient at all (own patient, open consent): the
    sections outside it are never built. Each chart is still read through the policy."""
    from app.core.access import PatientContext, readable_classes
    from app.core.consent import OPEN

    best_case = PatientContext("-", frozenset({profile.username}), OPEN)
    return readable_classes(profile, best_case)


class QhrRules:
    """QhrService from app.qhr.eligibility (pure, cheap)."""

    def eligibility(self, profile: UserProfile, key_plugged: bool):
        from app.qhr.eligibility import eligibility

        return eligibility(profile, key_plugged=key_plugged)


def build_services(demo_users: Sequence[DemoUser] = ()) -> Services:
    from app.ui.remote import FhirCharts, FhirPatients, RemoteSession

    session = RemoteSession(demo_users)
    return Services(session=session, patients=FhirPatients(session), charts=FhirCharts(session),
                    qhr=QhrRules())
