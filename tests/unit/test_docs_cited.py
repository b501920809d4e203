"""The documents the code cites live in the repository (docs/): a clone has nothing beside it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for top in ("app", "server", "bench", "tests", "installer")
           for p in (ROOT / top).rglob("*.py")]
CITED = re.compile(r"docs/[\w-]+\.md")
OUTSIDE = re.compile(r"\b(DOMAIN|ARCHITECTURE|TESTING)\.md\b|\.\./shared")


def test_every_cited_document_is_in_the_repository() -> None:
    cited = {m for p in SOURCES for m in CITED.findall(p.read_text(encoding="utf-8"))}
    assert cited, "the check would pass on nothing"
    assert sorted(c for c in cited if not (ROOT / c).is_file()) == []


def test_nothing_cites_a_document_outside_the_repository() -> None:
    found = [f"{p.relative_to(ROOT)}:{n}" for p in SOURCES if p.name != "test_docs_cited.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert found == []
