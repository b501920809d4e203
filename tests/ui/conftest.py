"""Fixtures the UI tests share: the reference server with the demo's staff (SQLite, one per
run), and the real services of a workstation whose stores live in the test's folder."""

import pytest

from tests.fixtures.identity import seed_store
from tests.fixtures.ui import PHYSICIAN


@pytest.fixture
def server(server_factory):
    return server_factory("sqlite", auth=True, setup=seed_store, key="identity-seeded")


@pytest.fixture
def services(ui_settings, tmp_path, monkeypatch):
    from app.workstation.wiring import build_services

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    built = build_services(settings=ui_settings)
    yield built
    built.session.sign_out()


class _Session:
    """What ChartReader needs of a signed-in session: offline (the cache only)."""

    def __init__(self, executor, profile):
        self.executor, self.profile, self.client = executor, profile, None


@pytest.fixture
def cached(tmp_path):
    """`cached(resources)`: a reader over a store holding them as fetched from the server."""
    made = []

    from app.store import Store, StoreExecutor, keys
    from app.workstation.charts import ChartReader
    from tests.fixtures.store import FAST_KDF
    from tests.ui.chart_data import PATIENT_ID

    def make(resources, profile=PHYSICIAN):
        executor = StoreExecutor(lambda: Store.create(
            profile.username, "pw", path=tmp_path / f"{len(made)}.db", kdf=FAST_KDF))
        made.append(executor)
        executor.call(lambda store: store.put_resources(resources))
        executor.call(lambda store: store.apply_pull([], [], {f"chart:{PATIENT_ID}": "t"}))
        return ChartReader(_Session(executor, profile))
    yield make
    for executor in made:
        key_file = executor.call(lambda store: store.key_file)
        executor.close()
        keys.delete_keyring_entries(key_file)
