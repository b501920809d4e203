"""The server's replies are untrusted: bounded and checked before anything of them is cached.

    limits = ReplyLimits()                       # ClientConfig.limits; app.settings reads overrides
    response = read_capped(streamed, limits.reply_bytes, name)       # app.central.client's one send
    pages = checked_pages(pages, "searchset", limits, name, chart="p1")    # app.sync.fetch

Limits, generous for real charts (the benchmarks' large chart, bench.data.large_chart: 5,701
resources, the largest 1.1 KB, ~0.8 MB per page of 1,000 entries):
- bytes per reply (64 MiB), counted as the body is decoded while it streams in: a 100,000-entry
  bogus Bundle is refused before it is read whole, let alone parsed (a compressed reply is
  counted after decompression);
- entries per Bundle page (1,000, the page size the client asks for);
- resources per chart (50,000), over every page of one chart pull;
- bytes per resource (5 MB of compact JSON).
Checks: the Bundle type the request calls for (`searchset` for a search or `$everything`,
`history` for `_history`: a transaction-response to `$everything` is not an empty chart); each
resource has a string resourceType and id; a chart's resources belong to that patient (or to
none: Practitioner, Organization…). A failure is SyncError(INVALID) naming the call and the
limit or check, never patient data; the caller stores nothing of the pull it belonged to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from app.central.errors import Kind, SyncError
from app.core import fhir
from app.core.fhir import patient_of

MB = 1_000_000


@dataclass(frozen=True)
class ReplyLimits:
    reply_bytes: int = 64 * 1024 * 1024
    entries_per_page: int = 1_000
    resources_per_chart: int = 50_000
    resource_bytes: int = 5 * MB


def read_capped(response: httpx.Response, limit: int, name: str) -> httpx.Response:
    """The streamed `response` read whole, refused once its decoded body (identity, gzip,
    br…: counted after decompression) passes `limit` bytes — at once when its Content-Length
    says so. Returns an equivalent response holding the decoded body."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SyncError(Kind.INVALID, f"{name}: reply of {declared} bytes, over {limit}")
    body, seen = [], 0
    for chunk in response.iter_bytes():
        seen += len(chunk)
        if seen > limit:
            raise SyncError(Kind.INVALID, f"{name}: reply over {limit} bytes")
        body.append(chunk)
    headers = [(k, v) for k, v in response.headers.multi_items()
               if k.lower() not in _ENCODING_HEADERS]  # the body is decoded already
    return httpx.Response(response.status_code, headers=headers, content=b"".join(body),
                          request=response.request, extensions=response.extensions)


_ENCODING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def checked_pages(pages: Iterable[dict[str, Any]], bundle_type: str, limits: ReplyLimits, name: str,
                  chart: str | None = None) -> Iterator[dict[str, Any]]:
    """The pages, each checked (check_page) before it is yielded."""
    for page in pages:
        check_page(page, bundle_type, limits, name, chart)
        yield page


def bounded_chart(pages: Iterable[dict[str, Any]], limits: ReplyLimits,
                  name: str) -> Iterator[dict[str, Any]]:
    """The pages of one chart pull, refused once they hold more than resources_per_chart."""
    resources = 0
    for page in pages:
        resources += sum(1 for e in fhir.entries(page) if e.get("resource") is not None)
        if resources > limits.resources_per_chart:
            raise SyncError(Kind.INVALID, f"{name}: chart of over "
                                          f"{limits.resources_per_chart} resources")
        yield page


def check_page(page: dict[str, Any], bundle_type: str, limits: ReplyLimits, name: str,
               chart: str | None = None) -> None:
    if page.get("type") != bundle_type:
        raise SyncError(Kind.INVALID, f"{name}: Bundle of type {_shown(page.get('type'))}, "
                                      f"expected {bundle_type}")
    entries = page.get("entry") or []
    if not isinstance(entries, list):
        raise SyncError(Kind.INVALID, f"{name}: entry is not a list")
    if len(entries) > limits.entries_per_page:
        raise SyncError(Kind.INVALID, f"{name}: page of {len(entries)} entries, over "
                                      f"{limits.entries_per_page}")
    for index, entry in enumerate(entries):
        problem = entry_problem(entry, limits, chart, deletions=bundle_type == "history")
        if problem:
            raise SyncError(Kind.INVALID, f"{name}: entry {index}: {problem}")


def entry_problem(entry: object, limits: ReplyLimits, chart: str | None,
                  deletions: bool = False) -> str | None:
    """What is wrong with one Bundle entry (`deletions`: a history's, which name a Type/id
    and carry no resource)."""
    if not isinstance(entry, dict):
        return "not an object"
    resource = entry.get("resource")
    if resource is None:
        return None if deletions and _names_a_resource(entry) else "no resource"
    if not isinstance(resource, dict):
        return "resource is not an object"
    rtype, rid = resource.get("resourceType"), resource.get("id")
    if not (isinstance(rtype, str) and rtype and isinstance(rid, str) and rid):
        return "resource without resourceType or id"
    if chart is not None and patient_of(resource) not in (None, chart):
        return f"{rtype} of another patient"
    if _size(resource) > limits.resource_bytes:
        return f"{rtype} over {limits.resource_bytes} bytes"
    return None


def _names_a_resource(entry: dict[str, Any]) -> bool:
    """A deletion's `request.url`, `fullUrl` or `response.location` has a Type/id."""
    request, response = entry.get("request"), entry.get("response")
    url = ((request.get("url") if isinstance(request, dict) else None) or entry.get("fullUrl")
           or (response.get("location") if isinstance(response, dict) else None))
    parts = [p for p in url.split("?")[0].split("/") if p] if isinstance(url, str) else []
    return len(parts) >= 2


def _size(resource: dict[str, Any]) -> int:
    try:
        return len(orjson.dumps(resource))
    except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits: count them as text
        import json
        return len(json.dumps(resource, separators=(",", ":")))


def _shown(value: object) -> str:
    """A Bundle type as received, fit for a log line (short, no free text)."""
    text = str(value) if isinstance(value, str) else type(value).__name__
    return text[:40] if text.replace("-", "").isalpha() else "(not a Bundle type)"
