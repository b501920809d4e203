"""A store whose patient index was written by an older normaliser (hyphens and accents kept:
"CÔTÉ", "MARC-ANDRÉ") is reindexed when it is opened after the upgrade (migration 0008): the
workstation's offline search "cote marc andre" then finds the cached chart. Real SQLCipher
store, real keyring, the real PatientSearch over the store thread."""

from __future__ import annotations

import pytest

from app.store import Store, StoreExecutor, keys
from app.workstation.patients import NotInCache, PatientSearch
from tests.fixtures.store import FAST_KDF

PATIENT = {"resourceType": "Patient", "id": "p-old", "birthDate": "1960-02-03",
           "name": [{"family": "Côté", "given": ["Marc-André"]}],
           "identifier": [{"system": "https://www.ramq.gouv.qc.ca/nam", "value": "COTM60020319"}]}
QUERIES = ("cote marc andre 1960-02-03", "Côté Marc-André 1960-02-03",
           "COTE MARC-ANDRE 1960-02-03")


class _Session:
    """What PatientSearch needs of a signed-in session: offline (the cache only)."""

    def __init__(self, executor, profile):
        self.executor, self.profile, self.client = executor, profile, None


def _old_store(path) -> None:
    """A store at version 7 whose index holds the names as an older normaliser wrote them."""
    store = Store.create("1000001", "pw", path=path, kdf=FAST_KDF)
    store.put_resources([PATIENT])
    conn = store._conn
    conn.execute("UPDATE patient_index SET surname = 'CÔTÉ', given = 'MARC-ANDRÉ'")
    conn.execute("PRAGMA user_version = 7")
    store.close()


def _search(path, query: str):
    from tests.fixtures.ui import PHYSICIAN

    executor = StoreExecutor(lambda: Store.unlock("1000001", "pw", path=path))
    try:
        return [p.id for p in PatientSearch(_Session(executor, PHYSICIAN)).search(query)]
    except NotInCache:
        return []
    finally:
        executor.close()


@pytest.fixture
def old_store(tmp_path):
    path = tmp_path / "old.db"
    _old_store(path)
    yield path
    keys.delete_keyring_entries(keys.KeyFile.load(keys.key_file_path(path)))


def test_an_old_index_is_reindexed_when_the_store_is_opened(old_store):
    for query in QUERIES:
        assert _search(old_store, query) == ["p-old"], query


def test_without_the_reindex_the_old_index_misses(old_store, monkeypatch):
    """The guard: with migration 0008 a no-op the same searches find nothing."""
    from app.store import migrations

    module = migrations.MIGRATIONS[7][1]
    monkeypatch.setattr(module, "upgrade", lambda conn: None)
    assert _search(old_store, QUERIES[0]) == []
