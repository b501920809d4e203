"""Where PostgreSQL's time goes over a turn (bench.dbtime), on a real PostgreSQL with fsync on:
its sessions' sampled states (on CPU, a wait event, idle in a transaction), the WAL's records
and flushes, the checkpoints, its processes' CPU by kind; and the settings a bench's cluster is
started with (server.processes.Postgres). Every process started here is ended."""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg
import pytest

from bench import capped, capped_rows, dbtime, load, loadgen
from server.processes import Postgres


@pytest.fixture(scope="module")
def durable():
    cluster = Postgres(fsync=True, settings={"track_wal_io_timing": "on",
                                             "commit_delay": "7"}).start()
    yield cluster
    cluster.stop()


def test_the_cluster_runs_with_the_settings_it_was_given(durable, postgres):
    """A durable cluster (benchmarks) spaces its checkpoints by the clock as an operator's
    should (server/README.md), with the settings it was given; the tests' cluster is left at
    PostgreSQL's defaults but fsync."""
    with psycopg.connect(durable.url("postgres")) as conn:
        assert conn.execute("SHOW track_wal_io_timing").fetchone() == ("on",)
        assert conn.execute("SHOW commit_delay").fetchone() == ("7",)
        assert conn.execute("SHOW fsync").fetchone() == ("on",)
        assert conn.execute("SHOW max_wal_size").fetchone() == ("8GB",)
        assert conn.execute("SHOW checkpoint_timeout").fetchone() == ("15min",)
    with psycopg.connect(postgres.url("postgres")) as conn:
        assert conn.execute("SHOW fsync").fetchone() == ("off",)
        assert conn.execute("SHOW max_wal_size").fetchone() == ("1GB",)


def test_sessions_states_wal_checkpoints_and_cpu_are_counted(durable):
    url = durable.new_database("bench_dbtime")
    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute("CREATE TABLE t (id serial PRIMARY KEY, n int)")
    waits = dbtime.DbTime(url, durable.proc.pid if durable.proc else None)
    waits.start()
    with psycopg.connect(url, autocommit=True) as busy:  # open at stop: its CPU is read
        with psycopg.connect(url) as sleeper, psycopg.connect(url) as idle, \
                psycopg.connect(url, autocommit=True) as writer:
            idle.execute("SELECT 1")  # a transaction left open: idle in it
            asleep = threading.Thread(target=lambda: sleeper.execute("SELECT pg_sleep(1)"))
            asleep.start()
            for n in range(50):  # 50 commits, each flushed
                writer.execute("INSERT INTO t (n) VALUES (%s)", (n,))
            writer.execute("CHECKPOINT")
            busy.execute("SELECT count(*) FROM generate_series(1, 3000000)")  # ~0.3 s of CPU
            asleep.join()
            sleeper.rollback()
            idle.rollback()
        # the ended sessions' statistics are published as they end
        time.sleep(0.5)
        waits.stop()
    rate = waits.samples / waits.wall  # samples a second (≤ 1 / SAMPLE_S)
    assert waits.samples >= 20 and rate <= 1.1 / dbtime.SAMPLE_S
    # the sleeping session 1 s of the run, the idle one in its transaction at least as long
    assert 0.5 * rate <= waits.states["client: Timeout:PgSleep"] <= 1.5 * rate
    assert waits.states["client: idle in transaction"] >= 0.5 * rate
    per_request = waits.per_request(2.0, 4)  # as over a turn of 2 s and 4 requests
    share = waits.states["client: Timeout:PgSleep"] / waits.samples  # of the sessions' time
    assert per_request["client: Timeout:PgSleep"] == pytest.approx(share * 2.0 * 1000 / 4)
    delta = waits.delta.counts
    assert delta["wal_records"] >= 50 and delta["wal_bytes"] > 0
    assert delta["wal_sync"] >= 25  # each commit flushed (some together)
    assert delta["wal_sync_time"] > 0  # track_wal_io_timing
    assert delta["checkpoints_req"] >= 1
    assert delta["xact_commit"] >= 50
    assert waits.delta.cpu["client backends"] >= 0.1


@pytest.mark.parametrize(("row", "state"), [
    (("client backend", True, "active", None, None), "client: CPU"),
    (("client backend", True, "active", "IO", "WALSync"), "client: IO:WALSync"),
    (("client backend", True, "idle in transaction", "Client", "ClientRead"),
     "client: idle in transaction"),
    (("client backend", True, "idle", "Client", "ClientRead"), None),
    (("client backend", False, "active", None, None), None),  # another database's session
    (("checkpointer", None, None, "Timeout", "CheckpointWriteDelay"),
     "checkpointer: Timeout:CheckpointWriteDelay"),
    (("walwriter", None, None, "Activity", "WalWriterMain"), None),  # asleep
    (("autovacuum worker", True, "active", None, None), "autovacuum worker: CPU"),
])
def test_a_sampled_row_s_state(row, state):
    assert dbtime.state_of(*row) == state


def _turn(rate: float, cores: list[float], states: dict[str, int], counts: dict[str, float],
          cpu: dict[str, float]) -> capped.Turn:
    split = loadgen.Split(10.0, sum(cores) * 10, 1.0, 0.5, sum(cores) * 10 + 2.0)
    waits = dbtime.DbTime("postgresql://unused", None)
    waits.samples, waits.states = 1000, Counter(states)
    waits.delta = dbtime.Snapshot(counts, cpu)
    return capped.Turn(rate, cores, 0.5, loadgen.Stats(times=[1.0] * int(rate * 10)), split,
                       dbtime=waits)


def test_the_database_rows_say_where_its_time_went_per_request():
    """Sampled states per request (count ÷ samples × wall ÷ requests), the WAL's flushes per
    request and their time, the checkpointer's share of each turn, and 2 ÷ 1 of each."""
    wal = dict.fromkeys((*dbtime.WAL, *dbtime.BGWRITER, *dbtime.TABLES), 0.0)
    one = _turn(200, [0.4], {"client: CPU": 400, "client: IO:WALSync": 200,
                             "client: idle in transaction": 1000,
                             "checkpointer: Timeout:CheckpointWriteDelay": 1000},
                {**wal, "wal_sync": 500, "wal_sync_time": 500.0, "checkpoints_timed": 1},
                {"client backends": 0.8})
    two = _turn(400, [0.4, 0.4], {"client: CPU": 800, "client: IO:WALSync": 1200,
                                  "client: LWLock:WALWrite": 400},
                {**wal, "wal_sync": 1200, "wal_sync_time": 2400.0}, {"client backends": 1.6})
    rows = capped_rows.rows("postgres", {(1, 30): [one], (2, 30): [two]})
    # 2,000 requests in 10 s: 0.6 sessions busy on average = 3 ms a request
    busy = _row(rows, "1 process ", "database time per request")
    assert busy["value"] == pytest.approx(3.0)
    assert "IO:WALSync 1.000" in busy["figure"] and "the server's time: 5.00 ms" in \
        busy["figure"]
    flushes = _row(rows, "1 process ", "WAL per request")
    assert flushes["value"] == pytest.approx(0.25) and "1.00 ms a flush" in flushes["figure"]
    assert _row(rows, "2 processes ", "WAL per request")["value"] == pytest.approx(0.3)
    checkpoints = _row(rows, "1 process ", "checkpoints and autovacuum")
    assert checkpoints["value"] == 1 and "busy in 100% of each turn" in checkpoints["figure"]
    assert "busy in 0% of each turn" in _row(rows, "2 processes ", "checkpoints")["figure"]
    assert _row(rows, "1 process ", "database CPU per request")["value"] == pytest.approx(0.4)
    # 2 processes: (0.8 + 1.2 + 0.4) sessions × 10 s ÷ 4,000 = 6 ms; waits (1.2 + 0.4) → 4
    assert _row(rows, "1 → 2", "database time per request")["value"] == pytest.approx(2.0)
    assert _row(rows, "1 → 2", "wait for the WAL flush")["value"] == pytest.approx(4.0)
    assert _row(rows, "1 → 2", "WAL flushes")["value"] == pytest.approx(1.2)


def _row(rows: list[dict], *words: str) -> dict:
    (found,) = [r for r in rows if all(w in r["figure"] for w in words)]
    return found


def test_a_seeded_database_is_settled_before_the_turns(durable):
    """bench.load.settle: what autovacuum and the next checkpoint would otherwise do in the
    first turns (every new row vacuumed and analyzed, the pages written) is done before."""
    url = durable.new_database("bench_settle")
    with psycopg.connect(url, autocommit=True) as seeding:  # its statistics published at end
        seeding.execute("CREATE TABLE t (id serial PRIMARY KEY, n int)")
        seeding.execute("INSERT INTO t (n) SELECT g FROM generate_series(1, 20000) g")
    time.sleep(0.3)
    with psycopg.connect(url, autocommit=True) as conn:
        before = conn.execute("SELECT checkpoints_req FROM pg_stat_bgwriter").fetchone()
        load.settle(url)
        load.settle(None)  # SQLite: nothing to settle
        time.sleep(0.6)  # the statistics of the settling session, published as it ended
        conn.execute("SELECT pg_stat_clear_snapshot()")
        left, vacuumed, analyzed = conn.execute(
            "SELECT n_ins_since_vacuum, last_vacuum, last_analyze FROM pg_stat_user_tables "
            "WHERE relname = 't'").fetchone()
        assert left == 0 and vacuumed is not None and analyzed is not None
        (after,) = conn.execute("SELECT checkpoints_req FROM pg_stat_bgwriter").fetchone()
        assert after > before[0]
