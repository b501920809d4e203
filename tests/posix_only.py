"""Tests that need a POSIX system and do not skip themselves elsewhere yet: skipped on Windows,
each with its reason. The Windows workflow loads this plugin (`-p tests.posix_only`); every entry
is checked to name an existing test (tests/unit/test_installer_posix_only.py). A test that skips
itself (e.g. test_sync_kill: no SIGKILL on Windows) does not belong here: prefer that, in the
test's own file, and remove the entry."""

from __future__ import annotations

import os

import pytest

POSIX_ONLY = {
    "tests/integration/test_server_process.py::test_health_logs_and_graceful_shutdown":
        "sends SIGTERM itself; on Windows Popen.send_signal(SIGTERM) terminates at once "
        "(server.processes stops the server gracefully there with CTRL_BREAK_EVENT)",
    "tests/integration/test_store_keys.py::test_create_records_backend_and_unlock_round_trips":
        "expects the Secret Service keyring back-end; Windows has the Credential Manager",
    "tests/integration/test_store_diskfull.py::test_disk_full_is_distinct_and_keeps_earlier_data":
        "runs `mount -t tmpfs`",
    "tests/integration/test_bench_quick.py::"
    "test_the_quick_run_measures_every_module_and_prints_no_patient":
        "bench reads os.getloadavg() and /proc",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.name != "nt":
        return
    for item in items:
        reason = POSIX_ONLY.get(item.nodeid.split("[")[0])
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"POSIX only: {reason}"))
