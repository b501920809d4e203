"""Instructions per request by type of the load mix (bench.per_type's requests, alone, in
sequence), counted by valgrind's callgrind in the server process (user space, every thread).
Unlike CPU time, the count barely moves with the machine's other work (two runs of the same
server: ±1 %), so that two versions of the server can be compared on a busy shared machine.
`python -m bench.instructions [N] [disk|process|off] [postgres]`: SQLite (or PostgreSQL, fsync
on: the server process's instructions only, not the database's), bench.load's quick
population, N requests a type (default 30), the server's --audit-durability (default disk), or
`off`: the server started with --no-auth (no gate, nothing audited: what issue 15 compares
with); needs valgrind.
Not part of `python -m bench` (a minute and a half alone).
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import load, loadgen, per_type, region
from server.processes import Postgres, free_port

WARM = 5  # requests of a type before counting (caches, first statements)


def _serve(data_dir: Path, out: Path, durability: str, url: str | None
           ) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-instr=no",
         f"--callgrind-out-file={out}/callgrind.%p", sys.executable, "-m", "server.cli",
         "serve", "--data", str(data_dir), "--port", str(port), "--log-level", "warning",
         *(["--database", url] if url else []),
         *(["--no-auth"] if durability == "off" else ["--audit-durability", durability])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parent.parent)
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + load.START_S * 3
    while proc.poll() is None and time.monotonic() < end:
        try:
            if httpx.get(f"{base}/health", timeout=10).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.5)
    proc.kill()
    proc.wait()
    raise RuntimeError("the server did not start under valgrind")


def _control(proc: subprocess.Popen, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(proc.pid)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(n: int, durability: str = "disk", backend: str = "sqlite") -> dict[str, float]:
    """{request type: instructions per request}."""
    people = region.population(True)
    data_dir = Path(tempfile.mkdtemp(prefix="clinicdesk-instructions-"))
    out = data_dir / "callgrind"
    out.mkdir()
    pg = Postgres(fsync=True).start() if backend == "postgres" else None
    try:
        url = pg.new_database("clinicdesk_instructions") if pg else None
        tokens = region.seed(data_dir, url, people.charts, people.clinicians,
                            sorted(people.region))
        few = {u: people.region[u] for u in sorted(people.region)[:load.PER_TYPE_USERS]}
        proc, base = _serve(data_dir, out, durability, url)
        try:
            labels = asyncio.run(_send(proc, base, tokens, few, n))
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(120)
        return _totals(out, labels, n)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if pg:
            pg.stop()


async def _send(proc: subprocess.Popen, base: str, tokens: dict[str, str],
                few: dict[str, list[tuple[str, str]]], n: int) -> list[str]:
    users = sorted(few)
    conns = {u: loadgen.Connection(f"{base}/fhir", tokens[u]) for u in users}
    labels: list[str] = []
    try:
        for label, kind in per_type._kinds(few, random.Random(1)).items():
            for k in range(WARM + n):
                if k == WARM:
                    _control(proc, "-i", "on")
                    _control(proc, "-z")
                await per_type.send(conns, users, kind, k)
            await asyncio.sleep(1.0)  # the audit writer's commit of the last ones
            _control(proc, "-d", f"type{len(labels)}")
            _control(proc, "-i", "off")
            labels.append(label)
    finally:
        for conn in conns.values():
            conn.close()
    return labels


def _totals(out: Path, labels: list[str], n: int) -> dict[str, float]:
    found: dict[str, float] = {}
    for dump in out.glob("callgrind.*"):
        text = dump.read_text(errors="replace")
        which = re.search(r"^desc: Trigger: dump type(\d+)", text, re.M)
        total = re.search(r"^totals: (\d+)", text, re.M)
        if which and total:
            found[labels[int(which.group(1))]] = int(total.group(1)) / n
    return {label: found[label] for label in labels if label in found}


if __name__ == "__main__":
    if not shutil.which("valgrind"):
        sys.exit("valgrind is needed")
    count = int(sys.argv[1]) if sys.argv[1:] else 30
    durability = sys.argv[2] if sys.argv[2:] else "disk"
    on = sys.argv[3] if sys.argv[3:] else "sqlite"
    if durability not in ("disk", "process", "off") or on not in ("sqlite", "postgres"):
        sys.exit("usage: python -m bench.instructions [N] [disk|process|off] [sqlite|postgres]")
    for label, instructions in measure(count, durability, on).items():
        print(f"{label}: {instructions / 1e6:.2f} M instructions a request")
