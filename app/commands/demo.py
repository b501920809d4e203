"""The demo's environment, below the UI (the `clinicdesk demo` command is app.ui.demo: it opens
the window). `environment(...)` makes a temporary folder for the user's settings and store, starts
a private pcscd with the virtual QHR key (app.commands.demo_key: Tools menu, Ctrl+Shift+I inserts
and removes it) and the reference server with synthetic patients on loopback, and yields what
the app needs. Everything it starts is stopped (and waited on) at exit, and its folder deleted.

The demo keeps its store keys in memory (app.commands.demo_keyring), never in the user's keyring.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.demo.virtual_key import VirtualKey
    from server.processes import ServerProcess
    from server.seed.staff import DemoAccount


@dataclass(frozen=True)
class Demo:
    server_url: str
    accounts: tuple[DemoAccount, ...]  # the staff the server was seeded with
    virtual_key: VirtualKey | None  # None without pcscd/vpcd


@contextmanager
def environment(patients: int, sign_in: str | None = None,
                key_inserted: bool = False) -> Iterator[Demo]:
    """`sign_in`: the account whose virtual key it is (else Dre Tremblay's)."""
    folder = Path(tempfile.mkdtemp(prefix="clinicdesk-demo-"))
    print(f"Demo data (deleted at exit): {folder}", flush=True)
    os.environ.update({
        "CLINICDESK_HOME": str(folder / "home"), "XDG_DATA_HOME": str(folder / "data"),
        "CLINICDESK_ALLOW_INSECURE_KEYRING": "1",
        "PYTHON_KEYRING_BACKEND": "app.commands.demo_keyring.MemoryKeyring"})
    server = key = None
    try:
        from app.commands.demo_key import DemoKey
        from server.seed.staff import ACCOUNTS

        key = DemoKey.start(folder, sign_in)  # before any other PC/SC call
        if key is not None and key_inserted:
            key.key.insert()
        server = start_server(folder / "server", patients,
                              ("--qhr-ca", str(key.ca_cert)) if key else ())
        yield Demo(server.base, tuple(ACCOUNTS), key.key if key else None)
    finally:
        if server is not None:
            server.stop()
        if key is not None:
            key.stop()
        shutil.rmtree(folder, ignore_errors=True)


def start_server(data: Path, patients: int,
                 extra_args: tuple[str, ...] = ()) -> ServerProcess:
    from server.processes import ServerProcess

    print(f"Starting the reference server with {patients} synthetic patients…", flush=True)
    subprocess.run([sys.executable, "-m", "server.cli", "seed", "--data", str(data),
                    "--patients", str(patients)], check=True, stdout=subprocess.DEVNULL)
    server = ServerProcess(data, auth=True, extra_args=extra_args).start()
    print(f"Server: {server.base}", flush=True)
    return server
