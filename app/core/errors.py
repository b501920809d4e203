"""Error roots shared by every layer.

ClinicDeskError
├── UserFacingError    carries a translatable `Text` the UI shows as it is
└── Cancelled          the user cancelled: never shown as an error

Each layer has its own root below ClinicDeskError, named in its package docstring
(StoreError, DeviceError, SyncError, QhrError). Exception text never contains patient data.
"""

from __future__ import annotations

from app.core.text import Text


class ClinicDeskError(Exception):
    """Root of every error ClinicDesk raises on purpose."""


class UserFacingError(ClinicDeskError):
    """An error whose `text` is written for the person in front of the screen."""

    def __init__(self, text: Text):
        super().__init__(str(text))
        self.text = text


class Cancelled(ClinicDeskError):
    """The user (or a cancel event) stopped the operation."""
