"""`clinicdesk demo [--offscreen] [--screenshot PATH] [--quit-after SECONDS] [--sign-in USER]
[--key-inserted]`: the reference server with synthetic patients on loopback, in a temporary
folder, a private pcscd with the virtual QHR key (app.commands.demo_key: Tools menu, Ctrl+Shift+I
inserts and removes it), and the app with the demo accounts listed on its sign-in window.
Everything it starts is stopped (and waited on) at exit, and its folder deleted.

Without a display (Linux: neither DISPLAY nor WAYLAND_DISPLAY) and without --offscreen, it says
what to run instead. The demo keeps its store keys in memory (app.commands.demo_keyring), never
in the user's keyring.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NO_DISPLAY = """No display found, so the ClinicDesk window cannot open here.
Instead, run one of:
  clinicdesk demo --offscreen --screenshot demo.png --quit-after 5   (a picture of the app)
  xvfb-run -a ./dev.sh demo                                          (a virtual display)
or start the demo from a desktop session (or with `ssh -X`)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="reference server + synthetic patients + the app")
    p.add_argument("--offscreen", action="store_true", help="render without a display")
    p.add_argument("--screenshot", type=Path, metavar="PATH", help="save the window as PNG")
    p.add_argument("--quit-after", type=float, metavar="SECONDS",
                   help="quit after this many seconds (0: once the first window is drawn)")
    p.add_argument("--sign-in", metavar="USERNAME", help="sign in as this demo account")
    p.add_argument("--patients", type=int, default=100, help="synthetic patients (default 100)")
    p.add_argument("--language", choices=("fr_CA", "en"), help="language of the app")
    p.add_argument("--key-inserted", action="store_true",
                   help="start with the virtual QHR key inserted")
    p.set_defaults(run=run)


def _has_display() -> bool:
    from app.ui.app import has_display  # the same rule as `clinicdesk` alone

    return has_display()


def run(args: argparse.Namespace) -> int:
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not _has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="clinicdesk-demo-"))
    print(f"Demo data (deleted at exit): {folder}", flush=True)
    os.environ.update({
        "CLINICDESK_HOME": str(folder / "home"), "XDG_DATA_HOME": str(folder / "data"),
        "CLINICDESK_ALLOW_INSECURE_KEYRING": "1",
        "PYTHON_KEYRING_BACKEND": "app.commands.demo_keyring.MemoryKeyring"})
    server = key = None
    try:
        from app.commands.demo_key import DemoKey

        key = DemoKey.start(folder, args.sign_in)  # before any other PC/SC call
        if key is not None and args.key_inserted:
            key.key.insert()
        server = start_server(folder / "server", args.patients,
                              ("--qhr-ca", str(key.ca_cert)) if key else ())
        return run_app(server.base, args, key.key if key else None)
    finally:
        if server is not None:
            server.stop()
        if key is not None:
            key.stop()
        shutil.rmtree(folder, ignore_errors=True)


def start_server(data: Path, patients: int, extra_args: tuple[str, ...] = ()):
    from server.processes import ServerProcess

    print(f"Starting the reference server with {patients} synthetic patients…", flush=True)
    subprocess.run([sys.executable, "-m", "server.cli", "seed", "--data", str(data),
                    "--patients", str(patients)], check=True, stdout=subprocess.DEVNULL)
    server = ServerProcess(data, auth=True, extra_args=extra_args).start()
    print(f"Server: {server.base}", flush=True)
    return server


def demo_users():
    from app.ui.services import DemoUser
    from server.seed.staff import ACCOUNTS

    return [DemoUser(a.profile.username, a.password, a.profile.display_name,
                     a.profile.profession.value) for a in ACCOUNTS]


def run_app(server_url: str, args: argparse.Namespace, virtual_key=None) -> int:
    from app.ui.app import run
    from app.ui.backend import build_services
    from app.ui.settings import Settings

    settings = Settings()
    settings.server_url = server_url
    if args.language:
        settings.language = args.language
    users = demo_users()
    auto = next(((u.username, u.password) for u in users if u.username == args.sign_in), None)
    if args.sign_in and auto is None:
        print(f"No demo account {args.sign_in!r}.", file=sys.stderr)
        return 2
    quit_after = args.quit_after
    if args.screenshot and quit_after is None:
        quit_after = 5.0
    return run(build_services(users, settings, virtual_key), settings, quit_after=quit_after,
               screenshot=args.screenshot, auto_sign_in=auto)
