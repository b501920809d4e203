"""The Windows workflow's list of POSIX-only tests names tests that exist (a renamed test would
otherwise run, and fail, on Windows), and the plugin skips exactly those there."""

import ast
from pathlib import Path

import pytest

from tests import posix_only

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("node", sorted(posix_only.POSIX_ONLY))
def test_each_entry_names_an_existing_test(node):
    path, name = node.split("::")
    tree = ast.parse((ROOT / path).read_text())
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert name in names, f"{node}: no such test (renamed? update tests/posix_only.py)"


class Item:
    def __init__(self, nodeid):
        self.nodeid, self.marks = nodeid, []

    def add_marker(self, mark):
        self.marks.append(mark)


@pytest.mark.parametrize(("os_name", "skipped"), [("nt", True), ("posix", False)])
def test_the_plugin_skips_them_on_windows_only(monkeypatch, os_name, skipped):
    listed, other = Item(next(iter(posix_only.POSIX_ONLY))), Item("tests/unit/test_nam.py::x")
    monkeypatch.setattr(posix_only.os, "name", os_name)
    posix_only.pytest_collection_modifyitems(None, [listed, other])
    assert bool(listed.marks) is skipped and other.marks == []
    if skipped:
        assert listed.marks[0].kwargs["reason"].startswith("POSIX only: ")
