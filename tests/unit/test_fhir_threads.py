"""The FHIR operations' worker threads (server.fhir.routes._in_thread): a request task cancelled
while its operation runs (a forced shutdown) ends only after the operation, as anyio's threads
did, so that the store is never closed under a running operation."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

from fastapi import Response

from server.fhir import routes
from server.identity import audit


def test_a_cancelled_request_waits_for_its_running_operation() -> None:
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def operation() -> Response:
        started.set()
        release.wait(10)
        finished.set()
        return Response(status_code=200)

    async def main() -> bool:
        task = asyncio.create_task(routes._in_thread({}, operation))
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

    assert asyncio.run(main())


def test_the_answer_comes_back_once_its_audit_commit_is_done() -> None:
    """The worker thread's answer reaches the loop only with the request's audit commits done
    (one wake-up of the loop, and the answer's start finds them done: no second hop)."""
    commit: Future = Future()
    state: dict = {}
    state[audit._QUEUED] = [commit]

    async def main() -> tuple[bool, bool]:
        task = asyncio.create_task(routes._in_thread(state, lambda: Response(status_code=200)))
        await asyncio.sleep(0.1)
        early = task.done()
        threading.Thread(target=commit.set_result, args=(None,)).start()
        response = await asyncio.wait_for(task, 5)
        return early, response.status_code == 200 and commit.done()

    assert asyncio.run(main()) == (False, True)


def test_answers_finished_together_wake_the_loop_once() -> None:
    """Answers that other threads finish before the loop runs (an audit batch committed) are
    delivered by one wake-up of the loop (asyncio writes its self-pipe per wake-up), each."""
    delivered: list[int] = []

    async def main() -> int:
        loop = asyncio.get_running_loop()
        wakes, calls = routes._wakes_of(loop), 0
        original = loop.call_soon_threadsafe

        def counted(*args: object) -> object:
            nonlocal calls
            calls += 1
            return original(*args)  # type: ignore[arg-type]

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign,assignment]

        def finish() -> None:
            for k in range(5):
                wakes.call(delivered.append, k)

        finisher = threading.Thread(target=finish)
        finisher.start()
        finisher.join()  # the loop is held meanwhile: all five come before it runs
        while len(delivered) < 5:
            await asyncio.sleep(0.01)
        wakes.call(delivered.append, 5)  # after a run: a wake-up of its own
        while len(delivered) < 6:
            await asyncio.sleep(0.01)
        return calls

    assert asyncio.run(main()) == 2
    assert delivered == [0, 1, 2, 3, 4, 5]
