"""`chain.link` hashes the bytes json.dumps(ensure_ascii=False, compact) writes, whichever
encoder makes them: every link stored before orjson wrote them must still verify."""

from __future__ import annotations

import hashlib
import json
import random

from server.storage import chain

# escapes, quotes, controls, DEL, the line separators, accents, astral plane, a BOM
TRICKY = ['"', "\\", "\n\r\t\b\f", "\x00\x01\x1f", "\x7f", "\u2028\u2029", "Ève é ß",
          "\U0001f600\U00010000", "\ufeff", "</script>", '{"a":"\\"b\\""}']


def _reference(prev: str, fields: list) -> str:
    record = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{record}".encode()).hexdigest()


def test_link_hashes_what_json_dumps_wrote() -> None:
    rng = random.Random(15)
    alphabet = "".join(TRICKY) + "".join(chr(c) for c in range(0x20, 0x3000, 7))
    for k in range(500):
        text = lambda: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))  # noqa: E731
        fields = [k + 1, text(), text(), rng.choice([None, text()]), text(), None, text(),
                  json.dumps({"x": text()}, ensure_ascii=False)]
        assert chain.link(chain.GENESIS, *fields) == _reference(chain.GENESIS, fields)
    for tricky in TRICKY:
        fields = [2 ** 62, tricky, tricky, tricky, tricky, tricky, tricky, tricky]
        assert chain.link("a" * 64, *fields) == _reference("a" * 64, fields)


def test_a_link_of_another_lane_than_1_hashes_its_lane() -> None:
    """Lane 1's links are the ones made before lanes; another lane's record carries its lane
    after its place, so it cannot pass for the same place in another lane."""
    fields = [3, "id", "2026-01-01T00:00:00.000000+00:00", "p", "u", "R", "read", "{}"]
    assert chain.link("a" * 64, *fields, 2) == _reference("a" * 64, [3, 2, *fields[1:]])
    assert len({chain.link("a" * 64, *fields, lane) for lane in (1, 2, 3)}) == 3
