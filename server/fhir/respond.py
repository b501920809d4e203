"""Bodies and headers of FHIR responses: resources with ETag/Last-Modified/Location, Bundles."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote_plus

import orjson
from fastapi import Response

from server.storage import Version

FHIR_JSON = "application/fhir+json"


class RawJson:
    """Stored JSON text put into a response as it is (no parse and re-encode of each entry)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _fragment(value: object) -> orjson.Fragment:
    if not isinstance(value, RawJson):
        raise TypeError(f"not JSON: {type(value).__name__}")
    return orjson.Fragment(value.text)


def encode(body: dict | RawJson) -> bytes:
    """Compact UTF-8 JSON, stored texts spliced in as they are (orjson); what orjson refuses
    and JSON allows (an integer beyond 64 bits that a client sent) goes through the standard
    encoder."""
    try:
        return orjson.dumps(body, default=_fragment)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                          default=lambda v: json.loads(v.text)).encode()


@dataclass
class Result:
    status: int
    body: dict | RawJson | None = None
    headers: dict = field(default_factory=dict)
    version: Version | None = None  # the resource version this result is about, if any

    def response(self, prefer_minimal: bool = False) -> Response:
        content = b"" if self.body is None or prefer_minimal else encode(self.body)
        return Response(content=content, status_code=self.status, headers=self.headers,
                        media_type=FHIR_JSON + "; charset=utf-8" if content else None)


def http_date(instant: str) -> str:
    return format_datetime(datetime.fromisoformat(instant), usegmt=True)


def version_headers(v: Version, base: str, location: bool = False) -> dict:
    headers = {"ETag": f'W/"{v.version_id}"', "Last-Modified": http_date(v.last_updated)}
    if location:
        headers["Location"] = f"{base}/{v.rtype}/{v.rid}/_history/{v.version_id}"
    return headers


def resource_result(v: Version, base: str, status: int = 200, location: bool = False) -> Result:
    """The version's stored JSON answered as it is (not decoded and encoded again)."""
    return Result(status, RawJson(v.text) if v.text else {}, version_headers(v, base, location),
                  v)


# urlencode(safe="|:,")'s quoting of an ASCII text as one str.translate (urlencode quotes
# each name and value through quote_plus's per-character Python loop)
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~|:,")
_QUOTED = {c: chr(c) if c in _SAFE else "+" if c == 0x20 else f"%{c:02X}" for c in range(128)}


def _quote(text: str) -> str:
    return text.translate(_QUOTED) if text.isascii() else quote_plus(text, safe="|:,")


def link(base: str, path: str, params: list[tuple[str, str]]) -> str:
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params)
    return f"{base}/{path}" + (f"?{query}" if query else "")


def bundle(kind: str, entries: list[dict], self_url: str, next_url: str | None = None,
           total: int | None = None, stamp: str | None = None) -> dict:
    body: dict = {"resourceType": "Bundle", "type": kind}
    if stamp:
        body["meta"] = {"lastUpdated": stamp}
    if total is not None:
        body["total"] = total
    body["link"] = [{"relation": "self", "url": self_url}]
    if next_url:
        body["link"].append({"relation": "next", "url": next_url})
    body["entry"] = entries
    return body


def search_entry(v: Version, base: str, resource: dict | RawJson | None) -> dict:
    return {"fullUrl": f"{base}/{v.reference}", "resource": resource,
            "search": {"mode": "match"}}


def history_entry(v: Version, base: str, resource: dict | RawJson | None) -> dict:
    entry: dict = {"fullUrl": f"{base}/{v.reference}"}
    if resource is not None:
        entry["resource"] = resource
    url = v.rtype if v.method == "POST" else v.reference
    entry["request"] = {"method": v.method, "url": url}
    status = {"POST": "201 Created", "PUT": "200 OK", "DELETE": "204 No Content"}[v.method]
    entry["response"] = {"status": status, "etag": f'W/"{v.version_id}"',
                         "lastModified": v.last_updated}
    return entry
