"""Shared test set-up. Fixtures for each real component live in tests/fixtures/<component>.py."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CLINICDESK_ALLOW_INSECURE_KEYRING", "1")

pytest_plugins: list[str] = [
    "tests.fixtures.pcsc",
    "tests.fixtures.sync",
    "tests.fixtures.ui",
    "tests.fixtures.server_forks",  # before its users: imported as a plugin, asserts rewritten
    "tests.fixtures.server",
    "tests.fixtures.identity",
    "tests.fixtures.store",
    "tests.fixtures.access",
    "tests.fixtures.qhr",
    "tests.fixtures.ramq",
    "tests.fixtures.bundle",
    "tests.fixtures.smart",
    "tests.fixtures.r4",
    "tests.fixtures.quirks",
]
