"""ClinicDesk benchmarks: each module `bench/<name>.py` exposes `run(quick: bool) -> list[dict]`.

A result row: figure, value, unit, goal (text), limit_name, limit_value (measured in the same
run, or None when the goal is absolute), passed. `python -m bench` runs them all.
"""
