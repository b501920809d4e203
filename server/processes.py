"""Run the server — and a private PostgreSQL — as child processes on loopback, for the tests,
the benchmarks and the demo. Every process started here is stopped and waited for; on Linux it
also gets SIGTERM if the thread that started it dies (so start them from a long-lived thread).
"""

from __future__ import annotations

import ctypes
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

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Looked up in the parent: the child may already run as another user, unable to import.
_prctl = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends SIGTERM if the parent dies (a killed test run
    leaves no server or PostgreSQL behind). Elsewhere: nothing."""
    if _prctl is not None:
        _prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _stop(proc: subprocess.Popen, timeout: float = 15,
          how: signal.Signals = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(how)
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


class Postgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (run as user postgres when we are root)."""

    def __init__(self) -> None:
        root = os.geteuid() == 0
        # As root the cluster runs as postgres, which must be able to reach its directory:
        # /tmp, whatever TMPDIR says.
        self.dir = Path(tempfile.mkdtemp(prefix="clinicdesk-pg-", dir="/tmp" if root else None))
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._as = {"user": "postgres", "group": "postgres", "extra_groups": []} if root else {}
        self.user = "postgres" if self._as else os.environ.get("USER", "postgres")

    def start(self, attempts: int = 3) -> Postgres:
        data = self.dir / "data"
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run([_pg_bin("initdb"), "-D", str(data), "-U", self.user, "--auth=trust",
                        "-E", "UTF8", "--locale=C"], check=True, stdout=subprocess.DEVNULL,
                       **self._as)
        for _ in range(attempts):  # the free port may be taken before postgres binds it
            with open(self.dir / "log", "ab") as log:  # the child keeps its own descriptor
                self.proc = subprocess.Popen(
                    [_pg_bin("postgres"), "-D", str(data), "-h", "127.0.0.1",
                     "-p", str(self.port), "-k", str(self.dir), "-c", "fsync=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=300"],
                    stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_die_with_parent,
                    **self._as)
            if self._wait(data):
                return self
            _stop(self.proc, timeout=30, how=signal.SIGINT)
            self.port = free_port()
        raise RuntimeError(f"PostgreSQL did not start; see {self.dir / 'log'}")

    def _wait(self, data: Path, timeout: float = 30) -> bool:
        """True once our cluster answers (not another one that took the port)."""
        import psycopg
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2) as conn:
                    where = conn.execute("SHOW data_directory").fetchone()[0]
                return Path(where).resolve() == data.resolve() and self.proc.poll() is None
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

    def _start_once(self, port: int, timeout: float) -> bool:
        self.port = port
        self.base = f"http://127.0.0.1:{self.port}"
        instance = uuid.uuid4().hex
        env = {**os.environ, "CLINICDESK_SERVER_INSTANCE": instance}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self._args(), stdout=subprocess.DEVNULL, stderr=log,
                                         env=env, cwd=Path(__file__).resolve().parent.parent,
                                         preexec_fn=_die_with_parent)
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
