"""app.workstation.sync_status: the client's online/offline changes reach every listener of the
sync status once, however many listen, and follow the client of the current sign-in."""

from types import SimpleNamespace

from app.central.retry import Retrier, State
from app.workstation.sync_status import SessionSync


def signed_in():
    return SimpleNamespace(client=SimpleNamespace(retrier=Retrier()), executor=None)


def test_each_listener_hears_a_connectivity_change_once():
    session = signed_in()
    sync = SessionSync(session)
    a, b = [], []
    stop_a = sync.add_listener(a.append)
    sync.add_listener(b.append)
    session.client.retrier.connectivity.set(State.OFFLINE)
    assert [s.online for s in a] == [False] and [s.online for s in b] == [False]
    stop_a()
    session.client.retrier.connectivity.set(State.ONLINE)
    assert [s.online for s in a] == [False] and [s.online for s in b] == [False, True]
    assert sync.status().online


def test_a_new_sign_in_is_followed_and_the_old_client_is_not():
    session = signed_in()
    sync = SessionSync(session)
    heard = []
    sync.add_listener(heard.append)
    old = session.client
    session.client = SimpleNamespace(retrier=Retrier())
    sync.add_listener(lambda _status: None)  # a view of the new sign-in connects
    old.retrier.connectivity.set(State.OFFLINE)
    assert heard == [] and len(old.retrier.connectivity.changed) == 0
    session.client.retrier.connectivity.set(State.OFFLINE)
    assert [s.online for s in heard] == [False]
