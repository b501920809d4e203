"""`StoreExecutor`: one worker thread that owns the write connection (ARCHITECTURE rule 2).

    executor = StoreExecutor(lambda: Store.unlock(user, password))
    future = executor.submit(lambda store: store.find_by_nam(nam))
    executor.close()          # closes the store on its own thread, then stops the thread

Everything submitted runs in order on that one thread, so writes never interleave; a UI `Op`
or the sync engine waits on the returned `concurrent.futures.Future`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from app.store.store import Store

T = TypeVar("T")


class StoreExecutor:
    def __init__(self, opener: Callable[[], Store]):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._store: Store | None = None
        self.opened: Future[Any] = self._pool.submit(self._open, opener)

    def _open(self, opener: Callable[[], Store]) -> Store:
        self._store = opener()
        return self._store

    def submit(self, fn: Callable[[Store], T]) -> Future[T]:
        """Run `fn(store)` on the store thread; its result or StoreError comes in the Future."""
        return self._pool.submit(self._call, fn)

    def _call(self, fn: Callable[[Store], T]) -> T:
        store = self.opened.result()  # re-raises the unlock failure for every call
        return fn(store)

    def call(self, fn: Callable[[Store], T], timeout: float | None = None) -> T:
        """`submit` and wait."""
        return self.submit(fn).result(timeout)

    def close(self) -> None:
        def shut() -> None:
            if self._store is not None:
                self._store.close()
        self._pool.submit(shut).result()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> StoreExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
