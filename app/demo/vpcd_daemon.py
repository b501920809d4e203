"""A private pcscd with the vpcd driver, for the tests, the benchmarks and the demo (Linux).

Socket activation, as systemd does it: we make the Unix socket and pass it as fd 3 with
LISTEN_PID/LISTEN_FDS; the daemon reads a reader.conf directory with one vpcd entry, which gives
two readers: "ClinicDesk VPCD 00 00" (TCP port P) and "ClinicDesk VPCD 00 01" (P+1). Clients
find it through `PCSCLITE_CSOCK_NAME`, which libpcsclite reads once, on the process's first
PC/SC call: set it before that (`use_socket`). The daemon ignores that variable.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

from app.devices.pcsc import PcscThread, scan

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
FRIENDLY_NAME = "ClinicDesk VPCD"


def free_port_pair() -> int:
    """P such that TCP ports P and P+1 are both free (vpcd listens on both)."""
    for _ in range(50):
        port = random.randrange(20000, 60000, 2)
        try:
            for p in (port, port + 1):
                with socket.socket() as s:
                    s.bind(("0.0.0.0", p))
            return port
        except OSError:
            continue
    raise RuntimeError("no free TCP port pair")


def listening(port: int) -> bool:
    needle = f":{port:04X} "
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return any(needle in line and line.split()[3] == "0A" for line in lines)


class Pcscd:
    """pcscd as a child process; `start()` returns once vpcd listens on both ports."""

    def __init__(self, directory: Path | str, socket_path: Path | str | None = None):
        self.directory = Path(directory)
        self.socket_path = Path(socket_path) if socket_path else self.directory / "pcscd.comm"
        self.port = free_port_pair()
        self.ports = (self.port, self.port + 1)
        self.readers = (f"{FRIENDLY_NAME} 00 00", f"{FRIENDLY_NAME} 00 01")
        self.conf = self.directory / "reader.conf.d"
        self.conf.mkdir(parents=True, exist_ok=True)
        (self.conf / "vpcd").write_text(
            f'FRIENDLYNAME "{FRIENDLY_NAME}"\nDEVICENAME /dev/null:0x{self.port:X}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{self.port:X}\n")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        self.socket_path.unlink(missing_ok=True)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(str(self.socket_path))
            listener.listen(32)
            fd = listener.fileno()
            self.process = subprocess.Popen(
                ["bash", "-c", 'export LISTEN_PID=$$ LISTEN_FDS=1; exec pcscd -f -c "$1" 3<&"$0"',
                 str(fd), str(self.conf)],
                pass_fds=(fd,), stdout=(self.directory / "pcscd.log").open("ab"),
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not all(listening(p) for p in self.ports):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "pcscd.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"pcscd did not start:\n{log}")
            time.sleep(0.005)

    def wait_for_card(self, reader: str, present: bool, timeout: float = 5.0) -> None:
        """Until pcscd sees a card in `reader` (or none), on a PC/SC context of its own."""
        with PcscThread() as thread:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                _, cards = thread.call(lambda: scan(thread.context()))
                if any(card.reader == reader for card in cards) == present:
                    return
                time.sleep(0.005)
        raise TimeoutError(f"{reader}: card still {'absent' if present else 'present'}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def available() -> bool:
    return shutil.which("pcscd") is not None and VPCD_DRIVER.exists()


def use_socket(path: Path | str) -> None:
    """Point this process's PC/SC client at `path` (before its first PC/SC call)."""
    os.environ["PCSCLITE_CSOCK_NAME"] = str(path)
