"""Audit appends of 1 and 2 server processes on one PostgreSQL (fsync on), without HTTP:
`python -m bench.audit_lanes [seconds] [threads]` (to measure another checkout, run a copy of
this file from outside bench/ with that checkout on PYTHONPATH: it uses only open_store,
AuditWriter and an AuditEvent).

Each process runs `threads` threads that each store one AuditEvent after another through the
process's AuditWriter (group commit), as audited reads do; the rows: AuditEvents/s with 1 and
2 processes, their ratio, and the CPU per event (the processes' and the database's). With one
chain the appends of two processes follow one another through its head row; with a lane each
(server.storage.chain) they do not wait on each other. The load average is printed with each
row."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path


def _process(url: str, data_dir: str, seconds: float, threads: int, start: float,
             out: multiprocessing.Queue) -> None:
    from server.identity.audit import Access, audit_event
    from server.identity.audit_writer import AuditWriter
    from server.storage import open_store

    store = open_store(Path(data_dir), url)
    writer = AuditWriter(store)
    counts = [0] * threads

    def loop(k: int) -> None:
        while time.time() < start:
            time.sleep(0.001)
        until = start + seconds
        while time.time() < until:
            writer.write([audit_event(Access("bench", "Bench", f"p{k}", "read", {"labs"}),
                                      datetime.now(UTC))])
            counts[k] += 1

    cpu = time.process_time()
    workers = [threading.Thread(target=loop, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    cpu = time.process_time() - cpu
    writer.close()
    store.close()
    out.put((sum(counts), cpu))


def _database_cpu(postmaster: int) -> float:
    """CPU seconds of the cluster so far: its postmaster's, its live children's, and those of
    the children it reaped (cutime, cstime), from /proc in clock ticks."""
    def times(pid: int, reaped: bool) -> int:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile: counted in the postmaster's reaped children
            return 0
        return sum(int(f) for f in fields[11:15 if reaped else 13])

    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return (times(postmaster, True) + sum(times(int(c), False) for c in children)) \
        / os.sysconf("SC_CLK_TCK")


def run(processes: int, url: str, data_dir: str, seconds: float, threads: int,
        postmaster: int) -> tuple[float, float]:
    """(AuditEvents/s, CPU ms per event: the processes' + the database's)."""
    spawn = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = spawn.Queue()
    start = time.time() + 3 + processes  # all processes ready before the clock starts
    procs = [spawn.Process(target=_process, args=(url, data_dir, seconds, threads, start, out))
             for _ in range(processes)]
    for proc in procs:
        proc.start()
    while time.time() < start:
        time.sleep(0.01)
    db = _database_cpu(postmaster)
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    time.sleep(0.5)  # the backends' ends reaped
    db = _database_cpu(postmaster) - db
    events = sum(n for n, _ in results)
    return events / seconds, 1000 * (sum(cpu for _, cpu in results) + db) / max(events, 1)


def main(seconds: float, threads: int) -> None:
    from server.processes import Postgres
    from server.storage import open_store

    pg = Postgres(fsync=True).start()
    data_dir = tempfile.mkdtemp(prefix="clinicdesk-bench-lanes-")
    try:
        rates: dict[int, list[float]] = {}
        for processes in (1, 2, 1, 2):
            url = pg.new_database(f"lanes_{processes}")
            open_store(Path(data_dir), url).close()
            assert pg.proc is not None
            rate, cpu = run(processes, url, data_dir, seconds, threads, pg.proc.pid)
            rates.setdefault(processes, []).append(rate)
            print(f"{processes} process(es) × {threads} threads: {rate:.0f} AuditEvents/s, "
                  f"{cpu:.2f} ms CPU each (load average {os.getloadavg()[0]:.2f})", flush=True)
        ratio = [two / one for one, two in zip(rates[1], rates[2], strict=True)]
        print("1 → 2 processes: " + ", ".join(f"{r:.2f}×" for r in ratio))
    finally:
        pg.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main(float(sys.argv[1]) if sys.argv[1:] else 10.0,
         int(sys.argv[2]) if sys.argv[2:] else 8)
