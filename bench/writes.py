"""Closed-loop throughput on PostgreSQL (fsync on) with 1 and 2 server processes, short:
`python -m bench.writes [seconds] [workstations]` (run as a file with another PYTHONPATH to
measure another checkout: it uses only bench.load and bench.loadgen).

- writes: every workstation writes notes (POST Condition) back to back: notes/s;
- mixed: bench.load's closed-loop workstation (search, chart, a note 1 time in 10, a round);
- in-process: 1, 4, 16 threads writing notes straight into the store (no HTTP): notes/s.

Each row: requests/s, errors, server + database CPU per request (ms), the load average."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import load, loadgen, region
from server.processes import Postgres, ServerProcess
from server.storage import open_store


async def _notes(base: str, token: str, pid: str, until: float, counts: list[int]) -> None:
    conn = loadgen.Connection(f"{base}/fhir", token)
    try:
        while time.monotonic() < until:
            try:
                status, _ = await conn.request("POST", "Condition", loadgen.note_body(pid))
            except loadgen.HttpError:
                status = 599
            counts[status >= 400] += 1
    finally:
        conn.close()


def _writes(base: str, works: list[loadgen.Workload], seconds: float,
            meter: loadgen.Meter) -> tuple[int, int, loadgen.Split]:
    counts = [0, 0]  # answered, errors

    async def all_of() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(*(_notes(base, w.token, w.patients[i % len(w.patients)][0], until,
                                      counts) for i, w in enumerate(works)))

    meter.start()
    asyncio.run(all_of())
    return counts[0], counts[1], meter.stop()


def _line(name: str, done: int, errors: int, split: loadgen.Split) -> str:
    return (f"{name}: {done / split.wall:7.1f} req/s, errors {errors}, server+db CPU/request "
            f"{(split.server + split.database) * 1000 / max(1, done):.2f} ms "
            f"(server {split.server * 1000 / max(1, done):.2f}, db "
            f"{split.database * 1000 / max(1, done):.2f}), load average "
            f"{os.getloadavg()[0]:.2f}")


def _write_notes(store: Any, k: int, until: float, count: list[int]) -> None:
    note = {"resourceType": "Condition", "subject": {"reference": f"Patient/p{k}"},
            "code": {"text": "note"}}
    while time.monotonic() < until:
        with store.write() as tx:
            tx.create("Condition", note)
        count[0] += 1


def _in_process(data_dir: Path, url: str, pg: Postgres, seconds: float) -> None:
    store = open_store(data_dir, url)
    try:
        for n in (1, 4, 16):
            count, until = [0], time.monotonic() + seconds
            assert pg.proc is not None
            meter = loadgen.Meter([os.getpid()], [pg.proc.pid])
            meter.start()
            threads = [threading.Thread(target=_write_notes, args=(store, k, until, count))
                       for k in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            split = meter.stop()
            split.generator = 0.0  # this process is the server here
            print(_line(f"in-process, {n} writers, notes", count[0], 0, split), flush=True)
    finally:
        store.close()


def main(seconds: float, n: int) -> None:
    people = region.population(True)
    pg = Postgres(fsync=True).start()
    data_dir = Path(tempfile.mkdtemp(prefix="clinicdesk-writes-"))
    try:
        url = pg.new_database("clinicdesk_writes")
        mine = people.region
        tokens = region.seed(data_dir, url, people.charts, people.clinicians, sorted(mine))
        names = sorted(mine)
        works = [loadgen.Workload(tokens[names[i % len(names)]], mine[names[i % len(names)]],
                                  0.0, load.ROUND) for i in range(n)]
        for workers in (1, 2):
            extra = ("--workers", str(workers)) if workers > 1 else ()
            proc = ServerProcess(data_dir, url, auth=True, extra_args=extra).start(load.START_S)
            try:
                assert proc.proc is not None and pg.proc is not None
                meter = loadgen.Meter([proc.proc.pid], [pg.proc.pid])
                print(_line(f"{workers} process(es), {n} writers, notes",
                            *_writes(proc.base, works, seconds, meter)), flush=True)
                stats, split = loadgen.run(proc.base, works, seconds, meter)
                print(_line(f"{workers} process(es), {n} closed-loop workstations, mixed",
                            len(stats.times), stats.errors, split), flush=True)
            finally:
                proc.stop()
        _in_process(data_dir, url, pg, seconds)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        pg.stop()


if __name__ == "__main__":
    main(float(sys.argv[1]) if sys.argv[1:] else 15.0,
         int(sys.argv[2]) if sys.argv[2:] else 10)
