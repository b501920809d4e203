"""Server CPU per request, by request type of the load mix (bench.load): each type alone, one
request at a time on one keep-alive connection, so that the figure is the request's own cost
(no queueing, little sensitivity to the machine's other work): search by NAM, open a chart
($everything), a note (create a Condition), a sync round (_history since the last round), and
an access-log upload (a batch of UPLOAD AuditEvents, as app.sync.audit sends them).
On PostgreSQL the database's CPU is printed beside the server processes'.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace

import orjson

from app.sync import audit
from bench import loadgen
from bench.stats import row

UPLOAD = 5  # access-log entries per batch (a workstation's round after a few chart opens)
Request = tuple[str, str, bytes, str]  # method, path, body, content type


def _upload(username: str, pid: str, n: int) -> bytes:
    entries = []
    for k in range(n):
        digest = hashlib.sha256(f"{username}{pid}{n}{random.random()}{k}".encode()).hexdigest()
        entry = SimpleNamespace(action="read", information="chart", hash=digest,
                                at=datetime.now(UTC).isoformat(), username=username,
                                workstation="bench-ws", patient_id=pid, reason=None)
        rid = audit.event_id(entry)
        entries.append({"resource": {**audit.audit_event(entry, "http://bench"), "id": rid},
                        "request": {"method": "PUT", "url": f"AuditEvent/{rid}"}})
    return orjson.dumps({"resourceType": "Bundle", "type": "batch", "entry": entries})


def _kinds(mine: dict[str, list[tuple[str, str]]], rng: random.Random
           ) -> dict[str, Callable[[str], Request]]:
    """Request makers by type, each given a physician's username."""
    last_round: dict[str, str] = {}

    def search(user: str) -> Request:
        return ("POST", "Patient/_search", loadgen.search_body(rng.choice(mine[user])[1]),
                "application/x-www-form-urlencoded")

    def everything(user: str) -> Request:
        return "GET", f"Patient/{rng.choice(mine[user])[0]}/$everything", b"", ""

    def note(user: str) -> Request:
        return "POST", "Condition", loadgen.note_body(rng.choice(mine[user])[0]), ""

    def sync_round(user: str) -> Request:
        now = datetime.now(UTC).isoformat()
        since, last_round[user] = last_round.get(user, now), now
        return "GET", loadgen.history_path(since), b"", ""

    def upload(user: str) -> Request:
        return "POST", "", _upload(user, rng.choice(mine[user])[0], UPLOAD), ""

    return {"search by NAM": search, "open chart ($everything)": everything,
            "note (create)": note, "sync round (_history)": sync_round,
            f"access-log upload (batch of {UPLOAD} AuditEvents)": upload}


async def send(conns: dict[str, loadgen.Connection], users: list[str],
               kind: Callable[[str], Request], k: int) -> None:
    """The k-th request of this kind, the users' in turn; a refusal stops the measure."""
    user = users[k % len(users)]
    method, path, body, content_type = kind(user)
    status, _ = await conns[user].request(method, path, body,
                                          content_type or "application/fhir+json")
    if status >= 400:
        raise RuntimeError(f"{method} {path.split('?')[0]} answered {status}")


def measure(base: str, tokens: dict[str, str], mine: dict[str, list[tuple[str, str]]],
            meter: loadgen.Meter, n: int, seed: int = 7) -> dict[str, loadgen.Split]:
    """n requests of each type (after a few to warm up), the physicians' in turn: the CPU
    split of each type's n."""
    rng = random.Random(seed)
    users = sorted(mine)
    conns = {u: loadgen.Connection(f"{base}/fhir", tokens[u]) for u in users}
    out = {}

    async def each() -> None:
        try:
            for label, kind in _kinds(mine, rng).items():
                for k in range(3):
                    await send(conns, users, kind, k)
                meter.start()
                for k in range(n):
                    await send(conns, users, kind, k)
                out[label] = meter.stop()
        finally:
            for conn in conns.values():
                conn.close()

    asyncio.run(each())
    return out


def rows(name: str, base: str, tokens: dict[str, str], mine: dict[str, list[tuple[str, str]]],
         meter: loadgen.Meter, n: int) -> list[dict]:
    out = []
    for label, split in measure(base, tokens, mine, meter, n).items():
        figure = f"{name}: server CPU per request, {label} (alone, in sequence)"
        out.append(row(figure, split.server * 1000 / n, "ms", "reported", True,
                       "database CPU per request (ms)" if split.database else "",
                       split.database * 1000 / n if split.database else None))
    return out
