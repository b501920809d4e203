"""ClinicDesk benchmarks: each module `bench/<name>.py` exposes `run(quick: bool) -> list[dict]`,
its rows built by `bench.stats.row` on the data of `bench.data`. `python -m bench` runs them all
(BENCHMARKS.md says how to read them).
"""
