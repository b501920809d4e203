"""Fixtures the UI tests share: the reference server with the demo's staff (SQLite, one per
run), and the real services of a workstation whose stores live in the test's folder."""

import pytest

from tests.fixtures.identity import seed_store


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
