"""Issue 6, "Done when": every kind of user of docs/domain.md's table against the reference server's
QHR gateway, with the virtual key in a real pcscd: the eligible open a session (PIN, signed
challenge) and read labs, imaging and medications; the others get every reason, and the server
refuses them too. Plus: wrong key, key removal, idle timeout."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from app.devices.piv import prove_key
from app.qhr.eligibility import Condition, eligibility
from app.qhr.errors import GatewayRefused, NotEligible, SessionExpired, WrongKey
from app.qhr.session import LockReason, State
from server.storage import DB_FILE
from server.storage.audit_compact import served
from tests.integration.qhr_helpers import TypedPin, make_session, patient_of, wait_until

PIN = "123456"
C = Condition
# username → the conditions unmet with the key plugged in (empty: eligible)
USERS = {
    "1000001": set(),  # family physician
    "1000003": set(),  # specialist (non-FMG clinic)
    "1000004": set(),  # resident
    "1000005": set(),  # nurse
    "1000006": set(),  # auxiliary nurse
    "1000007": set(),  # nurse practitioner (IPS)
    "1000008": set(),  # pharmacist
    "1000011": set(),  # technical support, 7-digit id
    "1000009": {C.PROFESSION, C.KEY_ID},  # receptionist
    "1000010": {C.PROFESSION, C.KEY_ID},  # administrator
    "1000012": {C.EXTERN, C.KEY_ID},  # extern
    "tsupport7": {C.USERNAME_LETTERS},  # QHR-key owner with an alphanumeric username
    "1000013": {C.ACCESS_FORM},  # nurse of 2017 without the access form
}

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def patient(seeded_charts) -> tuple[str, str]:
    return patient_of(seeded_charts[0])


@pytest.mark.parametrize("username", list(USERS))
def test_each_kind_of_user(username, qhr_server, key_monitor, qhr_key, patient):
    expected = USERS[username]
    qhr_key(username)
    audit: list = []
    session, recorder = make_session(qhr_server, key_monitor, username, pin=TypedPin(PIN),
                                     audit=audit.append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        verdict = eligibility(session.user, key_plugged=True)
        assert verdict.conditions == expected
        if expected:
            with pytest.raises(NotEligible) as refused:
                session.open()
            assert refused.value.reasons == verdict.reasons
            assert session.state == State.KEY_PRESENT and session.key_id is None
            _server_refuses(session, expected)
            return
        key_id = session.open()
        assert key_id == session.user.qhr_key_id and session.state == State.AUTHENTICATED
        data = session.view(*patient)
        assert session.state == State.VIEWING
        assert data.labs and data.imaging and data.medications
        assert all(t.points == tuple(sorted(t.points, key=lambda p: p.when)) for t in data.labs)
        assert [(e.patient_id, e.information, e.action) for e in audit] == [
            (patient[0], f"qhr:{kind}:{key_id}", "read")
            for kind in ("labs", "imaging", "medications")]
        assert all(e.username == username for e in audit)
    finally:
        session.stop()


def _server_refuses(session, expected: set) -> None:
    """The gateway checks again: a valid key proof from this user is refused."""
    challenge = session.gateway.challenge()
    with session.monitor.connect(session.monitor.devices[0]) as connection:
        proof = prove_key(connection, PIN, challenge)
    with pytest.raises(GatewayRefused) as refused:
        session.gateway.open_session(challenge, proof)
    assert refused.value.error == "not_eligible"
    assert set(refused.value.conditions) == {str(c) for c in expected}


def test_wrong_key_is_refused(qhr_server, key_monitor, qhr_key):
    qhr_key("1000002")  # Dr Gagnon's key, for Dre Tremblay
    pin = TypedPin(PIN)
    session, _ = make_session(qhr_server, key_monitor, "1000001", pin=pin, audit=list().append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        with pytest.raises(WrongKey) as refused:
            session.open()
        assert "not the one in your profile" in refused.value.text.source
        assert pin.asked == [] and session.key_id is None
        # the gateway refuses it as well
        challenge = session.gateway.challenge()
        with key_monitor.connect(key_monitor.devices[0]) as connection:
            proof = prove_key(connection, PIN, challenge)
        with pytest.raises(GatewayRefused) as server:
            session.gateway.open_session(challenge, proof)
        assert "wrong_key" in server.value.conditions
    finally:
        session.stop()


def test_wrong_pin_then_right_pin(qhr_server, key_monitor, qhr_key, patient):
    qhr_key("1000008")
    pin = TypedPin("000000", PIN)
    session, _ = make_session(qhr_server, key_monitor, "1000008", pin=pin, audit=list().append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        session.open()
        assert pin.asked == [3, 2]
    finally:
        session.stop()


def test_key_removal_drops_the_session(qhr_server, key_monitor, qhr_key, patient):
    key = qhr_key("1000001")
    session, recorder = make_session(qhr_server, key_monitor, "1000001", pin=TypedPin(PIN),
                                     audit=list().append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        session.open()
        token = session._token
        data = session.view(*patient)
        key.remove()
        assert recorder.event.wait(5)
        assert recorder.cleared[0][0] == LockReason.KEY_REMOVED
        assert session.state == State.LOCKED and session.key_id is None and session.data is None
        assert data.released and not data.labs and not data.medications
        # closed at the gateway too (after the drop, in the background)
        assert wait_until(lambda: _gone(session, token, patient[1]))
    finally:
        session.stop()


def _gone(session, token: str, nam: str) -> bool:
    try:
        session.gateway.read(token, "labs", nam)
    except SessionExpired:
        return True
    return False


def test_idle_timeout_locks(qhr_server, key_monitor, qhr_key, patient):
    qhr_key("1000005")
    session, recorder = make_session(qhr_server, key_monitor, "1000005", pin=TypedPin(PIN),
                                     audit=list().append, idle=0.5)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        session.open()
        session.view(*patient)
        assert recorder.event.wait(3)
        assert recorder.cleared == [(LockReason.IDLE, recorder.cleared[0][1])]
        assert session.state == State.LOCKED and session.data is None
    finally:
        session.stop()


def test_gateway_audits_each_consultation(qhr_server_process, key_monitor, qhr_key,
                                          seeded_charts):
    patient_id, nam = patient_of(seeded_charts[3])
    qhr_key("1000004")
    session, _ = make_session(qhr_server_process.base, key_monitor, "1000004",
                              pin=TypedPin(PIN), audit=list().append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        key_id = session.open()
        session.view(patient_id, nam)
        with pytest.raises(SessionExpired):  # no session, no data, no audit entry
            session.gateway.read("not-a-session", "labs", nam)
    finally:
        session.stop()
    assert wait_until(lambda: len(_server_events(qhr_server_process, nam)) >= 3)
    events = _server_events(qhr_server_process, nam)
    assert sorted(_detail(e, "data-classes") for e in events) == [
        "qhr:imaging", "qhr:labs", "qhr:medications"]
    assert {_detail(e, "qhr-key-id") for e in events} == {key_id}
    assert {e["agent"][0]["who"]["identifier"]["value"] for e in events} == {"1000004"}
    assert all(e["recorded"] and [a["network"]["address"] for a in e["agent"]  # BALP client
                                   if a["type"]["coding"][0]["code"] == "110153"] for e in events)


def _server_events(proc, nam: str) -> list[dict]:
    conn = sqlite3.connect(f"file:{proc.data_dir / DB_FILE}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT id, recorded, content FROM audit_event")
        events = [json.loads(served(*r)) for r in rows]
    finally:
        conn.close()
    return [e for e in events
            if e["entity"][0]["what"].get("identifier", {}).get("value") == nam]


def _detail(event: dict, kind: str) -> str:
    return next(d["valueString"] for d in event["entity"][0]["detail"] if d["type"] == kind)


def test_key_state_follows_the_session(qhr_server, key_monitor, qhr_key):
    from app.qhr.service import key_state
    from app.qhr.session import SessionListener

    class Seen(SessionListener):
        def __init__(self) -> None:
            self.states: list[str] = []
            self.cleared: list[LockReason] = []

        def state_changed(self, state) -> None:
            self.states.append(key_state(session))

        def clear(self, reason: LockReason) -> None:
            self.cleared.append(reason)

    key = qhr_key("1000006")
    session, _ = make_session(qhr_server, key_monitor, "1000006", pin=TypedPin(PIN),
                              audit=list().append)
    seen = Seen()
    stop = session.add_listener(seen)
    try:
        assert wait_until(lambda: key_state(session) == "present")
        session.open()
        assert key_state(session) == "session_open" and "pin_needed" in seen.states
        key.remove()
        assert wait_until(lambda: key_state(session) == "absent")
        assert seen.cleared == [LockReason.KEY_REMOVED]
        stop()
        count = len(seen.states)
        session.lock(LockReason.SIGN_OUT)
        assert len(seen.states) == count
    finally:
        session.stop()


def test_another_key_then_sign_out_drop_the_session(qhr_server, key_monitor, qhr_key, patient):
    qhr_key("1000007")
    session, recorder = make_session(qhr_server, key_monitor, "1000007", pin=TypedPin(PIN),
                                     audit=list().append)
    try:
        assert wait_until(lambda: session.state == State.KEY_PRESENT)
        session.open()
        token = session._token
        other = qhr_key("1000002", reader=1)  # a second key plugged in beside it
        assert recorder.event.wait(5)
        assert recorder.cleared[-1][0] == LockReason.OTHER_KEY and session.key_id is None
        assert wait_until(lambda: _gone(session, token, patient[1]))
        other.remove()
        session.open()  # own key still in: a new session
        token = session._token
        session.view(*patient)
        session.sign_out()
        assert recorder.cleared[-1][0] == LockReason.SIGN_OUT and session.data is None
        assert wait_until(lambda: _gone(session, token, patient[1]))
    finally:
        session.stop()


def test_no_key_prompts_for_it(qhr_server, key_monitor, qhr_key):
    class PlugsOnPrompt(TypedPin):
        prompted = 0

        def prompt_insert_key(self, cancel=None) -> None:
            self.prompted += 1
            qhr_key("1000001")

    pin = PlugsOnPrompt(PIN)
    session, _ = make_session(qhr_server, key_monitor, "1000001", pin=pin, audit=list().append)
    try:
        assert session.state == State.NO_KEY
        assert session.open() == "QHR-0001-TREM" and pin.prompted == 1
    finally:
        session.stop()


def test_open_while_the_plugged_key_is_looked_at_waits_for_the_look(
        qhr_server, key_monitor, qhr_key, monkeypatch):
    """Open right after plugging the key in, while the session still looks at the card (PIV
    SELECT, certificate, PIN state: slowed to 1 s here): the PIN is asked, not the key."""
    import app.qhr.session as qhr_session

    looked = qhr_session.inspect_card

    def slow(*args, **kwargs):
        time.sleep(1.0)
        return looked(*args, **kwargs)

    class CountsPrompts(TypedPin):
        prompted = 0

        def prompt_insert_key(self, cancel=None) -> None:
            self.prompted += 1

    monkeypatch.setattr(qhr_session, "inspect_card", slow)
    pin = CountsPrompts(PIN)
    session, _ = make_session(qhr_server, key_monitor, "1000001", pin=pin, audit=list().append)
    try:
        qhr_key("1000001")
        assert wait_until(lambda: session.inspecting)
        assert session.state == State.NO_KEY  # not yet looked at
        assert session.open() == "QHR-0001-TREM"
        assert pin.prompted == 0 and pin.asked == [3]
    finally:
        session.stop()
