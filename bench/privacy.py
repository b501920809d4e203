"""What privacy costs on the workstation: a chart opened through the access policy with one
access-log entry per section (app.store.authorised), the retention purge, and the export.

`python -m bench.privacy [--quick]`. Goals:
- a chart opening (9 sections decided and logged, one commit) ≤ 15 ms at the median; the
  limit beside it is the same rows read without policy or log (`list_resources` of the chart,
  same run, same SQLCipher file) — the difference is the policy and the durable log commit;
- purging one stale chart (secure delete + WAL truncate) ≤ 50 ms at the median;
- an export Bundle of one chart ≤ 30 ms.
The store needs a real keyring: run as bench.store does (a private D-Bus session with an
unlocked gnome-keyring is started when this process has none).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench import keyring_session

PASSWORD = "bench password"
PER_CLASS = 5  # resources of each stored class in each chart


def _chart(pid: str) -> list[dict]:
    from tests.fixtures.access import MATRIX_RESOURCES, class_resource, patient_resource
    out = [patient_resource(pid) | {"meta": {"versionId": "1"}}]
    for data_class in MATRIX_RESOURCES:
        if data_class.value != "demographics":
            out += [class_resource(data_class, pid) | {"id": f"{pid}-{data_class}-{n}",
                                                       "meta": {"versionId": "1"}}
                    for n in range(PER_CLASS)]
    return out


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _time(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(quick: bool) -> list[dict]:
    from app.core.profiles import Profession
    from app.store import Store, keys
    from app.store.authorised import authorised_chart
    from app.store.export import export_bundle
    from app.store.retention import purge_stale
    from tests import access_matrix as m

    charts = 40 if quick else 200
    work = Path(tempfile.mkdtemp(prefix="bench-privacy-"))
    store = None
    try:
        store = Store.create("3000000", PASSWORD, path=work / "enc.db")
        ids = [f"b{n}" for n in range(charts)]
        for pid in ids:
            store.put_resources(_chart(pid))
            store.set_cursor(f"chart:{pid}", "2026-01-01T00:00:00Z")
        doctor = m.profile(Profession.PHYSICIAN, "own")
        plain = [_time(lambda p=p: store.list_resources(p)) for p in ids]
        opened = [_time(lambda p=p: authorised_chart(store, doctor, p)) for p in ids]
        exported = [_time(lambda p=p: export_bundle(store, doctor, p)) for p in ids[:20]]
        kept = ids[: charts // 2]
        for pid in kept:
            authorised_chart(store, doctor, pid)
        started = time.perf_counter()
        purged = purge_stale(store, days=0, now=None)
        purge_s = (time.perf_counter() - started) / max(1, len(purged))
        return _rows(_median_ms(opened), _median_ms(plain), _median_ms(exported),
                     purge_s * 1000, charts)
    finally:
        if store is not None:
            store.close()
            keys.delete_keyring_entries(store.key_file)
        shutil.rmtree(work, ignore_errors=True)


def _rows(open_ms: float, plain_ms: float, export_ms: float, purge_ms: float,
          charts: int) -> list[dict]:
    return [
        {"figure": f"chart opening, 9 sections decided + logged (median of {charts})",
         "value": open_ms, "unit": "ms", "goal": "≤ 15 ms (the log's commit is most of it)",
         "limit_name": "same rows read without policy or log", "limit_value": plain_ms,
         "passed": open_ms <= 15},
        {"figure": "export Bundle of one chart (median of 20)", "value": export_ms,
         "unit": "ms", "goal": "≤ 30 ms", "limit_name": "", "limit_value": None,
         "passed": export_ms <= 30},
        {"figure": "retention purge, per chart (secure delete + WAL truncate)",
         "value": purge_ms, "unit": "ms", "goal": "≤ 50 ms", "limit_name": "",
         "limit_value": None, "passed": purge_ms <= 50},
    ]


def keyring_usable() -> bool:
    from bench.store import keyring_usable as usable
    return usable()


def in_keyring_session(quick: bool) -> list[dict]:
    return keyring_session.in_keyring_session("bench.privacy", quick)


def run(quick: bool) -> list[dict]:
    return measure(quick) if keyring_usable() else in_keyring_session(quick)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.privacy")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.out.write_text(json.dumps(measure(args.quick)))
        return
    for row in run(args.quick):
        limit = f"  ({row['limit_name']} {row['limit_value']:.3g})" if row["limit_value"] \
            else ""
        print(f"{'ok ' if row['passed'] else 'BAD'} {row['figure']}: {row['value']:.3g} "
              f"{row['unit']}  goal {row['goal']}{limit}")


if __name__ == "__main__":
    main()
