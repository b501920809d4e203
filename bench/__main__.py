"""`python -m bench [--quick] [--json PATH] [--only NAME ...] [--jobs N]`: every benchmark, one
table.

Each module runs in a fresh interpreter (a PC/SC socket, a Qt application and the peak memory
are per process), one at a time (`--jobs N`: N at once, sharing the CPUs; the suite's crash
check uses it, figures never should). Timing failures are reported, not fatal (shared machines
are noisy); a benchmark that crashes or overruns its time makes the run exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MODULES = ("store", "server", "seed", "devices", "sync", "qhr", "ui", "privacy", "ramq",
           "access", "bundle", "gate", "load",
           "sync_r4")  # against Medplum: skipped with a line saying so where node is missing
PARTS = ("ui_chart", "ui_sync", "ui_schedule",  # measured within `ui`, runnable alone: --only
         "anchor")  # the access log's keyring anchor (bench.anchor), with --only
COLUMNS = ("figure", "value", "unit", "goal", "limit", "ratio", "median", "p95", "runs",
           "result")
TIME_LIMIT_S = {True: 300, False: 1800}  # per module, quick and full


def ratio(row: dict) -> str:
    limit = row.get("limit_value")
    return f"{row['value'] / limit:.2f}×" if limit else ""


def table_row(row: dict) -> tuple[str, ...]:
    limit = ""
    if row.get("limit_name"):
        limit_value = row.get("limit_value")
        limit = f"{row['limit_name']} = {limit_value:.4g}" if limit_value is not None \
            else row["limit_name"]
    spread = (f"{row['median']:.4g}", f"{row['p95']:.4g}", str(row["runs"])) \
        if "runs" in row else ("", "", "")
    if row.get("not_measured"):  # the figure says why; no number, no judgement
        return (row["figure"], "–", row["unit"], row["goal"], "", "", "", "", "", "not measured")
    return (row["figure"], f"{row['value']:.4g}", row["unit"], row["goal"], limit, ratio(row),
            *spread, "pass" if row["passed"] else "FAIL")


def print_table(rows: list[dict]) -> None:
    cells = [COLUMNS, *(table_row(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    for n, line in enumerate(cells):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def markdown(rows: list[dict], info: dict, quick: bool) -> str:
    """The table for BENCHMARKS.md, headed by the machine it was measured on."""
    load = ", ".join(f"{x:.2f}" for x in info["load_average"])
    lines = [f"{'Quick' if quick else 'Full-size'} run, {info.get('processor', '?')}, "
             f"{info['cpus']} CPUs, {info.get('memory_gib', '?')} GiB, {info['platform']}, "
             f"Python {info['python']} (load average at the end: {load}).", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = (cell.replace("|", "\\|") for cell in table_row(row))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def machine() -> dict:
    info: dict[str, object] = {
        "python": platform.python_version(), "platform": platform.platform(),
        "cpus": os.cpu_count(), "load_average": list(os.getloadavg())}
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                  if line.startswith("model name")]
        info["processor"] = models[0] if models else platform.processor()
    if meminfo.exists():
        info["memory_gib"] = round(int(meminfo.read_text().split()[1]) / 2**20, 1)
    return info


def run_module(name: str, quick: bool) -> list[dict]:
    """The module's rows, measured in a child interpreter; raises when it crashes or overruns."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "rows.json"
        command = [sys.executable, "-m", "bench", "--child", name, "--out", str(out)]
        subprocess.run(command + (["--quick"] if quick else []), check=True,
                       timeout=TIME_LIMIT_S[quick], cwd=Path(__file__).resolve().parents[1])
        return json.loads(out.read_text())


def child(name: str, quick: bool, out: Path) -> None:
    rows = importlib.import_module(f"bench.{name}").run(quick=quick)
    out.write_text(json.dumps(rows))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the figures are out; PySide's interpreter teardown can crash after a Qt run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes (CI), < 3 minutes")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    parser.add_argument("--jobs", type=int, default=1,
                        help="modules run at once (they then share the CPUs: for a check that "
                             "none crashes, not for figures)")
    parser.add_argument("--only", nargs="+", choices=MODULES + PARTS, help="run only these")
    parser.add_argument("--child", choices=MODULES + PARTS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.quick, args.out)
    started_at, crashed = time.time(), []
    names = args.only or MODULES
    measured: dict[str, list[dict]] = {}

    def one(name: str) -> None:
        started = time.perf_counter()
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            measured[name] = [{"bench": name, **row} for row in run_module(name, args.quick)]
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
            print(f"   {name} crashed: {err}", file=sys.stderr)  # its traceback is above
            crashed.append(name)
        print(f"   {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(one, names))
    rows = [row for name in names for row in measured.get(name, [])]
    print_table(rows)
    info = machine()
    if args.json:
        args.json.write_text(json.dumps(
            {"quick": args.quick, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                           time.gmtime(started_at)),
             "seconds": round(time.time() - started_at, 1), "machine": info,
             "jobs": args.jobs, "crashed": crashed, "results": rows},
            indent=2, ensure_ascii=False))
    if args.markdown:
        args.markdown.write_text(markdown(rows, info, args.quick))
    if crashed:
        print(f"crashed: {', '.join(crashed)}", file=sys.stderr)
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
