"""`clinicdesk key diagnose [--json]`: the QHR access key as support sees it.

Exit 0 when a usable key is present, 1 otherwise. The card the QHR session would use is marked
`*` (the same choice: app.devices.choose). The last lines are the verdict in French and English,
saying what to do, for a receptionist to read over the phone.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("key", help="QHR access key tools")
    key_sub = parser.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    diag = key_sub.add_parser("diagnose", help="smart-card service, readers, cards, USB tokens")
    diag.add_argument("--json", action="store_true", help="one JSON object on stdout")
    diag.add_argument("--key-id", default=None,
                      help="the user's QHR key id (their profile's): pick that key among several")
    diag.set_defaults(run=run_diagnose)


def print_report(report: dict[str, Any]) -> None:
    print(f"Smart-card service: {report['service']} — {report['service_message']}")
    print(f"Readers: {', '.join(report['readers']) or 'none'}")
    for card in report["cards"]:
        name = card["token"] or ("PIV card" if card["piv"] else "not a QHR key")
        line = f"Card in {card['reader']}: {card['atr']} ({name})"
        if card["reader"] == report["chosen"]:
            line = "* " + line  # the card the QHR session would use
        if card["key_id"]:
            line += f", key {card['key_id']}"
        if card["pin_blocked"]:
            line += ", PIN BLOCKED (unblock with the PUK: QHR key issuer)"
        elif card["pin_tries_left"] is not None:
            line += f", PIN tries left {card['pin_tries_left']}"
        if card["error"]:
            line += f", error: {card['error']}"
        print(line)
    usb = report["usb"]
    tokens = ", ".join(f"{t['id']} {t['token']}" for t in usb["tokens"]) or "none"
    print(f"USB tokens: {tokens}" if usb["available"] else "USB tokens: scan unavailable")
    print()
    print(f"FR : {report['verdict']['fr']}")
    print(f"EN: {report['verdict']['en']}")


def run_diagnose(args: argparse.Namespace) -> int:
    from app.devices.diagnose import diagnose
    from app.devices.pkcs11_key import set_module_overrides

    def settings_modules() -> dict[str, str]:
        from app.settings import Settings

        return Settings().pkcs11_modules()

    set_module_overrides(settings_modules)  # read only if a PKCS#11 module is looked for
    report = diagnose(args.key_id).as_dict()
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print_report(report)
    return 0 if report["usable"] else 1
