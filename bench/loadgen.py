"""The load generator of bench.load: simulated workstations on one asyncio loop, each on its
own HTTP/1.1 keep-alive connection (as each workstation is its own machine), written lean so
that it does not take the cores it measures: a request is one prebuilt byte string and a
response is read by its Content-Length (httpx cost ~1 ms of the generator's CPU per request,
this ~0.1 ms). It also accounts where the machine's CPU went during a run: the server
processes, the database's, the generator's own, and the rest of the machine (other work).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import orjson

from app.core import fhir_systems

TIMEOUT_S = 60.0  # a request slower than this is an error (the workstation's limit is 30 s)


class HttpError(Exception):
    """The connection failed, closed or answered something that is not HTTP/1.1."""


class Connection:
    """One keep-alive connection; one request at a time (a workstation waits for each answer).
    A failed one is closed and opened again by the next request."""

    def __init__(self, base: str, token: str | None = None):
        url = urlsplit(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.prefix = url.path.rstrip("/")
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.headers = f"Host: {self.host}:{self.port}\r\n{auth}".encode()
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str = "application/fhir+json") -> tuple[int, bytes]:
        """(status, body) of one request; HttpError (and the connection closed) on failure."""
        head = f"{method} {self.prefix}/{path} HTTP/1.1\r\n".encode() + self.headers
        if body or method in ("POST", "PUT"):
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n".encode()
        for attempt in (1, 2):
            reused = self._streams is not None
            try:
                if self._streams is None:
                    self._streams = await asyncio.open_connection(self.host, self.port)
                reader, writer = self._streams
                writer.write(head + b"\r\n" + body)
                return await self._response(reader)
            except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    ValueError, IndexError) as error:
                self.close()
                # An idle connection the server closed (uvicorn: after 5 s) answers nothing:
                # sent again on a new one, once, as httpx does.
                stale = isinstance(error, asyncio.IncompleteReadError) and not error.partial \
                    or isinstance(error, ConnectionResetError | BrokenPipeError)
                if not (reused and stale and attempt == 1):
                    raise HttpError(type(error).__name__) from None
        raise AssertionError("unreachable")

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            body = await self._chunks(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        else:  # no length: the body ends with the connection
            body, close = await reader.read(), True
        if close:
            self.close()
        return status, body

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


@dataclass
class Stats:
    times: list[float] = field(default_factory=list)  # ms of every answered request
    rounds: list[float] = field(default_factory=list)  # ms of the sync rounds among them
    errors: int = 0


@dataclass
class Workload:
    """What one workstation does: `think` s between actions (0: closed loop), a round every
    `every` s; `patients`: (id, NAM) of its physician's readable charts."""

    token: str
    patients: list[tuple[str, str]]
    think: float
    every: float


def search_body(nam: str) -> bytes:
    return urlencode({"identifier": f"{fhir_systems.NAM}|{nam}"}).encode()


def note_body(pid: str) -> bytes:
    return orjson.dumps({"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"},
                         "code": {"text": "note"}})


def history_path(since: str) -> str:
    return f"_history?_since={quote(since, safe='')}&_count=100"


async def workstation(base: str, work: Workload, until: float, stats: Stats,
                      rng: random.Random) -> None:
    """Search one of the physician's patients by NAM (POST Patient/_search), open the chart
    ($everything), write a note 1 time in 10 (a Condition), and a sync round (_history since
    the last round) every `every` s; `think` s between actions."""
    conn = Connection(f"{base}/fhir", work.token)
    last_round = datetime.now(UTC).isoformat()
    next_round = time.monotonic() + rng.uniform(0, work.every)

    async def call(method: str, path: str, body: bytes = b"", content_type: str = "",
                   is_round: bool = False) -> None:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(TIMEOUT_S):
                status, _ = await conn.request(method, path, body,
                                               content_type or "application/fhir+json")
        except (HttpError, TimeoutError):
            conn.close()
            stats.errors += 1
            return
        elapsed = (time.perf_counter() - started) * 1000
        stats.times.append(elapsed)
        if is_round:
            stats.rounds.append(elapsed)
        stats.errors += status >= 400

    try:
        if work.think:
            await asyncio.sleep(rng.uniform(0, work.think))
        while time.monotonic() < until:
            pid, nam = rng.choice(work.patients)
            await call("POST", "Patient/_search", search_body(nam),
                       "application/x-www-form-urlencoded")
            if work.think:
                await asyncio.sleep(work.think)
            await call("GET", f"Patient/{pid}/$everything")
            if rng.random() < 0.1:
                await call("POST", "Condition", note_body(pid))
            if time.monotonic() >= next_round:
                since, last_round = last_round, datetime.now(UTC).isoformat()
                await call("GET", history_path(since), is_round=True)
                next_round = time.monotonic() + work.every
            if work.think:
                await asyncio.sleep(work.think)
    finally:
        conn.close()


# CPU accounting (Linux /proc)

def tree(pid: int) -> list[int]:
    """pid and its live descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in task.read_text().split())
            except OSError:  # the thread ended meanwhile
                continue
    return out


def cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and their live descendants."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in {p for root in pids for p in tree(root)}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy since boot (every core: /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class Split:
    """CPU seconds over one run: server processes, database, generator, the rest."""

    wall: float
    server: float
    database: float
    generator: float
    machine: float  # every process on the machine, busy

    @property
    def others(self) -> float:
        return max(0.0, self.machine - self.server - self.database - self.generator)


class Meter:
    """CPU seconds spent between start() and stop()."""

    def __init__(self, server_pids: list[int], db_pids: list[int]):
        self.server_pids, self.db_pids = server_pids, db_pids

    def start(self) -> None:
        self._at = (time.perf_counter(), cpu_of(self.server_pids), cpu_of(self.db_pids),
                    time.process_time(), machine_busy())

    def stop(self) -> Split:
        wall, server, db, gen, busy = self._at
        return Split(time.perf_counter() - wall, cpu_of(self.server_pids) - server,
                     cpu_of(self.db_pids) - db, time.process_time() - gen,
                     machine_busy() - busy)


def run(base: str, works: list[Workload], seconds: float, meter: Meter) -> tuple[Stats, Split]:
    """All the workstations for `seconds`, on this thread's new event loop."""
    stats = Stats()

    async def all_of() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(*(workstation(base, w, until, stats, random.Random(i))
                               for i, w in enumerate(works)))

    meter.start()
    asyncio.run(all_of())
    return stats, meter.stop()
