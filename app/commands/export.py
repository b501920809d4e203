"""The patient's rights from the command line (Loi 25, LRSSS): the commands sign in like the app.

    clinicdesk export --patient NAM --output FILE [--store PATH] [--user NAME] [--server URL]
    clinicdesk audit report --patient NAM [--format csv|json] [--store PATH] [--user NAME]
                            [--server URL]

The user is `--user` or the one recorded beside `--store`; the password comes from
CLINICDESK_PASSWORD or the terminal. With `--server`, the user signs in to the central server
(their profile from `/api/me`), the chart is fetched into the store first, and the report adds
the server's AuditEvents for the patient (`AuditEvent?patient=`; the server shows an
administrator every user's, others their own). Without it, the profile saved at the last online
sign-in is used and only the workstation's access log is reported.

Patient data never goes to stdout/stderr except the report itself (which the user asked for);
errors name no patient. Exit 0 done, 1 refused or not found, 2 sign-in or store failure.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the rest is imported where used: every command's parser imports this module
    from app.central.client import FhirClient
    from app.workstation.session import Session

REPORT_COLUMNS = ("at", "username", "information", "action", "workstation", "reason", "source")


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patient", required=True, metavar="NAM", help="the patient's NAM")
    parser.add_argument("--store", type=Path, help="database file (default: the user's store)")
    parser.add_argument("--user", help="ClinicDesk username (default: the store's own)")
    parser.add_argument("--server", type=server_url, metavar="URL",
                        help="central server URL, https (sign in online)")


def server_url(value: str) -> str:
    """`--server`: https only (loopback excepted), refused before the password is even asked;
    the reason in English and French (the command line has no translator)."""
    from app.core.server_address import InsecureServer, check_server_url

    try:
        return check_server_url(value)
    except InsecureServer as err:
        raise argparse.ArgumentTypeError(f"{err.text}\n{err.french}") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("export", help="a patient's data as a FHIR Bundle (access request)")
    add_common(parser)
    parser.add_argument("--output", required=True, type=Path, help="the JSON file to write")
    parser.set_defaults(run=run_export)


def _run(args: argparse.Namespace, work: Callable[[Session, str], int]) -> int:
    """`work(session, patient_id)` signed in like the app (app.workstation.session)."""
    from app.central.errors import SyncError
    from app.commands.audit import password
    from app.core.errors import UserFacingError
    from app.store import StoreError
    from app.workstation.patients import PatientSearch
    from app.workstation.session import command_session

    try:
        with command_session(args.user, password(), server=args.server,
                             store_path=args.store) as session:
            patient_id = PatientSearch(session).one_by_nam(args.patient)
            if patient_id is None:
                print(f"{args.command}: no single patient with this NAM on this workstation",
                      file=sys.stderr)
                return 1
            return work(session, patient_id)
    except (StoreError, SyncError) as err:
        print(f"{args.command}: {err.text}", file=sys.stderr)
        return 2
    except UserFacingError as err:
        print(f"{args.command}: {err.text}", file=sys.stderr)
        return 1


def run_export(args: argparse.Namespace) -> int:
    from app.store.export import export_bundle
    from app.workstation.session import store_thread, user_of

    def work(session: Session, patient_id: str) -> int:
        profile = user_of(session)
        bundle = store_thread(session).call(
            lambda store: export_bundle(store, profile, patient_id))
        args.output.write_text(json.dumps(bundle, ensure_ascii=False, indent=1),
                               encoding="utf-8")
        print(f"export: {bundle['total']} resources written")
        return 0
    return _run(args, work)


def server_rows(client: FhirClient, patient_id: str) -> list[dict[str, Any]]:
    """The server's AuditEvents about this patient, as report rows."""
    rows = []
    for page in client.pages("AuditEvent", {"patient": patient_id}):
        for entry in page.get("entry") or ():
            rows.append(audit_row(entry["resource"]))
    return rows


def audit_row(event: dict[str, Any]) -> dict[str, Any]:
    """A report row from a server-side AuditEvent (BALP) or one a workstation pushed."""
    from app.core import fhir_systems

    agent = (event.get("agent") or [{}])[0]
    who = (agent.get("who") or {}).get("identifier", {}).get("value", "")
    entities = event.get("entity") or ()
    classes = [d.get("valueString", "") for e in entities for d in e.get("detail") or ()
               if d.get("type") == "data-classes"]
    classes += [(e.get("type") or {}).get("code", "") for e in entities
                if (e.get("type") or {}).get("system") == fhir_systems.DATA_CLASS]
    pushed = next((e["what"]["identifier"].get("value") for e in entities
                   if ((e.get("what") or {}).get("identifier") or {}).get("system")
                   == fhir_systems.ACCESS_LOG_HASH), None)
    purposes = event.get("purposeOfEvent") or ()
    glass = any(c.get("code") == fhir_systems.BREAK_THE_GLASS
                for p in purposes for c in p.get("coding") or ())
    reason = next((p.get("text") for p in purposes if p.get("text")), None)
    action = (event.get("subtype") or [{}])[0].get("code") or event.get("action", "")
    if event.get("outcome") not in (None, "0"):
        action = "denied"
    return {"at": event.get("recorded", ""), "username": who, "information": ",".join(classes),
            "action": "break-glass" if glass else action,
            "workstation": _workstation(event), "reason": reason,
            "source": "server", "entry_hash": pushed}


def _workstation(event: dict[str, Any]) -> str:
    """The client agent's address (BALP: DICOM 110153), else the first agent's (older events)."""
    from app.core import balp
    agents = event.get("agent") or [{}]
    client = next((a for a in agents if any(c.get("code") == balp.CLIENT for c in
                                            (a.get("type") or {}).get("coding") or ())), None)
    return str(((client or agents[0]).get("network") or {}).get("address", ""))


def run_report(args: argparse.Namespace) -> int:
    from app.store.export import access_report
    from app.workstation.session import store_thread, user_of

    def work(session: Session, patient_id: str) -> int:
        profile = user_of(session)
        rows = store_thread(session).call(
            lambda store: access_report(store, profile, patient_id))
        if session.client is not None:  # entries this workstation pushed are listed once
            local = {r["entry_hash"] for r in rows}
            rows += [r for r in server_rows(session.client, patient_id)
                     if r.get("entry_hash") not in local]
        rows.sort(key=lambda r: r["at"])
        sys.stdout.write(format_rows(rows, args.format))
        return 0
    return _run(args, work)


def format_rows(rows: list[dict[str, Any]], kind: str) -> str:
    if kind == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, REPORT_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
