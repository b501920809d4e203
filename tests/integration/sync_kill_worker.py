"""A workstation process for test_sync_kill: unlock the store, sign in, then write notes and
edits and sync without end, until the test SIGKILLs it. Prints "ready" once signed in.

    python -m tests.integration.sync_kill_worker STORE_PATH SERVER_URL KEYRING_SERVICE SEED
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from app.central.auth import TokenStore
from app.central.client import ClientConfig
from app.central.errors import SyncError
from app.store import Store
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
    from app.central.client import FhirClient
    from app.sync.engine import SyncEngine
    from app.sync.store_cache import StoreCache
    rng = random.Random(seed)
    store = Store.unlock(None, "pw", path=Path(path))
    client = FhirClient(ClientConfig(server_url, PHYSICIAN, page_size=5, bundle_size=3),
                        token_store=TokenStore(server_url, PHYSICIAN, service=service))
    client.sign_in(PHYSICIAN_PASSWORD)
    service_ = SyncEngine(client, StoreCache(store))
    print("ready", flush=True)
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


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
