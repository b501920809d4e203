"""PC/SC through pyscard (WinSCard on Windows, pcsc-lite elsewhere): the one thread that makes
every PC/SC call, the reader scan and the card `Connection`.

pyscard must not be called from many threads, so `PcscThread` owns the context and runs the
work others submit with `call()`. Its idle time is spent in the monitor's
`SCardGetStatusChange`; `SCardCancel` (the one call meant for other threads) wakes it up.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from smartcard import scard

from app.devices.errors import CardRemovedError, DeviceError, NoReaderError, NoServiceError
from app.devices.tokens import Token, atr_hex, identify_atr

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = tuple[Callable[..., Any], tuple[Any, ...], "Future[Any]"]

PNP_READER = "\\\\?PnP?\\Notification"
SERVICE_DOWN = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED,
                scard.SCARD_E_INVALID_HANDLE, scard.SCARD_F_COMM_ERROR}
READER_GONE = {scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_E_READER_UNAVAILABLE,
               scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_NO_SMARTCARD}
CARD_GONE = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_W_RESET_CARD,
             scard.SCARD_W_UNRESPONSIVE_CARD}
# SCardCancel only stops a wait already in progress: one sent just before the thread enters
# SCardGetStatusChange is lost. So the caller cancels again, soon, then less often (seconds).
FIRST_WAKES = (0.001, 0.002, 0.005, 0.01, 0.02)
LINGER = 0.003  # s the thread waits for another job before going back to SCardGetStatusChange


def hresult(value: int) -> int:
    return value & 0xFFFFFFFF  # pyscard may hand negative ints on Windows


def check(hr: int, what: str) -> None:
    """Raise the DeviceError that matches a PC/SC result code."""
    hr = hresult(hr)
    if hr == scard.SCARD_S_SUCCESS:
        return
    detail = f"{what}: {hr:08X} {scard.SCardGetErrorMessage(hr)}"
    if hr in SERVICE_DOWN:
        raise NoServiceError(detail)
    if hr in READER_GONE:
        raise NoReaderError(detail)
    if hr in CARD_GONE:
        raise CardRemovedError(detail)
    raise DeviceError(detail)


@dataclass(frozen=True)
class Device:
    """A card seen in a reader by a scan: a cheap descriptor, nothing is opened."""

    reader: str
    atr: bytes
    token: Token | None

    @property
    def is_key(self) -> bool:
        """A QHR key candidate according to the token table."""
        return self.token is not None

    def as_dict(self) -> dict[str, Any]:
        return {"reader": self.reader, "atr": atr_hex(self.atr),
                "token": self.token.name if self.token else None,
                "family": self.token.family if self.token else None}


def device(reader: str, atr: list[int] | bytes) -> Device:
    atr = bytes(atr)
    return Device(reader, atr, identify_atr(atr))


class PcscThread:
    """Owns the PC/SC context. `watch(context)` (the monitor) runs whenever no job waits; it
    must return after a cancel, a timeout or a change, and may raise NoServiceError."""

    def __init__(self, watch: Callable[[int], None] | None = None,
                 on_service_lost: Callable[[DeviceError], None] | None = None,
                 backoff: tuple[float, float] = (0.05, 1.0)):
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._watch = watch
        self._on_lost = on_service_lost
        self._backoff = backoff
        self._context: int | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pcsc", daemon=True)

    def start(self) -> PcscThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._jobs.put(None)
        waited = 0.0
        while self._thread.is_alive() and waited < timeout:
            self.wake()
            self._thread.join(0.05)
            waited += 0.05

    def __enter__(self) -> PcscThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def on_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 10.0) -> T:
        """Run `fn(*args)` on the PC/SC thread and return its result (or raise its error)."""
        if self.on_thread:
            return fn(*args)
        if not self._thread.is_alive():
            raise DeviceError("the PC/SC thread is not running")
        future: Future[T] = Future()
        self._jobs.put((fn, args, future))
        deadline = time.monotonic() + timeout
        for pause in itertools.chain(FIRST_WAKES, itertools.repeat(0.05)):
            self.wake()
            try:
                return future.result(min(pause, max(0.0, deadline - time.monotonic())))
            except TimeoutError:
                if time.monotonic() >= deadline:
                    break
        raise DeviceError("the PC/SC thread did not answer in time")

    def wake(self) -> None:
        context = self._context
        if context is not None:
            scard.SCardCancel(context)

    def context(self) -> int:
        """The established context (made on first use); only on the PC/SC thread."""
        assert self.on_thread, "PC/SC calls belong to the PC/SC thread"
        if self._context is None:
            hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            check(hr, "SCardEstablishContext")
            self._context = context
        return self._context

    def drop_context(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            scard.SCardReleaseContext(context)

    def _run_jobs(self, block: float | None) -> bool:
        """Run the queued jobs (waiting up to `block` s for the first); True if any ran."""
        try:
            job = self._jobs.get(timeout=block) if block != 0 else self._jobs.get_nowait()
        except queue.Empty:
            return False
        while job is not None:
            fn, args, future = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as err:  # handed to the caller
                    future.set_exception(err)
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return True
        return True

    def _loop(self) -> None:
        delay = self._backoff[0]
        while not self._stopping.is_set():
            if self._watch is None:
                self._run_jobs(block=None)
                continue
            if self._run_jobs(block=0):
                while self._run_jobs(block=LINGER):
                    pass  # a burst of APDUs: take the next one without a cancel round trip
            try:
                self._watch(self.context())
                delay = self._backoff[0]
            except DeviceError as err:
                log.info("smart-card service unavailable: %s", err)
                self.drop_context()
                if self._on_lost:
                    self._on_lost(err)
                self._run_jobs(block=delay)  # back-off, still serving jobs
                delay = min(delay * 2, self._backoff[1])
        self.drop_context()
        self._fail_pending()

    def _fail_pending(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None and job[2].set_running_or_notify_cancel():
                job[2].set_exception(DeviceError("the PC/SC thread has stopped"))


def list_readers(context: int) -> list[str]:
    hr, readers = scard.SCardListReaders(context, [])
    if hresult(hr) == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    check(hr, "SCardListReaders")
    return list(readers)


def scan(context: int) -> tuple[list[str], list[Device]]:
    """Readers and the cards in them, right now (no waiting)."""
    readers = list_readers(context)
    if not readers:
        return [], []
    hr, states = scard.SCardGetStatusChange(
        context, 0, [(r, scard.SCARD_STATE_UNAWARE) for r in readers])
    if hresult(hr) != scard.SCARD_E_TIMEOUT:
        check(hr, "SCardGetStatusChange")
    cards = [device(r, atr) for r, state, atr in states
             if state & scard.SCARD_STATE_PRESENT and not state & scard.SCARD_STATE_MUTE]
    return readers, cards
