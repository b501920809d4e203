"""`clinicdesk demo [--offscreen] [--screenshot PATH] [--quit-after SECONDS] [--sign-in USER]
[--language fr_CA|en] [--key-inserted]`: the app, with the demo accounts listed on its sign-in
window, in the demo's environment (app.commands.demo: the reference server with synthetic
patients on loopback, a private pcscd with the virtual QHR key, a temporary folder deleted at
exit).

This command sits in the UI layer because it opens the window: modules below the UI (the other
commands, app.commands.demo) never import app.ui; app.cli lists it by its module path. Without a
display (Linux: neither DISPLAY nor WAYLAND_DISPLAY) and without --offscreen, it says what to
run instead, before starting anything. Its imports stay inside `run` (`clinicdesk --help` and
every other command build this parser).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.commands.demo import Demo

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
    from app.ui.app import has_display  # the same rule as `clinicdesk` alone

    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    from app.commands.demo import environment

    with environment(args.patients, args.sign_in, args.key_inserted) as demo:
        return open_app(demo, args)


def open_app(demo: Demo, args: argparse.Namespace) -> int:
    from app.settings import Settings
    from app.ui.app import run as run_app
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
    return run_app(build_services(users, settings, demo.virtual_key), settings,
                   quit_after=quit_after, screenshot=args.screenshot, auto_sign_in=auto)
