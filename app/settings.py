"""The workstation's preferences (language, server address, idle delay…): one INI file in the
user's configuration folder (app.paths), not the registry, so tests can point it elsewhere.

Below the UI (QtCore's QSettings only, no widgets): the windows (app.ui) and the commands
(app.commands.export reads the saved profile) share it. LANGUAGES are the languages the app
offers, with their names as translatable source strings (shown by app.ui.signin, settings_dialog;
installed by app.ui.i18n.set_language)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from app.core.text import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from app.central.replies import ReplyLimits

LANGUAGES = {
    "fr_CA": QT_TRANSLATE_NOOP("language", "Français (Canada)"),
    "en": QT_TRANSLATE_NOOP("language", "English"),
}
DEFAULT_LANGUAGE = "fr_CA"
DEFAULT_IDLE_MINUTES = 10


def default_path() -> Path:
    """app.paths decides (CLINICDESK_SETTINGS / CLINICDESK_HOME override it)."""
    from app.paths import settings_file
    return settings_file()


class Settings:
    def __init__(self, path: Path | None = None):
        self.path = path or default_path()
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)

    @property
    def language(self) -> str:
        value = str(self._qs.value("language", DEFAULT_LANGUAGE))
        return value if value in LANGUAGES else DEFAULT_LANGUAGE

    @language.setter
    def language(self, value: str) -> None:
        self._qs.setValue("language", value)
        self._qs.sync()

    @property
    def server_url(self) -> str:
        return str(self._qs.value("server_url", ""))

    @server_url.setter
    def server_url(self, value: str) -> None:
        """Only an https address (or loopback) is kept: InsecureServer (a UserFacingError, its
        text in French and English) otherwise, and the saved address is left as it was; ""
        forgets it. One saved by an older version is refused where it is used (sign-in window,
        sync client)."""
        from app.core.server_address import check_server_url

        self._qs.setValue("server_url", check_server_url(value) if value.strip() else "")
        self._qs.sync()

    @property
    def last_username(self) -> str:
        return str(self._qs.value("last_username", ""))

    @last_username.setter
    def last_username(self, value: str) -> None:
        self._qs.setValue("last_username", value)
        self._qs.sync()

    @property
    def idle_minutes(self) -> int:
        try:
            return max(1, int(str(self._qs.value("idle_minutes", DEFAULT_IDLE_MINUTES))))
        except (TypeError, ValueError):
            return DEFAULT_IDLE_MINUTES

    @property
    def retention_days(self) -> int:
        """Charts not opened for this many days leave the cache (app.store.retention)."""
        from app.store.retention import DEFAULT_DAYS
        try:
            return max(0, int(str(self._qs.value("retention_days", DEFAULT_DAYS))))
        except (TypeError, ValueError):
            return DEFAULT_DAYS

    @retention_days.setter
    def retention_days(self, value: int) -> None:
        self._qs.setValue("retention_days", int(value))
        self._qs.sync()

    def reply_limits(self) -> ReplyLimits:
        """What a server's reply may hold (app.central.replies.ReplyLimits): the defaults, or the
        whole numbers under [limits] (reply_bytes, entries_per_page, resources_per_chart,
        resource_bytes) where an administrator raised or lowered them."""
        from dataclasses import fields, replace

        from app.central.replies import ReplyLimits
        limits = ReplyLimits()
        found = {f.name: _positive(self._qs.value(f"limits/{f.name}")) for f in fields(limits)}
        return replace(limits, **{k: v for k, v in found.items() if v is not None})

    def pkcs11_modules(self) -> dict[str, str]:
        """[pkcs11] FAMILY = PATH (idprime, etoken, piv): the PKCS#11 module of a token family
        installed elsewhere than its usual place (app.devices.tokens), tried first."""
        self._qs.beginGroup("pkcs11")
        try:
            found = {str(k): str(self._qs.value(k) or "").strip() for k in self._qs.childKeys()}
        finally:
            self._qs.endGroup()
        return {family: path for family, path in found.items() if path}

    def window_geometry(self, window: str) -> bytes:
        """A window's size and place as Qt saved it (saveGeometry), b"" when none yet."""
        value = self._qs.value(f"windows/{_key(window)}")
        return bytes(value.data()) if hasattr(value, "data") else b""

    def save_window_geometry(self, window: str, geometry: bytes) -> None:
        from PySide6.QtCore import QByteArray

        self._qs.setValue(f"windows/{_key(window)}", QByteArray(geometry))
        self._qs.sync()

    def saved_profile(self, username: str) -> str:
        """The profile JSON of the last online sign-in (staff data, for offline sign-in)."""
        return str(self._qs.value(f"profiles/{_key(username)}", ""))

    def save_profile(self, username: str, profile_json: str) -> None:
        self._qs.setValue(f"profiles/{_key(username)}", profile_json)
        self._qs.sync()


def _positive(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _key(username: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in username)
