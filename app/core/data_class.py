"""The classes of patient information that access rules, the access log and the UI speak of."""

from enum import StrEnum


class DataClass(StrEnum):
    DEMOGRAPHICS = "demographics"
    REGISTRATION = "registration"  # RAMQ registration, family physician, insurance eligibility
    APPOINTMENTS = "appointments"
    PROBLEMS = "problems"
    ALLERGIES = "allergies"
    MEDICATIONS = "medications"
    LABS = "labs"
    NOTES = "notes"  # encounters and consultation notes
    DOCUMENTS = "documents"
    QHR = "qhr"  # the Québec Health Record viewer: shown, never stored

    @property
    def is_clinical(self) -> bool:
        return self not in ADMINISTRATIVE


ADMINISTRATIVE = frozenset({DataClass.DEMOGRAPHICS, DataClass.REGISTRATION, DataClass.APPOINTMENTS})
