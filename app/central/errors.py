"""SyncError and its kinds: what went wrong talking to the server, without patient data."""

from __future__ import annotations

import math
import time
from email.utils import parsedate_to_datetime
from enum import StrEnum

import httpx

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, text


class Kind(StrEnum):
    AUTH = "auth"
    FORBIDDEN = "forbidden"
    GONE = "gone"
    CONFLICT = "conflict"
    CLIENT = "client"
    SERVER = "server"
    NETWORK = "network"
    TIMEOUT = "timeout"
    INVALID = "invalid"
    OFFLINE = "offline"
    TLS = "tls"
    THROTTLED = "throttled"
    INCOMPLETE = "incomplete"  # the server left out part of an answer and no fallback got it

    @property
    def transient(self) -> bool:
        """Worth retrying later: the same request may well succeed."""
        return self in TRANSIENT


TRANSIENT = frozenset({Kind.SERVER, Kind.NETWORK, Kind.TIMEOUT, Kind.INVALID, Kind.OFFLINE})

_TEXTS = {
    Kind.AUTH: QT_TRANSLATE_NOOP("sync", "Please sign in again to the central server."),
    Kind.FORBIDDEN: QT_TRANSLATE_NOOP("sync", "The central server refused access to this record."),
    Kind.GONE: QT_TRANSLATE_NOOP("sync", "This record is no longer on the central server."),
    Kind.CONFLICT: QT_TRANSLATE_NOOP(
        "sync", "Someone else changed this record; choose which version to keep."),
    Kind.CLIENT: QT_TRANSLATE_NOOP(
        "sync", "The central server rejected a request (error {status})."),
    Kind.SERVER: QT_TRANSLATE_NOOP("sync", "The central server has a problem (error {status})."),
    Kind.NETWORK: QT_TRANSLATE_NOOP("sync", "The central server cannot be reached."),
    Kind.TIMEOUT: QT_TRANSLATE_NOOP("sync", "The central server did not answer in time."),
    Kind.INVALID: QT_TRANSLATE_NOOP(
        "sync", "The central server sent an answer that cannot be read."),
    Kind.TLS: QT_TRANSLATE_NOOP(
        "sync", "The central server's certificate is not trusted; the connection was refused."),
    Kind.THROTTLED: QT_TRANSLATE_NOOP(
        "sync", "Too many failed sign-in attempts for this account or from this workstation. "
        "Try again in {minutes} min."),
    Kind.INCOMPLETE: QT_TRANSLATE_NOOP(
        "sync", "The central server sent only part of this record; nothing of it was saved. "
        "Try again later; if it persists, tell the server's administrator."),
    Kind.OFFLINE: QT_TRANSLATE_NOOP(
        "sync", "Working offline: changes are kept and will be sent when the server is back."),
}


class SyncError(UserFacingError):
    """Root of the sync layer's errors. `detail` is for logs: technical, never patient data."""

    def __init__(self, kind: Kind, detail: str = "", *, status: int | None = None,
                 retry_after: float | None = None):
        minutes = math.ceil(retry_after / 60) if retry_after else 1
        super().__init__(text("sync", _TEXTS[kind], status=status or 0, minutes=minutes))
        self.kind = kind
        self.detail = detail
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.kind.transient

    def __str__(self) -> str:
        status = f" {self.status}" if self.status else ""
        return f"{self.kind.value}{status}: {self.detail}" if self.detail else self.kind.value

    def __repr__(self) -> str:
        return f"SyncError({self.kind.value!r}, {self.detail!r}, status={self.status})"


def kind_for_status(status: int) -> Kind:
    if status == 401:
        return Kind.AUTH
    if status == 403:
        return Kind.FORBIDDEN
    if status in (404, 410):
        return Kind.GONE
    if status in (409, 412):
        return Kind.CONFLICT
    if status == 429 or status >= 500:
        return Kind.SERVER
    return Kind.CLIENT


def raise_for_status(response: httpx.Response, what: str) -> None:
    """SyncError for a 4xx/5xx answer; `what` names the call without ids or patient data."""
    if response.status_code < 400:
        return
    raise SyncError(kind_for_status(response.status_code), what, status=response.status_code,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))
