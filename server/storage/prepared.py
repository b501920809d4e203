"""PostgreSQL: the statements of every audited read (the bearer check, the AuditEvent's append)
sent through libpq's prepared-statement calls (psycopg's `pgconn`), not psycopg's cursor layer:
prepared once per connection, then one PQexecPrepared each (parameters as text; results
decoded by psycopg's loaders).
The cursor layer (adaptation, its prepared-statement cache, the wait generator) cost about as
much client CPU as the statement's round trip on loopback (one append alone, in a loop: 0.24
→ 0.10 ms of CPU; BENCHMARKS.md, gate15d). libpq releases the GIL while it waits, as psycopg
does.

psycopg clears every prepared statement of a connection (DEALLOCATE ALL) after a ROLLBACK or
a DROP it sent: a statement found missing is prepared again and sent once more (it did not
run).
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence
from typing import cast

import psycopg
from psycopg import pq
from psycopg.adapt import Transformer

INT8, FLOAT8, UNKNOWN = 20, 701, 0  # parameter types (UNKNOWN: PostgreSQL infers it)
_OK = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)
_MISSING = "26000"  # invalid_sql_statement_name: not prepared on this connection (any more)

_names: dict[tuple[str, tuple[int, ...]], tuple[bytes, bytes]] = {}  # (text, types): name, $n
_prepared: weakref.WeakKeyDictionary[psycopg.Connection, set[bytes]] = \
    weakref.WeakKeyDictionary()


def _type(value: object) -> int:
    """Text, integers, floats and NULL only (what these statements send): anything else would
    go as its str(), so it is refused."""
    if value is None or isinstance(value, str):
        return UNKNOWN
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a {type(value).__name__} is not sent as a prepared parameter")
    return INT8 if isinstance(value, int) else FLOAT8


def _text(value: object) -> bytes | None:
    return None if value is None else str(value).encode()


def _numbered(text: str) -> str:
    """`?` placeholders as `$1`, `$2`… (the statements given here have no `?` in literals)."""
    parts = text.split("?")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]


def run(conn: psycopg.Connection, text: str, args: Sequence[object]) -> pq.abc.PGresult:
    """One statement (`?` placeholders) outside a transaction: its result, or the error
    psycopg would raise."""
    types = tuple([UNKNOWN if a is None or type(a) is str else _type(a) for a in args])
    key = (text, types)
    found = _names.get(key)
    if found is None:
        digest = hashlib.blake2b(repr(key).encode(), digest_size=8).hexdigest()
        found = _names[key] = (f"clinicdesk_{digest}".encode(), _numbered(text).encode())
    name, numbered = found
    known = _prepared.setdefault(conn, set())
    values = cast(Sequence[bytes], [a.encode() if type(a) is str else _text(a)
                                     for a in args])  # None: NULL (libpq takes it)
    for _ in range(2):
        if name not in known:
            _check(conn, conn.pgconn.prepare(name, numbered, types))
            known.add(name)
        result = conn.pgconn.exec_prepared(name, values)
        if result.status in _OK:
            return result
        if result.error_field(pq.DiagnosticField.SQLSTATE) != _MISSING.encode():
            break
        known.discard(name)  # deallocated by psycopg meanwhile: prepared again
    raise _error(conn, result)


def _check(conn: psycopg.Connection, result: pq.abc.PGresult) -> None:
    if result.status not in _OK:
        raise _error(conn, result)


def _error(conn: psycopg.Connection, result: pq.abc.PGresult) -> psycopg.Error:
    """What psycopg raises: the statement's error, or OperationalError for a lost connection
    (the store then drops it from its pool: `broken`)."""
    if conn.pgconn.status == pq.ConnStatus.BAD:
        return psycopg.OperationalError(
            (result.error_message or b"the connection was lost").decode(errors="replace"))
    return psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


def rows(conn: psycopg.Connection, result: pq.abc.PGresult) -> list[tuple]:
    """The rows of a result as psycopg's `fetchall` gives them (its loaders: int, str…)."""
    loading = Transformer(conn)
    loading.set_pgresult(result)
    return loading.load_rows(0, result.ntuples, tuple)


def count(result: pq.abc.PGresult) -> int:
    """The rows an INSERT, UPDATE or DELETE touched."""
    return int(result.command_tuples or 0)
