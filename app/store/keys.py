"""The store key: 32 random bytes used as SQLCipher's raw key, never written in the clear.

Where things live (per app user, per store):
- `<store>.db.key` (JSON beside the database): store id, username, scrypt salt and parameters,
  the AES-256-GCM-wrapped database key, the SQLCipher salt of the database (first 16 bytes of
  the file, to tell "another store's key" from "damaged file"), and the keyring backend used.
- the OS keyring, service `ClinicDesk store`, account `<username>:<store id>`: a random 32-byte
  secret plus a password verifier.

Wrapping key = HKDF-SHA256(keyring secret ‖ scrypt(password)). So the file alone is useless
(no keyring secret), the keyring alone is useless (no password): a colleague signed in to the
same Windows session reads the keyring but not the password; offline sign-in checks the
password against the verifier.

scrypt parameters: N=2^16, r=8, p=1 (64 MiB, ≈ 175 ms on the CI machine). OWASP's minimum for
password storage is N=2^17 (≈ 380 ms here), over the 300 ms unlock budget; a stolen file also
needs the DPAPI/Secret Service secret, so half of that work factor was chosen. The parameters
are recorded per store and can be raised later by re-wrapping.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.errors
import platformdirs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.store.errors import (
    InsecureKeyring,
    KeyFileMissing,
    KeyringEntryMissing,
    KeyringUnavailable,
    WrongKey,
    WrongPassword,
)

SERVICE = "ClinicDesk store"
ALLOW_INSECURE = "CLINICDESK_ALLOW_INSECURE_KEYRING"
# Back-ends that keep secrets encrypted by the OS session; anything else is refused.
SECURE_BACKENDS = {
    "keyring.backends.Windows.WinVaultKeyring",
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
}

T = TypeVar("T")


@dataclass(frozen=True)
class KdfParams:
    n: int = 2**16
    r: int = 8
    p: int = 1

    def derive(self, password: str, salt: bytes) -> bytes:
        return hashlib.scrypt(password.encode(), salt=salt, n=self.n, r=self.r, p=self.p,
                              maxmem=256 * self.r * self.n * self.p + 2**24, dklen=32)


DEFAULT_KDF = KdfParams()


@dataclass
class KeyFile:
    store_id: str
    username: str
    salt: str
    kdf: dict[str, Any]
    nonce: str
    wrapped: str
    backend: str
    db_salt: str = ""
    version: int = 1
    created: float = field(default_factory=time.time)

    @property
    def account(self) -> str:
        return f"{self.username}:{self.store_id}"

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise KeyFileMissing("no key file") from None
        except (ValueError, TypeError) as err:
            raise WrongKey("key file unreadable") from err


def default_path(username: str) -> Path:
    """The database of `username` in the platform's user-data folder."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", username)
    return platformdirs.user_data_path("ClinicDesk", appauthor=False) / "stores" / f"{safe}.db"


def key_file_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".key")


def backend_name(backend: keyring.backend.KeyringBackend | None = None) -> str:
    backend = backend or keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def check_backend() -> str:
    """The keyring back-end in use; InsecureKeyring if it is not one that the OS protects."""
    backend = keyring.get_keyring()
    chain = getattr(backend, "backends", None) or [backend]
    names = [backend_name(b) for b in chain]
    if all(n in SECURE_BACKENDS for n in names) or os.environ.get(ALLOW_INSECURE) == "1":
        return backend_name(backend)
    raise InsecureKeyring(", ".join(names), backend=", ".join(names) or "none")


def _wrapping_key(secret: bytes, password_key: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"clinicdesk store wrap")
    return hkdf.derive(secret + password_key)


def _verifier(password_key: bytes, store_id: str) -> str:
    return _b64(hmac.new(password_key, b"verify:" + store_id.encode(), "sha256").digest())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(data: str) -> bytes:
    return base64.b64decode(data)


def _keyring_call(fn: Callable[..., T], *args: object) -> T:
    try:
        return fn(*args)
    except keyring.errors.KeyringError as err:
        raise KeyringUnavailable(type(err).__name__) from err


def create_key(username: str, password: str, kdf: KdfParams = DEFAULT_KDF) -> tuple[bytes, KeyFile]:
    """A new database key, wrapped; its keyring secret is stored before this returns."""
    backend = check_backend()
    db_key, secret, salt = (secrets.token_bytes(32), secrets.token_bytes(32),
                            secrets.token_bytes(16))
    store_id = str(uuid.uuid4())
    password_key = kdf.derive(password, salt)
    nonce = secrets.token_bytes(12)
    aad = f"{store_id}:{username}".encode()
    wrapped = AESGCM(_wrapping_key(secret, password_key)).encrypt(nonce, db_key, aad)
    key_file = KeyFile(store_id, username, _b64(salt), asdict(kdf), _b64(nonce), _b64(wrapped),
                       backend)
    entry = {"store_id": store_id, "secret": _b64(secret),
             "verifier": _verifier(password_key, store_id)}
    _keyring_call(keyring.set_password, SERVICE, key_file.account, json.dumps(entry))
    return db_key, key_file


def unwrap_key(key_file: KeyFile, password: str, timings: dict[str, Any] | None = None) -> bytes:
    """The database key; WrongPassword / KeyringEntryMissing / WrongKey tell what failed."""
    check_backend()
    started = time.perf_counter()
    raw = _keyring_call(keyring.get_password, SERVICE, key_file.account)
    keyring_done = time.perf_counter()
    if raw is None:
        raise KeyringEntryMissing("no keyring entry")
    try:
        entry = json.loads(raw)
        secret = _unb64(entry["secret"])
    except (ValueError, KeyError, TypeError) as err:
        raise WrongKey("keyring entry unreadable") from err
    if entry.get("store_id") != key_file.store_id:
        raise WrongKey("keyring entry of another store")
    password_key = KdfParams(**key_file.kdf).derive(password, _unb64(key_file.salt))
    kdf_done = time.perf_counter()
    if timings is not None:
        timings.update(keyring_s=keyring_done - started, kdf_s=kdf_done - keyring_done)
    if not hmac.compare_digest(entry.get("verifier", ""), _verifier(password_key,
                                                                    key_file.store_id)):
        raise WrongPassword()
    aad = f"{key_file.store_id}:{key_file.username}".encode()
    try:
        return AESGCM(_wrapping_key(secret, password_key)).decrypt(
            _unb64(key_file.nonce), _unb64(key_file.wrapped), aad)
    except (InvalidTag, ValueError) as err:
        raise WrongKey("wrapped key does not open") from err


def delete_keyring_entries(key_file: KeyFile) -> None:
    """Remove this store's keyring entries (used when a store is deliberately retired)."""
    for account in (key_file.account, key_file.account + ":audit"):
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, account)


def save_anchor(key_file: KeyFile, count: int, head_hash: str) -> None:
    """The access log's head, kept outside the database (see access_log.py)."""
    _keyring_call(keyring.set_password, SERVICE, key_file.account + ":audit",
                  json.dumps([count, head_hash]))


def load_anchor(key_file: KeyFile) -> tuple[int, str] | None:
    raw = _keyring_call(keyring.get_password, SERVICE, key_file.account + ":audit")
    if not raw:
        return None
    count, head_hash = json.loads(raw)
    return int(count), str(head_hash)
