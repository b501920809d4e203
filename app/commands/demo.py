"""`clinicdesk demo [--offscreen] [--screenshot PATH] [--quit-after SECONDS] [--sign-in USER]
[--language fr_CA|en] [--key-inserted] [--patients N]`: the app, with the demo accounts listed
on its sign-in window, in the demo's environment.

`environment(...)` makes a temporary folder for the user's settings and store, starts a private
pcscd with the virtual QHR key (app.commands.demo_key: Tools menu, Ctrl+Shift+I inserts and
removes it) and the reference server with synthetic patients on loopback, and yields what the
app needs. Everything it starts is stopped (and waited on) at exit, and its folder deleted.
The demo keeps its store keys in memory (app.commands.demo_keyring), never in the user's keyring.

Commands sit below the UI, so the window comes from the entry point: `args.window()` is
app.ui.app (app.cli hands it over). Without a display (Linux: neither DISPLAY nor
WAYLAND_DISPLAY) and without --offscreen, the command says what to run instead, before starting
anything. Heavy imports stay inside the functions (every command's parser is built at start-up).
"""

from __future__ import annotations

import argparse
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


NO_DISPLAY = """No display found, so the ClinicDesk window cannot open here.
Instead, run one of:
  clinicdesk demo --offscreen --screenshot demo.png --quit-after 5   (a picture of the app)
  xvfb-run -a ./dev.sh demo                                          (a virtual display)
or start the demo from a desktop session (or with `ssh -X`)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="reference server + synthetic patients + the app")
    p.add_argument("--offscreen", action="store_true", help="render without a display")
    p.add_argument("--screenshot", type=Path, metavar="PATH", help="save the window as PNG")
    p.add_argument("--quit-after", type=float, metavar="SECONDS",
                   help="quit after this many seconds (0: once the first window is drawn)")
    p.add_argument("--sign-in", metavar="USERNAME", help="sign in as this demo account")
    p.add_argument("--patients", type=int, default=100, help="synthetic patients (default 100)")
    p.add_argument("--language", choices=("fr_CA", "en"),  # app.settings.LANGUAGES, not
                   help="language of the app")              # imported here (start-up)
    p.add_argument("--key-inserted", action="store_true",
                   help="start with the virtual QHR key inserted")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ui = args.window()
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not ui.has_display():  # the same rule as `clinicdesk` alone
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    with environment(args.patients, args.sign_in, args.key_inserted) as demo:
        return open_app(demo, args)


def open_app(demo: Demo, args: argparse.Namespace) -> int:
    from app.settings import Settings
    from app.workstation.contracts import DemoUser
    from app.workstation.wiring import build_services

    settings = Settings()
    settings.server_url = demo.server_url
    if args.language:
        settings.language = args.language
    users = [DemoUser(a.profile.username, a.password, a.profile.display_name,
                      a.profile.profession.value) for a in demo.accounts]
    auto = next(((u.username, u.password) for u in users if u.username == args.sign_in), None)
    if args.sign_in and auto is None:
        print(f"No demo account {args.sign_in!r}.", file=sys.stderr)
        return 2
    quit_after = args.quit_after
    if args.screenshot and quit_after is None:
        quit_after = 5.0
    return int(args.window().run(build_services(users, settings, demo.virtual_key), settings,
                                 quit_after=quit_after, screenshot=args.screenshot,
                                 auto_sign_in=auto))


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
