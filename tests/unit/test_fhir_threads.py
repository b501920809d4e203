"""The FHIR operations' worker threads (server.fhir.routes._in_thread): a request task cancelled
while its operation runs (a forced shutdown) ends only after the operation, as anyio's threads
did, so that the store is never closed under a running operation."""

from __future__ import annotations

import asyncio
import threading

from server.fhir import routes
from server.fhir.respond import Result


def test_a_cancelled_request_waits_for_its_running_operation() -> None:
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def operation(_ctx: object) -> Result:
        started.set()
        release.wait(10)
        finished.set()
        return Result(200)

    async def main() -> bool:
        task = asyncio.create_task(routes._in_thread(operation, None))  # type: ignore[arg-type]
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.sleep(0.05)
        release.set()
        try:
            await task
        except asyncio.CancelledError:
            return finished.is_set()
        return False

    original = routes._call
    routes._call = lambda fn, ctx, *args: fn(ctx, *args)  # the operation alone, no audit
    try:
        assert asyncio.run(main())
    finally:
        routes._call = original
