"""The audit checkpoint file: a line per lane, each lane forward only, the processes of a data
directory writing it in turn (server.storage.write_checkpoint); a file from before lanes
(one `k hash` line) reads as lane 1."""

from __future__ import annotations

from pathlib import Path

from server.storage.checkpoint import CHECKPOINT_FILE, UNREADABLE, read_checkpoint, write_checkpoint


def test_each_lane_keeps_its_furthest_head(tmp_path: Path) -> None:
    path = tmp_path / CHECKPOINT_FILE
    write_checkpoint(path, (2, 5, "b" * 64))
    write_checkpoint(path, (1, 7, "a" * 64))
    write_checkpoint(path, (2, 4, "c" * 64))  # behind what is there: kept as it was
    assert read_checkpoint(path) == {1: (7, "a" * 64), 2: (5, "b" * 64)}
    write_checkpoint(path, (1, 2, "d" * 64), force=True)  # a rebuilt trail
    assert read_checkpoint(path) == {1: (2, "d" * 64)}


def test_a_checkpoint_from_before_lanes_is_lane_1(tmp_path: Path) -> None:
    path = tmp_path / CHECKPOINT_FILE
    path.write_text(f"12 {'e' * 64}\n", encoding="ascii")
    assert read_checkpoint(path) == {1: (12, "e" * 64)}
    write_checkpoint(path, (2, 1, "f" * 64))
    assert read_checkpoint(path) == {1: (12, "e" * 64), 2: (1, "f" * 64)}


def test_an_unreadable_checkpoint_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / CHECKPOINT_FILE
    assert read_checkpoint(path) is None
    for text in ("", "garbage\n", "0 3 " + "a" * 64 + "\n"):
        path.write_text(text, encoding="ascii")
        assert read_checkpoint(path) is UNREADABLE
