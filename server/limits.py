"""Input limits: what a request may weigh and how deep its JSON may nest, checked before any
work is done on it. Bad input gets a 4xx with a clear reason; the server never answers 500 nor
drops the connection because of what a client sent.

- `BodyLimit`: pure ASGI middleware, the outermost one. It refuses a body over the cap (413)
  from its Content-Length before reading it, and counts the bytes as they arrive for bodies
  without one (chunked uploads). The refused body is read and discarded, up to DRAIN_LIMIT, so
  that the client, still sending, reads the 413 instead of a connection reset.
- `parse_json`: JSON with a depth cap, finite numbers only (no NaN/Infinity, which would be
  stored as invalid JSON).
- `parse_form`: an application/x-www-form-urlencoded body with a cap on the number of fields.
- `number`: a non-negative integer that fits a 64-bit database column (`_count`, `_cursor`,
  version ids), else `InputError`.
Errors: `InputError` (a 400 whose text names the limit, never the input).
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
    return value


def parse_form(raw: bytes, max_fields: int = MAX_FORM_FIELDS) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True,
                         max_num_fields=max_fields)
    except ValueError:
        raise InputError(f"the form has more than {max_fields} fields") from None


def _too_large_body(path: str, limit: int) -> bytes:
    text = f"the request body is larger than {limit} bytes"
    if path.startswith("/oauth/"):
        return json.dumps({"error": "invalid_request", "error_description": text}).encode()
    return json.dumps({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "too-costly", "diagnostics": text}]}).encode()


class BodyLimit:
    """Pure ASGI: a body over `max_body` bytes (FORM_MAX_BODY under /oauth/) gets a 413."""

    def __init__(self, app: Any, max_body: int = DEFAULT_MAX_BODY):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = FORM_MAX_BODY if scope["path"].startswith("/oauth/") else self.max_body
        declared = dict(scope["headers"]).get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit, 0, True)
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
            await self._refuse(scope, receive, send, limit, received, more)

    @staticmethod
    async def _refuse(scope: dict, receive: Receive, send: Send, limit: int, read: int,
                      more: bool) -> None:
        while more and read <= DRAIN_LIMIT:  # let the client finish sending, then answer
            message = await receive()
            read += len(message.get("body", b""))
            more = message["type"] == "http.request" and message.get("more_body", False)
        body = _too_large_body(scope["path"], limit)
        content_type = b"application/json" if scope["path"].startswith("/oauth/") \
            else b"application/fhir+json"
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
