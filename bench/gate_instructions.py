"""Instructions per Patient search by NAM (bench.gate's request and data), gate + audit on and
both off, on SQLite and PostgreSQL, counted by valgrind's callgrind in one process that drives
the ASGI app directly (no HTTP server: the FHIR worker's calls run inline), every thread:
what the on path adds is on − off, a figure that barely moves with the machine's other work.
`python -m bench.gate_instructions [N]`: N searches counted (default 100) after 30; audit
durability process (the commit is not flushed: no fsync in the count). For the count only, the
audit checkpoint file is not rewritten each second and the store's fence is read once (both
depend on elapsed time, which valgrind stretches): on and off then do the same work each run.
Needs valgrind. Not part of `python -m bench` (about 6 minutes).
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import httpx

from app.core import fhir_systems
from bench import data, gate
from server.processes import Postgres

WARM = 30


class _Inline:
    """The FHIR worker pool, run in the calling thread."""

    def submit(self, fn: Any, *args: Any) -> Future:
        done: Future = Future()
        try:
            done.set_result(fn(*args))
        except BaseException as error:
            done.set_exception(error)
        return done


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _count(backend: str, auth: bool, n: int) -> None:
    """(Under callgrind.) n searches, instrumented; the dump holds their instructions."""
    import server.fhir.routes as routes
    from server.app import create_app
    from server.settings import Settings
    from server.storage import checkpoint, sql
    vars(routes)["_executor"] = _Inline  # the pool the routes ask for
    checkpoint.Checkpoint.EVERY = 1e9
    vars(sql)["FENCE_REUSE"] = 1e9
    pg = Postgres(fsync=True).start() if backend == "postgres" else None
    data_dir = Path(tempfile.mkdtemp(prefix="clinicdesk-gate-instructions-"))
    try:
        url = pg.new_database("gate") if pg else None
        chart, patient = gate._load(data_dir, url)
        nam = next(i["value"] for i in patient["identifier"] if i["system"] == fhir_systems.NAM)
        doctor = data.physician_of(chart)
        app = create_app(Settings(data_dir=data_dir, database_url=url, auth_required=auth,
                                  audit_durability="process", ramq_import_hour=None))

        async def run() -> None:
            async with app.router.lifespan_context(app):
                client = httpx.AsyncClient(base_url="http://bench", transport=httpx.ASGITransport(
                    app=app, client=("127.0.0.1", 5000)))
                headers = {}
                if auth:
                    token = (await client.post("/oauth/token", data={
                        "grant_type": "password", "username": doctor.profile.username,
                        "password": doctor.password})).json()["access_token"]
                    headers = {"Authorization": f"Bearer {token}"}

                async def one() -> None:
                    found = await client.get("/fhir/Patient", headers=headers, params={
                        "identifier": f"{fhir_systems.NAM}|{nam}"})
                    assert found.status_code == 200 and len(found.json()["entry"]) == 1
                for _ in range(WARM):
                    await one()
                gc.collect()
                gc.disable()
                _control("-z")
                _control("-i", "on")
                for _ in range(n):
                    await one()
                _control("-i", "off")
                _control("-d", "counted")
        asyncio.run(run())
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def measure(backend: str, auth: bool, n: int) -> float:
    """Instructions per search."""
    out = Path(tempfile.mkdtemp(prefix="clinicdesk-gate-callgrind-"))
    try:
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-instr=no",
                        f"--callgrind-out-file={out}/callgrind.%p", sys.executable, "-m",
                        "bench.gate_instructions", "--count", backend, "on" if auth else "off",
                        str(n)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
        total = 0
        for dump in out.glob("callgrind.*"):
            text = dump.read_text(errors="replace")
            if re.search(r"^desc: Trigger: dump counted", text, re.M):
                found = re.search(r"^totals: (\d+)", text, re.M)
                total += int(found.group(1)) if found else 0
        return total / n
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--count"]:
        _count(sys.argv[2], sys.argv[3] == "on", int(sys.argv[4]))
        sys.exit(0)
    if not shutil.which("valgrind"):
        sys.exit("valgrind is needed")
    count = int(sys.argv[1]) if sys.argv[1:] else 100
    for backend in ("sqlite", "postgres"):
        on, off = measure(backend, True, count), measure(backend, False, count)
        print(f"{backend}: NAM search, gate + audit on {on / 1e6:.3f} M instructions, both off "
              f"{off / 1e6:.3f} M, on − off {(on - off) / 1e6:.3f} M")
