"""Helpers of the QHR end-to-end tests: a PIN-typing interaction, a listener that records,
a session factory signed in against the QHR server."""

from __future__ import annotations

import threading
import time

from app.central.client import ClientConfig, FhirClient
from app.core.profiles import profile_from_json
from app.qhr.gateway import QhrGateway
from app.qhr.session import QhrSession, SessionListener, State
from bench.sync import MemoryTokens  # the refresh token in memory: not the keyring
from server.seed import staff


class TypedPin:
    """The Interaction of the tests: types `pins` in order, then the last one again."""

    def __init__(self, *pins: str):
        self.pins, self.asked = list(pins), []

    def request_pin(self, reason=None, tries_left=None, cancel=None) -> str | None:
        self.asked.append(tries_left)
        return self.pins.pop(0) if len(self.pins) > 1 else self.pins[0]

    def prompt_insert_key(self, cancel=None) -> None:
        return None


class Recorder(SessionListener):
    def __init__(self) -> None:
        self.states: list[State] = []
        self.cleared: list[tuple[str, float]] = []
        self.event = threading.Event()

    def state_changed(self, state: State) -> None:
        self.states.append(state)

    def clear(self, reason) -> None:
        self.cleared.append((str(reason), time.monotonic()))
        self.event.set()


def wait_until(predicate, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def patient_of(chart: list[dict]) -> tuple[str, str]:
    patient = next(r for r in chart if r["resourceType"] == "Patient")
    nam = next(i["value"] for i in patient["identifier"] if i["system"].endswith("/nam"))
    return patient["id"], nam


def make_session(base: str, monitor, username: str, *, pin: TypedPin, audit,
                 idle: float = 300.0) -> tuple[QhrSession, Recorder]:
    client = FhirClient(ClientConfig(base, username), token_store=MemoryTokens())
    client.sign_in(staff.by_username(username).password)
    me = client.me()
    gateway = QhrGateway(client)
    session = QhrSession(profile_from_json(me), gateway, monitor, pin, audit=audit,
                         idle_timeout=idle)
    recorder = Recorder()
    session.add_listener(recorder)
    return session.start(), recorder
