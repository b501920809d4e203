"""A workstation process for test_sync_kill: unlock the store, sign in, then write notes and
edits and sync without end, until the test SIGKILLs it. Prints "ready PID" once signed in.

    python -m tests.integration.sync_kill_worker STORE_PATH SERVER_URL KEYRING_SERVICE SEED
    python -m tests.integration.sync_kill_worker --forks

`--forks` imports once, then forks one such worker per line read on stdin (a JSON list of
those four arguments), and prints "exit CODE" (os.waitstatus_to_exitcode) when it
has ended: each worker is still a process of its own, opening the store and signing in itself,
without paying the interpreter's start and the imports (~0.7 s) on each of the test's rounds.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import traceback
from pathlib import Path

from app.central.auth import TokenStore
from app.central.client import ClientConfig, FhirClient
from app.central.errors import SyncError
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.store_cache import StoreCache
from tests.fixtures.sync import (
    PHYSICIAN,
    PHYSICIAN_PASSWORD,
    WITH_NOTE,
    edit,
    sync_pid,
    write_note,
)

CHARTS = (sync_pid(10), sync_pid(11))


def main(path: str, server_url: str, service: str, seed: int) -> None:
    rng = random.Random(seed)
    store = Store.unlock(None, "pw", path=Path(path))
    client = FhirClient(ClientConfig(server_url, PHYSICIAN, page_size=5, bundle_size=3),
                        token_store=TokenStore(server_url, PHYSICIAN, service=service))
    client.sign_in(PHYSICIAN_PASSWORD)
    service_ = SyncEngine(client, StoreCache(store))
    print(f"ready {os.getpid()}", flush=True)
    n = 0
    while True:
        n += 1
        pid = rng.choice(CHARTS)
        for _ in range(rng.randint(1, 3)):
            write_note(store, pid, f"note {seed}.{n}")
        candidates = [r for r in store._list_resources(pid) if r["resourceType"] in WITH_NOTE]
        if rng.random() < 0.3 and candidates:
            res = candidates[rng.randrange(min(2, len(candidates)))]
            edit(store, res, note=[{"text": f"edit {seed}.{n}"}])
        try:
            if rng.random() < 0.2:
                service_.open_chart(pid)
            service_.sync()
        except SyncError:
            pass


def forks() -> None:
    # Nothing is open yet (no store, connection, keyring session or thread) that a child could
    # share with its parent or its siblings.
    assert threading.active_count() == 1
    for line in sys.stdin:
        path, server_url, service, seed = json.loads(line)
        child = os.fork()
        if child == 0:
            try:
                main(path, server_url, service, int(seed))
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
            os._exit(1)
        _, status = os.waitpid(child, 0)
        print(f"exit {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--forks"]:
        forks()
    else:
        main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
