"""Storage types shared by the back-ends: stored versions, search criteria, errors.

StorageError
├── NotFound            no such resource or version
├── Gone                the resource (or the version asked for) is deleted; carries that version
├── VersionConflict     If-Match names another version than the current one
├── MultipleMatches     a conditional create matched several resources
├── Contention          concurrent writers: this one was rolled back (a deadlock); retry
├── Unavailable         the database cannot be reached (a restart, a lost connection); retry
└── BadQuery            a search parameter or value this server does not support
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


class StorageError(Exception):
    """Root of the storage errors; texts never carry patient data."""


class NotFound(StorageError):
    pass


class Gone(StorageError):
    def __init__(self, message: str, version: Version):
        super().__init__(message)
        self.version = version


class VersionConflict(StorageError):
    pass


class MultipleMatches(StorageError):
    pass


class Contention(StorageError):
    pass


class Unavailable(StorageError):
    pass


class BadQuery(StorageError):
    pass


@dataclass(frozen=True)
class Version:
    """One stored version of a resource. `text` is the JSON with meta filled in (None: deleted)."""

    rtype: str
    rid: str
    version: int
    last_updated: str
    deleted: bool
    seq: int
    text: str | None
    patient: str | None = None
    method: str = "PUT"
    data_class: str | None = None  # app.core.data_class.DataClass value; None: not patient data

    @property
    def version_id(self) -> str:
        return str(self.version)

    @property
    def reference(self) -> str:
        return f"{self.rtype}/{self.rid}"

    def resource(self) -> dict:
        return json.loads(self.text) if self.text else {}

    @classmethod
    def stored(cls, rtype: str, rid: str, version: int, last_updated: str, deleted: bool,
               seq: int, text: str | None, patient: str | None, data_class: str | None,
               method: str = "PUT") -> Version:
        """A version as read from the store: the same object as `Version(...)`, built without
        the frozen dataclass's __init__ (an object.__setattr__ per field, ~4× the cost, for
        every row of every page read)."""
        version_ = object.__new__(cls)
        version_.__dict__.update({
            "rtype": rtype, "rid": rid, "version": version, "last_updated": last_updated,
            "deleted": deleted, "seq": seq, "text": text, "patient": patient, "method": method,
            "data_class": data_class})
        return version_


@dataclass(frozen=True)
class Clause:
    """One search condition: `values` are OR-ed, clauses are AND-ed."""

    name: str
    values: tuple[str, ...]
    prefix: str = "eq"  # for dates and _lastUpdated: eq, ne, gt, ge, lt, le


@dataclass
class Criteria:
    rtype: str
    clauses: list[Clause] = field(default_factory=list)
    count: int = 100
    after_seq: int = 0  # paging cursor: entries with a greater sequence number


@dataclass
class Page:
    versions: list[Version]
    next_cursor: int | None  # None: this is the last page
    total: int | None = None
