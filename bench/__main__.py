"""`python -m bench [--quick] [--json PATH] [--only NAME ...]`: every benchmark, one table.

Timing failures are reported, not fatal (shared machines are noisy); a benchmark that crashes
makes the run exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from pathlib import Path

MODULES = ("store", "server", "seed", "devices", "sync", "qhr", "ui", "ramq", "access", "bundle")
COLUMNS = ("figure", "value", "unit", "goal", "limit", "ratio", "result")


def available() -> list[str]:
    here = Path(__file__).parent
    return [name for name in MODULES if (here / f"{name}.py").exists()]


def ratio(row: dict) -> str:
    limit = row.get("limit_value")
    return f"{row['value'] / limit:.2f}×" if limit else ""


def table_row(row: dict) -> tuple[str, ...]:
    limit = ""
    if row.get("limit_name"):
        limit_value = row.get("limit_value")
        limit = f"{row['limit_name']} = {limit_value:.4g}" if limit_value is not None \
            else row["limit_name"]
    return (row["figure"], f"{row['value']:.4g}", row["unit"], row["goal"], limit, ratio(row),
            "pass" if row["passed"] else "FAIL")


def print_table(rows: list[dict]) -> None:
    cells = [COLUMNS, *(table_row(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    for n, line in enumerate(cells):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes (CI), < 3 minutes")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--only", nargs="+", choices=MODULES, help="run only these")
    args = parser.parse_args(argv)
    rows, crashed = [], []
    for name in args.only or available():
        started = time.perf_counter()
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            for row in importlib.import_module(f"bench.{name}").run(quick=args.quick):
                rows.append({"bench": name, **row})
        except Exception:  # a crash is reported and fails the run; the others still run
            traceback.print_exc()
            crashed.append(name)
        print(f"   {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print_table(rows)
    if args.json:
        machine = {"python": platform.python_version(), "platform": platform.platform(),
                   "processor": platform.processor() or platform.machine()}
        args.json.write_text(json.dumps({"quick": args.quick, "machine": machine,
                                         "crashed": crashed, "results": rows}, indent=2))
    if crashed:
        print(f"crashed: {', '.join(crashed)}", file=sys.stderr)
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
