"""The store's errors: one root, one subclass per failure the user must be told apart.

Texts never name a patient or repeat a path's contents; nothing is deleted or rewritten when
one of these is raised.
"""

from __future__ import annotations

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, text

CTX = "store"


class StoreError(UserFacingError):
    """Root of every error of app.store."""

    source = QT_TRANSLATE_NOOP("store", "The local chart store failed.")

    def __init__(self, detail: str = "", **args: object):
        super().__init__(text(CTX, self.source, **args))
        self.detail = detail  # technical, for the log; never patient data

    def __str__(self) -> str:
        return f"{self.text}" + (f" ({self.detail})" if self.detail else "")


class StoreNotFound(StoreError):
    source = QT_TRANSLATE_NOOP("store", "There is no local store for this user on this computer.")


class StoreExists(StoreError):
    source = QT_TRANSLATE_NOOP("store", "A local store already exists for this user.")


class WrongPassword(StoreError):
    source = QT_TRANSLATE_NOOP("store", "The password is not correct.")


class KeyringEntryMissing(StoreError):
    source = QT_TRANSLATE_NOOP(
        "store", "The key of the local store is missing from the system keyring. The store was "
             "kept; sign in online to rebuild it, or ask support to restore the keyring entry.")


class KeyFileMissing(StoreError):
    source = QT_TRANSLATE_NOOP(
        "store", "The key file beside the local store is missing. The store was kept unchanged; "
                 "restore the file, or sign in online to rebuild the store.")


class WrongKey(StoreError):
    source = QT_TRANSLATE_NOOP(
        "store", "The key found does not belong to this local store. The store was kept unchanged.")


class CorruptDatabase(StoreError):
    source = QT_TRANSLATE_NOOP(
        "store",
        "The local store is damaged and cannot be read. It was kept unchanged for support.")


class DatabaseTooNew(StoreError):
    source = QT_TRANSLATE_NOOP(
        "store", "The local store was written by a newer version of ClinicDesk (version {found}, "
             "this one knows up to {known}). Install the newer version to open it.")


class DiskFull(StoreError):
    source = QT_TRANSLATE_NOOP(
        "store", "The disk is full: the change was not saved. Free some space and try again.")


class InsecureKeyring(StoreError):
    source = QT_TRANSLATE_NOOP(
        "store", "No secure system keyring is available (found: {backend}). ClinicDesk will not "
             "keep patient data under a key stored in plain text.")


class KeyringUnavailable(StoreError):
    source = QT_TRANSLATE_NOOP(
        "store",
        "The system keyring could not be reached. Sign in to your session again and retry.")


class StoreClosed(StoreError):
    source = QT_TRANSLATE_NOOP("store", "The local store is closed.")
