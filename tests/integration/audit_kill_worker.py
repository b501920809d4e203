"""A workstation process for test_audit_kill: unlock the store, write access-log entries (one
commit each, as chart readings do), print "wrote N", then wait until the test SIGKILLs it. It
never closes the store: whatever anchors the log must happen on the way.

    python -m tests.integration.audit_kill_worker STORE_PATH PASSWORD ENTRIES
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from app.core.data_class import DataClass
from app.store import Access, Store


def main(path: str, password: str, entries: int) -> None:
    store = Store.unlock(None, password, path=Path(path))
    classes = (DataClass.NOTES, DataClass.MEDICATIONS)  # never "labs": see tamper_rewrite_chain
    for i in range(entries):
        store.log_access(Access("dr.roy", f"p{i % 7}", classes[i % 2], "read"))
    print(f"wrote {entries}", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
