"""Run the server — and a private PostgreSQL — as child processes on loopback, for the tests,
the benchmarks and the demo. Every process started here is stopped and waited for, and does not
outlive this process however it ends: on Linux it gets SIGTERM when the thread that started it
dies (so start them from a long-lived thread); on Windows it is in a job object that the system
closes, killing its processes, when this process ends.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def _linux_pdeathsig_prefix() -> list[str]:
    """`setpriv --pdeathsig TERM --` (util-linux ≥ 2.33): PR_SET_PDEATHSIG in the child, then exec.
    Not `preexec_fn`: unsafe with threads, refused on Windows; and no Python runs in between (a
    child started as user postgres may not be allowed to run this Python at all)."""
    setpriv = shutil.which("setpriv")
    if not setpriv or not sys.platform.startswith("linux"):
        return []
    done = subprocess.run([setpriv, "--help"], capture_output=True, text=True)
    return [setpriv, "--pdeathsig", "TERM", "--"] if "--pdeathsig" in done.stdout else []


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class _BasicLimits(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32), ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t), ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class _ExtendedLimits(ctypes.Structure):  # JOBOBJECT_EXTENDED_LIMIT_INFORMATION
    _fields_ = [("BasicLimitInformation", _BasicLimits), ("IoInfo", _IoCounters),
                ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]


class _KillOnCloseJob:
    """Windows: a job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE. Its only handle is this
    process's, so when this process ends (even killed) the system closes it and ends every
    process assigned to the job, with their own children (they inherit the job)."""

    def __init__(self) -> None:
        if sys.platform != "win32":  # (mypy elsewhere skips the Windows-only rest)
            raise OSError("job objects are Windows'")
        from ctypes import wintypes

        k32 = ctypes.WinDLL("kernel32", use_last_error=True)
        k32.CreateJobObjectW.restype = wintypes.HANDLE
        k32.CreateJobObjectW.argtypes = (wintypes.LPVOID, wintypes.LPCWSTR)
        k32.SetInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, wintypes.LPVOID,
                                                wintypes.DWORD)
        k32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
        self.handle = k32.CreateJobObjectW(None, None)
        if not self.handle:
            raise ctypes.WinError(ctypes.get_last_error())
        limits = _ExtendedLimits()
        limits.BasicLimitInformation.LimitFlags = 0x2000  # JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        if not k32.SetInformationJobObject(self.handle, 9,  # JobObjectExtendedLimitInformation
                                           ctypes.byref(limits), ctypes.sizeof(limits)):
            raise ctypes.WinError(ctypes.get_last_error())
        self._assign = k32.AssignProcessToJobObject

    def assign(self, proc: subprocess.Popen) -> None:
        if sys.platform != "win32":
            raise OSError("job objects are Windows'")
        if not self._assign(self.handle, int(proc._handle)):
            err = ctypes.WinError(ctypes.get_last_error())
            proc.kill()
            raise err


@functools.cache
def _job() -> _KillOnCloseJob:
    return _KillOnCloseJob()  # one per process, made on first use


def _popen(args: list[str], **kwargs) -> subprocess.Popen:
    """subprocess.Popen for a child that must not outlive us (see the module docstring)."""
    if sys.platform != "win32":
        return subprocess.Popen([*_linux_pdeathsig_prefix(), *args], **kwargs)
    # Its own process group, so that CTRL_BREAK_EVENT (the graceful stop, see _stop) reaches it
    # alone.
    proc = subprocess.Popen(args, creationflags=subprocess.CREATE_NEW_PROCESS_GROUP, **kwargs)
    _job().assign(proc)
    return proc


def _stop(proc: subprocess.Popen, timeout: float = 15,
          how: signal.Signals = signal.SIGTERM) -> None:
    """`how`, then kill after `timeout`. Windows has no SIGTERM/SIGINT to send (send_signal
    would terminate at once): CTRL_BREAK_EVENT instead, which uvicorn handles as a graceful stop."""
    if proc.poll() is None:
        try:
            if sys.platform == "win32":
                how = signal.CTRL_BREAK_EVENT
            proc.send_signal(how)
        except OSError:  # Windows: no console shared with the child to send the event through
            proc.kill()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if not path:
        raise RuntimeError("PostgreSQL server binaries not found (apt install postgresql)")
    return path


# With fsync on (what a real server does), checkpoints spaced as server/README.md tells an
# operator: started by the clock, not every ~0.5 GB of WAL (PostgreSQL's default max_wal_size,
# 1 GB, started one every ~20 s through a bulk seed and a load run, "checkpoints are occurring
# too frequently", each followed by full-page images: 2.0 kB of WAL a request instead of 1.1)
DURABLE = {"max_wal_size": "8GB", "checkpoint_timeout": "15min"}


class Postgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (run as user postgres when we are root).
    `fsync=False` (tests): commits are not flushed to disk, fast; benchmarks that measure what
    a real server would do pass True (and get DURABLE's checkpoints). `settings`: more
    `-c name=value` (they win)."""

    def __init__(self, fsync: bool = False, settings: dict[str, str] | None = None) -> None:
        self.fsync = fsync
        self.settings = {**(DURABLE if fsync else {}), **(settings or {})}
        root = hasattr(os, "geteuid") and os.geteuid() == 0  # Windows has no root
        # As root the cluster runs as postgres, which must be able to reach its directory:
        # /tmp, whatever TMPDIR says.
        self.dir = Path(tempfile.mkdtemp(prefix="clinicdesk-pg-", dir="/tmp" if root else None))
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._as: dict[str, Any] = \
            {"user": "postgres", "group": "postgres", "extra_groups": []} if root else {}
        self.user = "postgres" if self._as else os.environ.get("USER", "postgres")

    def start(self, attempts: int = 3) -> Postgres:
        data = self.dir / "data"
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run([_pg_bin("initdb"), "-D", str(data), "-U", self.user, "--auth=trust",
                        "-E", "UTF8", "--locale=C"], check=True, stdout=subprocess.DEVNULL,
                       **self._as)
        for _ in range(attempts):  # the free port may be taken before postgres binds it
            if self._launch():
                return self
            assert self.proc is not None  # launched
            _stop(self.proc, timeout=30, how=signal.SIGINT)
            self.port = free_port()
        raise RuntimeError(f"PostgreSQL did not start; see {self.dir / 'log'}")

    def _launch(self) -> bool:
        data = self.dir / "data"
        with open(self.dir / "log", "ab") as log:  # the child keeps its own descriptor
            self.proc = _popen(
                [_pg_bin("postgres"), "-D", str(data), "-h", "127.0.0.1",
                 "-p", str(self.port), "-k", str(self.dir),
                 *(() if self.fsync else ("-c", "fsync=off", "-c", "full_page_writes=off")),
                 "-c", "max_connections=300",
                 *(f"-c{name}={value}" for name, value in self.settings.items())],
                stdout=subprocess.DEVNULL, stderr=log, **self._as)
        return self._wait(data)

    def down(self) -> None:
        """Stop the server ("fast": every session ended), keeping the cluster (`up`): an
        outage, a restart."""
        if self.proc is not None:
            _stop(self.proc, timeout=30, how=signal.SIGINT)

    def up(self) -> Postgres:
        """Start it again after `down`, on the same port."""
        if not self._launch():
            raise RuntimeError(f"PostgreSQL did not start again; see {self.dir / 'log'}")
        return self

    def _wait(self, data: Path, timeout: float = 30) -> bool:
        """True once our cluster answers (not another one that took the port)."""
        import psycopg
        assert self.proc is not None  # started by start()
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2) as conn:
                    row = conn.execute("SHOW data_directory").fetchone()
                return row is not None and Path(row[0]).resolve() == data.resolve() \
                    and self.proc.poll() is None
            except psycopg.OperationalError:
                time.sleep(0.1)
        return False

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self, name: str) -> str:
        import psycopg
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, timeout=30, how=signal.SIGINT)  # "fast": disconnects clients
        shutil.rmtree(self.dir, ignore_errors=True)


class ServerProcess:
    """`clinicdesk-server serve` as a child process; `base` is its root URL.

    The child is told a random instance name (CLINICDESK_SERVER_INSTANCE, echoed by /health):
    a free port can be taken by someone else before the child binds it, and then it is another
    server that answers; a first start is then retried on a new port."""

    def __init__(self, data_dir: Path, database_url: str | None = None, auth: bool = True,
                 extra_args: tuple[str, ...] = ()):
        self.data_dir, self.database_url = Path(data_dir), database_url
        self.auth, self.extra_args = auth, extra_args
        self.port, self.base = 0, ""
        self.proc: subprocess.Popen | None = None
        self.log = self.data_dir / "server.log"

    def _args(self) -> list[str]:
        args = [sys.executable, "-m", "server.cli", "serve", "--data", str(self.data_dir),
                "--port", str(self.port), "--log-level", "warning", *self.extra_args]
        if self.database_url:
            args += ["--database", self.database_url]
        return args if self.auth else [*args, "--no-auth"]

    def start(self, timeout: float = 30, attempts: int = 3) -> ServerProcess:
        """Start (or start again after stop(), on the same port and so the same `base`)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        again = self.port != 0
        for _ in range(attempts):
            if self._start_once(self.port if again else free_port(), timeout):
                return self
        raise RuntimeError(f"server did not start; see {self.log}")

    def _launch(self, env: dict[str, str]) -> subprocess.Popen:
        """The `serve` process, started with this environment."""
        with open(self.log, "ab") as log:
            return _popen(self._args(), stdout=subprocess.DEVNULL, stderr=log, env=env,
                          cwd=Path(__file__).resolve().parent.parent)

    def _start_once(self, port: int, timeout: float) -> bool:
        self.port = port
        self.base = f"http://127.0.0.1:{self.port}"
        instance = uuid.uuid4().hex
        self.proc = self._launch({**os.environ, "CLINICDESK_SERVER_INSTANCE": instance})
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            try:
                health = httpx.get(f"{self.base}/health", timeout=2)
                if health.status_code == 200 and health.json().get("instance") == instance:
                    return True
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        _stop(self.proc)
        return self.proc.returncode
