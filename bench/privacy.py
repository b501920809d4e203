"""What privacy costs on the workstation: a chart opened through the access policy with one
access-log entry per section (app.store.authorised), the retention purge, and the export.

Data: `bench.data.charts` — generated charts of ~200 resources (the Patient, encounters,
notes, problems, allergies, medications, labs, imaging, appointments; every 25th with a Consent
restriction), CHARTS of them (quick: fewer), each opened by its own physician
(`bench.data.physician_of`), so that a section is read when allowed and logged either way.

`python -m bench --only privacy [--quick]`. Figures (each a sample per chart, or per round):
- chart opening: every section the physician's role shows decided and logged, one commit;
  goal ≤ 15 ms at the median. The limit beside it is the same rows read without policy or log
  (`list_resources` of the chart, same run, same SQLCipher file): the difference is the policy
  and the durable log commit;
- export Bundle of one chart (every class decided, logged as an export) ≤ 30 ms at the median;
- retention purge per chart (`purge_stale`: stale charts found in the access log, secure delete
  + WAL truncate), PURGE_ROUNDS rounds each purging a fresh batch of never-opened charts, the
  round's time per chart a sample; goal ≤ 50 ms at the median.
The store needs a real keyring: run as bench.store does (a private D-Bus session with an
unlocked gnome-keyring is started when this process has none).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import data, keyring_session, stats

PASSWORD = "bench password"
PREFIX = "pv"
CHARTS = data.Size(200, 40)
EXPORTS = 20
PURGE_ROUNDS, PURGE_BATCH = data.Size(10, 5), data.Size(10, 4)


def put_charts(store, n: int, start: int) -> dict[str, object]:
    """Cache charts start..start+n-1 as fetched from the server; patient id → its physician."""
    out = {}
    for chart in data.charts(n, start=start, id_prefix=PREFIX):
        store.put_resources(data.with_meta(chart))
        store.set_cursor(f"chart:{chart[0]['id']}", data.STAMP)
        out[chart[0]["id"]] = data.physician_of(chart).profile
    return out


def purge_samples(store, quick: bool, start: int, kept_since: datetime) -> list[float]:
    """Per round, ms per chart of a purge that finds and removes a fresh batch of charts
    never opened (the charts opened since `kept_since` stay)."""
    from app.store.retention import purge_stale
    batch, out = PURGE_BATCH.of(quick), []
    for r in range(PURGE_ROUNDS.of(quick)):
        fresh = put_charts(store, batch, start + r * batch)
        started = time.perf_counter()
        purged = purge_stale(store, days=0, now=kept_since)
        out.append((time.perf_counter() - started) * 1000 / batch)
        assert sorted(purged) == sorted(fresh)
    return out


def measure(quick: bool) -> list[dict]:
    from app.store import Store, keys
    from app.store.authorised import authorised_chart, chart_sections
    from app.store.export import export_bundle

    n = CHARTS.of(quick)
    work = Path(tempfile.mkdtemp(prefix="bench-privacy-"))
    store = None
    try:
        store = Store.create("3000000", PASSWORD, path=work / "enc.db")
        owners = put_charts(store, n, 0)
        before = datetime.now(UTC) - timedelta(seconds=1)
        plain = [stats.repeat_ms(lambda p=p: store._list_resources(p), 1)[0] for p in owners]
        opened = [stats.repeat_ms(lambda p=p, u=u: authorised_chart(store, u, p), 1)[0]
                  for p, u in owners.items()]
        exported = [stats.repeat_ms(lambda p=p, u=u: export_bundle(store, u, p), 1)[0]
                    for p, u in list(owners.items())[:EXPORTS]]
        purged = purge_samples(store, quick, n, before)
        sections = len(chart_sections(next(iter(owners.values()))))
        return _rows(opened, plain, exported, purged, sections)
    finally:
        if store is not None:
            store.close()
            keys.delete_keyring_entries(store.key_file)
        shutil.rmtree(work, ignore_errors=True)


def _rows(opened: list[float], plain: list[float], exported: list[float],
          purged: list[float], sections: int) -> list[dict]:
    open_ms, export_ms, purge_ms = (statistics.median(s) for s in (opened, exported, purged))
    return [
        stats.row(f"chart opening, {sections} sections decided + logged, median of "
                  f"{len(opened)} charts", open_ms, "ms", "≤ 15 ms (the log's commit is most "
                  "of it)", open_ms <= 15, "same rows read without policy or log",
                  statistics.median(plain), samples=opened),
        stats.row(f"export Bundle of one chart, median of {len(exported)}", export_ms, "ms",
                  "≤ 30 ms", export_ms <= 30, samples=exported),
        stats.row("retention purge, per chart (secure delete + WAL truncate), median of "
                  f"{len(purged)} rounds", purge_ms, "ms", "≤ 50 ms", purge_ms <= 50,
                  samples=purged),
    ]


def run(quick: bool) -> list[dict]:
    return keyring_session.measured("privacy", measure, quick)
