"""`serve --workers N` on Linux: N server processes, each listening on the port with a socket of
its own (SO_REUSEPORT), so that the kernel spreads new connections evenly over them.

uvicorn's own workers share one listening socket, and the process that wakes first accepts a
burst of connections: 30 workstations' keep-alive connections split 23/7 over 2 processes,
and 2 processes on PostgreSQL served 0.95× what one did. Where SO_REUSEPORT is not there
(Windows), `serve` keeps uvicorn's workers. Only processes of the same user may share a port
this way (Linux checks the effective uid).

This process only supervises: it listens on nothing, forwards SIGTERM/SIGINT (each worker
finishes its requests in flight), restarts a worker that dies after it served, and stops
everything when one cannot start (the port taken, a broken configuration).

`--pin-cpus`: worker k runs all its threads on CPU k mod n of the n CPUs the server may use
(`pin`, before any of its threads starts, so that they inherit it; a restarted worker k gets
CPU k again). Left free, a process's threads (its event loop, its request threads) spread over
the cores and hand the GIL from one core to another.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import time
from typing import Any

log = logging.getLogger(__name__)
STARTED_S = 10.0  # a worker that dies sooner failed to start: no restart, everything stops
STOP_S = 30.0  # a worker still running this long after SIGTERM is killed


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket (IPPROTO_TCP named: asyncio sets TCP_NODELAY on each connection only when
    its socket says so, and an accepted socket says what the listening one does; with proto 0
    Nagle's algorithm held every answer's second write until the client's delayed ACK, ~40 ms
    a request)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _die_with_parent() -> None:
    """SIGTERM when the supervisor dies, however it dies (prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def allowed_cpus() -> list[int]:
    """The CPUs this process may run on, in order (its affinity: a container's, taskset's)."""
    return sorted(os.sched_getaffinity(0))


def pin(cpu: int) -> None:
    """Every thread of this process on `cpu`, and the threads they start later (inherited)."""
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread ended meanwhile
            os.sched_setaffinity(int(task), {cpu})


def _worker(options: dict[str, Any], log_format: str, cpu: int | None) -> None:
    if cpu is not None:
        pin(cpu)
    _die_with_parent()
    import uvicorn

    logging.basicConfig(level=options["log_level"].upper(), format=log_format)
    config = uvicorn.Config("server.app:from_environment", factory=True, **options)
    uvicorn.Server(config).run(sockets=[listening_socket(config.host, config.port)])


def run(workers: int, options: dict[str, Any], log_format: str, pin_cpus: bool = False) -> int:
    """Run `workers` processes of the app `server.app:from_environment` (Settings in the
    environment) with uvicorn `options` (host, port…) until SIGTERM/SIGINT, each on a CPU of
    its own if `pin_cpus`; the exit code."""
    listening_socket(options["host"], options["port"]).close()  # a port taken: said at once
    spawn = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    cpus = allowed_cpus()

    def start(k: int) -> tuple[Any, float]:
        cpu = cpus[k % len(cpus)] if pin_cpus else None
        proc = spawn.Process(target=_worker, args=(options, log_format, cpu), daemon=False)
        proc.start()
        return proc, time.monotonic()

    procs = [start(k) for k in range(workers)]
    code = 0
    while not stopping:
        multiprocessing.connection.wait([p.sentinel for p, _ in procs], timeout=0.5)
        for i, (proc, since) in enumerate(procs):
            if proc.exitcode is None or stopping:
                continue
            if time.monotonic() - since < STARTED_S:
                log.error("a server process could not start (exit code %s)", proc.exitcode)
                stopping, code = True, 1
                break
            log.warning("a server process ended (exit code %s): started again", proc.exitcode)
            procs[i] = start(i)
    for proc, _ in procs:
        if proc.exitcode is None:
            proc.terminate()  # SIGTERM: uvicorn's graceful stop
    for proc, _ in procs:
        proc.join(STOP_S)
        if proc.exitcode is None:
            proc.kill()
            proc.join()
    return code
