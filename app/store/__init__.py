"""Encrypted per-user store: SQLCipher chart cache, patient index, outbox, access log.

Public API (details in each module's docstring):

    Store.create(username, password, *, path=None, kdf=DEFAULT_KDF) -> Store
    Store.unlock(username, password, *, path=None) -> Store   # .timings: kdf_s, keyring_s…
    store.open_reader() -> Reader                              # read-only, another thread
    StoreExecutor(opener).submit(fn) -> Future                 # the one write thread
    reads:  get_resource, consents(patient_ids), list_by_type, cached_patient_ids, find_by_nam,
            find_by_name_birthdate, find_by_chart_number, get_cursor, outbox_batch,
            outbox_entry, open_conflicts, access_entries, unacknowledged_access,
            ramq_answer(nam, service) -> (answer, as_of) | None,
            chart_access(patient_ids), access_due(day)      # see chart_access.py
    writes: put_resources(resources, outbox_changes=, access=), apply_pull(upserts, deletes,
            cursors, access=None), delete_resource, enqueue, evict_chart, mark_acknowledged(_many),
            mark_failed, record_conflict(uuid, server, reason, earlier=),
            resolve_conflict(id, put=, delete=, outbox_changes=),
            set_cursor, log_access, acknowledge_access, purge_patient, close,
            put_ramq_answer(nam, service, answer, as_of, access=)
    verify_access_log() -> ChainVerdict(ok, count, first_bad, problem)
    sqlcipher_version() -> str                                 # for support bundles

Files: keys.py (key wrapping), db.py (connections, error mapping), migrations/NNNN_*.py,
resources.py, patients.py, outbox.py, chart_access.py, access_log.py, reader.py, store.py,
executor.py.

Errors (the layer's one root; each carries a translatable Text, none holds patient data, none
deletes or rewrites anything):

StoreError                  app.core.errors.UserFacingError
├── StoreNotFound           no store for this user / path
├── StoreExists             create() over an existing store
├── WrongPassword           the password does not match the keyring verifier
├── KeyringEntryMissing     the keyring has no entry for this store
├── KeyFileMissing          the database is there, its wrapped-key file is not
├── WrongKey                key of another store/user, or the wrapped key does not open
├── CorruptDatabase         the file fails SQLCipher's page checks
├── DatabaseTooNew          schema version above what this build knows (never downgraded)
├── DiskFull                a write failed for lack of space (the transaction rolled back)
├── InsecureKeyring         plaintext / failing keyring back-end (unless
│                           CLINICDESK_ALLOW_INSECURE_KEYRING=1, for tests and the demo)
├── KeyringUnavailable      the keyring refused or could not be reached
└── StoreClosed             used after close()
"""

from app.store.access_log import Access, ChainVerdict, Entry
from app.store.chart_access import Row as AccessRow
from app.store.errors import (
    CorruptDatabase,
    DatabaseTooNew,
    DiskFull,
    InsecureKeyring,
    KeyFileMissing,
    KeyringEntryMissing,
    KeyringUnavailable,
    StoreClosed,
    StoreError,
    StoreExists,
    StoreNotFound,
    WrongKey,
    WrongPassword,
)
from app.store.executor import StoreExecutor
from app.store.keys import DEFAULT_KDF, KdfParams
from app.store.outbox import OutboxChange, OutboxEntry
from app.store.patients import IndexEntry
from app.store.reader import Reader
from app.store.resources import gc_paused
from app.store.store import Store


def sqlcipher_version() -> str:
    """The SQLCipher library's version (e.g. "4.6.1 community")."""
    from app.store import db
    return db.sqlcipher_version()

__all__ = [
    "DEFAULT_KDF", "Access", "AccessRow", "ChainVerdict", "CorruptDatabase", "DatabaseTooNew",
    "DiskFull", "Entry", "IndexEntry", "InsecureKeyring", "KdfParams", "KeyFileMissing",
    "KeyringEntryMissing", "KeyringUnavailable", "OutboxChange", "OutboxEntry", "Reader",
    "Store", "StoreClosed", "StoreError", "StoreExecutor", "StoreExists", "StoreNotFound",
    "WrongKey", "WrongPassword", "gc_paused", "sqlcipher_version",
]
