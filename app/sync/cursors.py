"""Where the pull's cursors come from: each stream (a chart, the system history) resumes at the
server's clock when it first answered for that stream, less an overlap — never a later
answer's, never the workstation's clock. That clock is the answer's Bundle.meta.lastUpdated,
else its `Date` (app.central.client), read in the thread that fetched it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from app.core.fhir import Resource

HISTORY = "history"  # the stream of the system-level history
OVERLAP = 2.0  # seconds re-read at each round: commits in flight when the server answered


def chart_stream(patient_id: str) -> str:
    return f"chart:{patient_id}"


class Stamped:
    """A chart's pages, with `start`: the server's clock at the chart's first answer, less the
    overlap, taken in the thread that fetched it as that answer came (Fetcher.pages), not
    when the pages are handed on (they are read whole first): the chart's cursor, never a
    later answer's (app.sync.bulk runs several charts at once)."""

    def __init__(self, pages: Iterable[Resource], local: threading.local, reset: bool = True):
        self.pages, self.local, self.reset = pages, local, reset
        self.start: str | None = None

    def __iter__(self) -> Iterator[Resource]:
        if self.reset:  # else the caller did, before its first request
            self.local.start = None
        for page in self.pages:
            if self.start is None:
                self.start = self.local.start
            yield page
