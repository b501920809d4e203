"""The FHIR fast path (server.fhir.routes.FhirRoutes) answers exactly as FastAPI's routing of
the same routes: every route, and the paths it must leave to FastAPI (HEAD, unknown paths,
another method on a known path, trailing slashes, `/fhir/.well-known/…` of the identity
router), give the same status, content type and resource type with and without it. Both apps
are served by uvicorn on loopback (in this process: the one without the fast path is not a
`serve` option)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from server.app import create_app
from server.fhir import routes
from server.processes import free_port
from server.settings import Settings

FHIR_JSON = {"Content-Type": "application/fhir+json"}
PATIENT = {"resourceType": "Patient", "identifier": [{"system": "urn:test", "value": "1"}]}
BUNDLE = {"resourceType": "Bundle", "type": "batch", "entry": []}


@contextlib.contextmanager
def _serving(data: Path, fast: bool) -> Iterator[httpx.Client]:
    app = create_app(Settings(data_dir=data, auth_required=False, ramq_import_hour=None))
    if not fast:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not routes.FhirRoutes]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < end:
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with _serving(tmp_path / "fast", True) as fast, _serving(tmp_path / "slow", False) as slow:
        yield fast, slow


def _steps(pid: str) -> list[tuple[str, str, dict | None]]:
    """(method, path, JSON body): each FAST route once, then what FastAPI alone answers."""
    return [
        ("GET", "/fhir/metadata", None),
        ("POST", "/fhir", BUNDLE), ("POST", "/fhir/", BUNDLE),
        ("GET", "/fhir/_history", None),
        ("GET", "/fhir/Patient?identifier=urn:test|1", None),
        ("POST", "/fhir/Patient", PATIENT),
        ("POST", "/fhir/Patient/_search", None),
        ("GET", "/fhir/Patient/_history", None),
        ("GET", f"/fhir/Patient/{pid}/$everything", None),
        ("GET", f"/fhir/Patient/{pid}", None),
        ("PUT", f"/fhir/Patient/{pid}", {**PATIENT, "id": pid}),
        ("GET", f"/fhir/Patient/{pid}/_history", None),
        ("GET", f"/fhir/Patient/{pid}/_history/1", None),
        ("DELETE", "/fhir/Observation/nothing", None),
        ("GET", "/fhir/NoSuchType/x", None),
        # left to FastAPI
        ("HEAD", "/fhir/metadata", None),
        ("GET", "/fhir/.well-known/smart-configuration", None),
        ("POST", f"/fhir/Patient/{pid}", PATIENT),  # 405
        ("PATCH", f"/fhir/Patient/{pid}", PATIENT),  # 405
        ("GET", "/fhir/Patient/a/b/c/d/e", None),  # 404
        ("GET", "/fhir/Patient/", None),  # trailing slash
        ("GET", "/fhir/Patient//x", None),
        ("GET", "/fhirx", None),
        ("GET", "/health", None),
    ]


def _answer(client: httpx.Client, method: str, path: str, body: dict | None) -> tuple:
    reply = client.request(method, path, json=body, headers=FHIR_JSON,
                           follow_redirects=False)
    kind = reply.json().get("resourceType") if reply.content and \
        "json" in reply.headers.get("content-type", "") else None
    return reply.status_code, reply.headers.get("content-type"), kind


def test_the_fast_path_answers_as_fastapi_on_every_route_and_leaves_the_rest(pair):
    fast, slow = pair
    ids = [c.post("/fhir/Patient", json=PATIENT, headers=FHIR_JSON).json()["id"]
           for c in (fast, slow)]
    for verb, pattern, _ in routes.FAST:  # every route is exercised below
        assert any(verb == m and pattern.match(p.split("?")[0]) for m, p, _ in _steps("x")), \
            pattern.pattern
    for (method, path, body), other in zip(_steps(ids[0]), _steps(ids[1]), strict=True):
        assert _answer(fast, method, path, body) == _answer(slow, *other), (method, path)
