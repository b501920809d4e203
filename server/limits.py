"""Input limits: what a request may weigh and how deep its JSON may nest, checked before any
work is done on it. Bad input gets a 4xx with a clear reason; the server never answers 500 nor
drops the connection because of what a client sent.

- `BodyLimit`: pure ASGI middleware, the outermost one. It refuses a body over the cap (413)
  from its Content-Length before reading it, and counts the bytes as they arrive for bodies
  without one (chunked uploads). The refused body is read and discarded, up to DRAIN_LIMIT, so
  that the client, still sending, reads the 413 instead of a connection reset. A NUL character
  (U+0000) in the decoded path, the query or If-None-Exist gets a 400 before any route.
- `parse_json`: JSON with a depth cap, finite numbers only (no NaN/Infinity, which would be
  stored as invalid JSON), no NUL in a string or a key.
- `parse_form`: an application/x-www-form-urlencoded body with a cap on the number of fields,
  no NUL in a name or a value.
- `nul_free`: an InputError if a text (a decoded id, a search value) holds a NUL.
- `number`: a non-negative integer that fits a 64-bit database column (`_count`, `_cursor`,
  version ids), else `InputError`.
Errors: `InputError` (a 400 whose text names the limit, never the input).
NUL: PostgreSQL refuses it in text (the statement fails, a 500 without these checks) where
SQLite stores it; refused at these boundaries, both back-ends answer the same 400.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

DEFAULT_MAX_BODY = 8 * 1024 * 1024  # a long note with an embedded scan fits; 50 MB does not
FORM_MAX_BODY = 64 * 1024  # /oauth/*: a few short fields
DRAIN_LIMIT = 128 * 1024 * 1024  # refused bytes read and discarded before the 413
DEFAULT_MAX_DEPTH = 64  # nested objects and arrays; FHIR resources need well under 20
MAX_FORM_FIELDS = 200
NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII only; 18 digits < 2**63 (BIGINT, SQLite INTEGER)

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class InputError(ValueError):
    """Input refused by a limit (HTTP 400); the text names the limit, not the input."""


class _TooLarge(Exception):
    pass


NUL_TEXT = "a NUL character (U+0000) is not allowed"


def nul_free(*texts: str) -> None:
    if any("\x00" in text for text in texts):
        raise InputError(NUL_TEXT)


def _holds_nul(value: object) -> bool:
    """Does a string or a key of this parsed JSON hold a NUL (not recursive: depth-safe)?"""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is str:
            if "\x00" in item:
                return True
        elif type(item) is dict:
            if any("\x00" in key for key in item):
                return True
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return False


def number(raw: str, name: str) -> int:
    if not NUMBER.fullmatch(raw):
        raise InputError(f"{name} must be a non-negative integer of at most 18 digits")
    return int(raw)


def _no_constant(name: str) -> float:
    raise InputError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError("a number in the body is out of range")
    return value


def depth(value: object, limit: int, level: int = 1) -> int:
    """The nesting depth of `value` (0: not an object or array); stops past `limit`, so that
    its recursion is never deeper than limit + 1 (a RecursionError still means too deep)."""
    if type(value) is not dict and type(value) is not list:
        return 0
    deepest = level
    for child in value.values() if type(value) is dict else value:
        if deepest > limit:
            break
        if type(child) is dict or type(child) is list:
            deepest = max(deepest, depth(child, limit, level + 1))
    return deepest


def parse_json(raw: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> object:
    """The body as JSON; InputError when it is not JSON, too deep or has non-finite numbers."""
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise InputError(f"the JSON body nests deeper than {max_depth} levels") from None
    except InputError:
        raise
    except ValueError:  # includes UnicodeDecodeError and integers of over 4300 digits
        raise InputError("the body is not JSON") from None
    try:
        deep = depth(value, max_depth) > max_depth
    except RecursionError:
        deep = True
    if deep:
        raise InputError(f"the JSON body nests deeper than {max_depth} levels")
    # in UTF-8 JSON a NUL is only ever the escape \u0000 (a raw one is not JSON); UTF-16 and
    # UTF-32 bodies, which json.loads takes too, hold NUL bytes: those are walked
    if (b"\\u0000" in raw or b"\x00" in raw) and _holds_nul(value):
        raise InputError(f"{NUL_TEXT} in the body")
    return value


def parse_form(raw: bytes, max_fields: int = MAX_FORM_FIELDS) -> list[tuple[str, str]]:
    try:
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True,
                          max_num_fields=max_fields)
    except ValueError:
        raise InputError(f"the form has more than {max_fields} fields") from None
    nul_free(*(text for pair in pairs for text in pair))
    return pairs


def _outcome(path: str, text: str, code: str) -> tuple[bytes, bytes]:
    """(body, content type) of a refusal: OAuth's error JSON under /oauth/, else FHIR's."""
    if path.startswith("/oauth/"):
        return json.dumps({"error": "invalid_request", "error_description": text}).encode(), \
            b"application/json"
    return json.dumps({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": code, "diagnostics": text}]}).encode(), \
        b"application/fhir+json"


def _nul_in_request(scope: dict) -> bool:
    """A NUL in the decoded path, the query (raw or as %00: parse_qsl decodes it) or the
    If-None-Exist header (a query too)."""
    query = scope.get("query_string", b"")
    headers = [value for name, value in scope["headers"] if name == b"if-none-exist"]
    return "\x00" in scope["path"] or any(
        b"%00" in text or b"\x00" in text for text in (query, *headers))


def _too_large(path: str, limit: int) -> tuple[bytes, bytes]:
    return _outcome(path, f"the request body is larger than {limit} bytes", "too-costly")


class BodyLimit:
    """Pure ASGI: a body over `max_body` bytes (FORM_MAX_BODY under /oauth/) gets a 413; a
    NUL in the path, the query or If-None-Exist a 400 (its body read and discarded first)."""

    def __init__(self, app: Any, max_body: int = DEFAULT_MAX_BODY):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _nul_in_request(scope):
            await self._refuse(scope, receive, send, 400, _outcome(
                scope["path"], f"{NUL_TEXT} in the path, the query or If-None-Exist", "invalid"))
            return
        limit = FORM_MAX_BODY if scope["path"].startswith("/oauth/") else self.max_body
        declared = dict(scope["headers"]).get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, 413, _too_large(scope["path"], limit))
            return
        received, more, started = 0, True, False

        async def counted() -> dict:
            nonlocal received, more
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                more = message.get("more_body", False)
                if received > limit:
                    raise _TooLarge
            return message

        async def watched(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, 413, _too_large(scope["path"], limit),
                               received, more)

    @staticmethod
    async def _refuse(scope: dict, receive: Receive, send: Send, status: int,
                      answer: tuple[bytes, bytes], read: int = 0, more: bool = True) -> None:
        while more and read <= DRAIN_LIMIT:  # let the client finish sending, then answer
            message = await receive()
            read += len(message.get("body", b""))
            more = message["type"] == "http.request" and message.get("more_body", False)
        body, content_type = answer
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
