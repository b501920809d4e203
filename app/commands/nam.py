"""`clinicdesk nam check NAM [--birthdate YYYY-MM-DD] [--sex F|M]`: one JSON object on stdout."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("nam", help="health insurance number (NAM) tools")
    nam_sub = parser.add_subparsers(dest="nam_command", metavar="ACTION", required=True)
    check = nam_sub.add_parser("check", help="validate a NAM; exit 0 when valid, 1 when not")
    check.add_argument("nam")
    check.add_argument("--birthdate", type=date.fromisoformat, help="recorded birth date")
    check.add_argument("--sex", choices=("F", "M"), type=str.upper, help="recorded sex")
    check.set_defaults(run=run_check)


def check(raw: str, birthdate: date | None = None, sex: str | None = None) -> dict[str, Any]:
    from app.core import nam as nam_rules  # here: every command's parser imports this module

    try:
        parsed = nam_rules.parse(raw)
    except nam_rules.NamError as err:
        return {"valid": False, "rule": err.rule.value, "reason": str(err.text)}
    result: dict[str, Any] = {"valid": True, "birthdate": parsed.birthdate.isoformat(),
                              "sex": parsed.sex}
    found = nam_rules.mismatches(parsed, birthdate, sex)
    if found:
        result.update(valid=False, mismatch=sorted(found),
                      reason=" ".join(str(found[k]) for k in sorted(found)))
    return result


def run_check(args: argparse.Namespace) -> int:
    result = check(args.nam, args.birthdate, args.sex)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["valid"] else 1
