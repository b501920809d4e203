"""A search read whole, or not at all: a search answer whose `total` exceeds what its pages held
(a server that cuts pages without `next`) is asked again by windows of `_lastUpdated` small
enough for one answer each; when even a window of a microsecond is cut, Kind.INCOMPLETE.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from app.central.errors import Kind, SyncError
from app.core.fhir import Resource, parse_instant, resources
from app.core.fhir import entries as fhir_entries

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # no resource is older: the oldest window's start
MIN_WINDOW = timedelta(microseconds=1)  # a window this small still cut: the chart is incomplete

Params = list[tuple[str, str]]
Fetch = Callable[[Params], list[Resource]]  # one search's pages, every `next` followed


class Incomplete(Exception):
    """A search's pages held fewer entries than its `total` said (no `next` to the rest)."""

    def __init__(self, total: int, received: int):
        super().__init__(f"{received} of {total}")
        self.total, self.received = total, received


def check_complete(pages: list[Resource]) -> None:
    """Incomplete when the pages (followed by `next` to the end) held fewer matches than the
    `total` the server announced: a page cut short without a link to the rest."""
    total = next((p["total"] for p in pages if isinstance(p.get("total"), int)), None)
    received = sum(1 for p in pages for e in fhir_entries(p) if e.get("resource") is not None
                   and (e.get("search") or {}).get("mode", "match") == "match")
    if total is not None and received < total:
        raise Incomplete(total, received)


def by_windows(fetch: Fetch, rtype: str, params: Params, first: list[Resource],
               since: str | None, server_now: datetime) -> list[Resource]:
    """The search again by windows of `_lastUpdated` that each fit in one answer: the whole
    span (since the cursor, or 1970, to a day past the server's clock) split at the median
    instant of what the cut answer (`first`) held (a server listing oldest first then needs
    about one request per page), a window still cut split again."""
    lower = (parse_instant(since) if since else None) or EPOCH
    base = [(k, v) for k, v in params if k != "_lastUpdated"]
    return _split(fetch, rtype, base, lower, server_now + timedelta(days=1), first)


def _split(fetch: Fetch, rtype: str, base: Params, lower: datetime, upper: datetime,
           sample: list[Resource]) -> list[Resource]:
    if upper - lower <= MIN_WINDOW:
        raise SyncError(Kind.INCOMPLETE, f"GET {rtype}: answers cut short without a next "
                                         "link, even by date windows")
    middle = _median_instant(sample, lower, upper) or lower + (upper - lower) / 2
    return (_window(fetch, rtype, base, lower, middle)
            + _window(fetch, rtype, base, middle, upper))


def _window(fetch: Fetch, rtype: str, base: Params, lower: datetime,
            upper: datetime) -> list[Resource]:
    pages = fetch([*base, ("_lastUpdated", f"ge{_micro(lower)}"),
                   ("_lastUpdated", f"lt{_micro(upper)}")])
    try:
        check_complete(pages)
        return pages
    except Incomplete:
        return _split(fetch, rtype, base, lower, upper, pages)


def _median_instant(pages: list[Resource], lower: datetime,
                    upper: datetime) -> datetime | None:
    """The median `meta.lastUpdated` of the pages' resources strictly inside (lower, upper)."""
    stamps = sorted(when for p in pages for r in resources(p)
                    if (when := parse_instant((r.get("meta") or {}).get("lastUpdated", "")))
                    and lower < when < upper)
    return stamps[len(stamps) // 2] if stamps else None


def _micro(when: datetime) -> str:
    """An instant to the microsecond (servers that stamp finer than the millisecond)."""
    return when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
