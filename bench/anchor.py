"""The access log's keyring anchor (app.store.anchor): what one Secret Service write costs, what
a commit that adds an entry costs with the anchor moving behind it, and how long after such a
commit the keyring holds the new head (the window a crash can leave unanchored).

    python -m bench --only anchor
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from bench import keyring_session, stats

RUNS = {True: 20, False: 100}


def measure(quick: bool) -> list[dict]:
    import keyring

    from app.core.data_class import DataClass
    from app.store import Access, KdfParams, Store, keys
    runs = RUNS[quick]
    account = "bench:anchor:audit"
    writes = stats.repeat_ms(lambda: keyring.set_password(
        keys.SERVICE, account, json.dumps([1, "0" * 64])), runs)
    keyring.delete_password(keys.SERVICE, account)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.create("bench", "pw", path=Path(tmp) / "s.db", kdf=KdfParams(n=2**10))
        try:
            access = Access("dr.roy", "p1", DataClass.NOTES, "read")
            commits, anchored = [], []
            for _ in range(runs):
                started = time.perf_counter()
                store.log_access(access)
                commits.append(1000 * (time.perf_counter() - started))
                store.anchor.flush()
                anchored.append(1000 * (time.perf_counter() - started))
            store.anchor.frozen = True  # the same commits with no anchor behind them
            plain = stats.repeat_ms(lambda: store.log_access(access), runs)
            store.anchor.frozen = False
            burst = time.perf_counter()  # back-to-back commits: the writes coalesce
            for _ in range(runs):
                store.log_access(access)
            store.anchor.flush()
            burst_ms = 1000 * (time.perf_counter() - burst)
        finally:
            store.close()
            keys.delete_keyring_entries(store.key_file)
    write_ms, commit_ms = statistics.median(writes), statistics.median(commits)
    plain_ms = statistics.median(plain)
    window_ms = statistics.median(anchored)
    return [
        stats.row("Secret Service write (keyring.set_password), median", write_ms, "ms",
                  "measured (why the anchor has a thread)", True, samples=writes),
        stats.row("access-log commit with the anchor moving behind it, median", commit_ms,
                  "ms", "≤ 1.5× without the anchor (the write is off the commit's path)",
                  commit_ms <= 1.5 * plain_ms, "the same commit, no anchor", plain_ms,
                  samples=commits),
        stats.row("commit → keyring holds the new head, median (the crash window)", window_ms,
                  "ms", "≤ 2 keyring writes", window_ms <= 2 * max(write_ms, 1),
                  samples=anchored),
        stats.row(f"{runs} back-to-back commits until anchored (coalesced writes)", burst_ms,
                  "ms", f"< {runs} keyring writes", burst_ms < runs * write_ms),
    ]


def run(quick: bool) -> list[dict]:
    return keyring_session.measured("anchor", measure, quick)
