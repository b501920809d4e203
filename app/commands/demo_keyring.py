"""An in-memory keyring back-end for the demo only: the demo's stores live in a temporary folder
that is deleted at exit, so their keys must not be left in the user's real keyring (and a machine
without a desktop session has no Secret Service at all). Never used outside `clinicdesk demo`."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 0.1  # only ever chosen by name (PYTHON_KEYRING_BACKEND)

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._items.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")
