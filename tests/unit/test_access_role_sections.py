"""The UI builds the sections a role reaches at best (`access.role_classes`): nurses, pharmacists,
residents and externs see their clinical sections although they are nobody's physician."""

import pytest

from app.core.access import role_classes
from app.core.data_class import DataClass
from app.core.profiles import Profession
from app.workstation.wiring import role_readable
from tests import access_matrix as m


@pytest.mark.parametrize("kind", list(Profession))
def test_sections_are_what_the_role_reaches_with_a_mandate(kind):
    profile = m.profile(kind, "none")
    best = {c.data_class for c in m.cases() if c.kind == kind and c.relation == "mandate"
            and c.consent == "open" and c.action == "read" and c.allowed}
    assert role_readable(profile) == role_classes(profile) == best


def test_nurse_and_pharmacist_sections_include_clinical_classes():
    assert DataClass.NOTES in role_readable(m.profile(Profession.NURSE, "none"))
    assert DataClass.MEDICATIONS in role_readable(m.profile(Profession.PHARMACIST, "none"))
    assert not role_readable(m.profile(Profession.RECEPTIONIST, "own")) & {
        c for c in DataClass if c.is_clinical}
