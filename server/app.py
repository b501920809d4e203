"""`create_app(settings)`: the FastAPI application (FHIR routes, /health, the store)."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server import identity, ramq
from server.fhir.routes import FhirRoutes, http_error
from server.fhir.routes import router as fhir_router
from server.limits import BodyLimit
from server.settings import Settings
from server.storage import open_store

log = logging.getLogger("server")
# Other components add routers here: modules exposing `router` (an APIRouter); optional ones
# that are not written yet are skipped.
ROUTERS = ("server.identity.routes", "server.qhr.routes", "server.ramq.routes")


def _extra_routers() -> list:
    routers = []
    for name in ROUTERS:
        try:
            routers.append(importlib.import_module(name).router)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
    return routers


def from_environment() -> FastAPI:
    """The app of one of `serve --workers N`'s processes (uvicorn imports it by name)."""
    return create_app(Settings.from_environment())


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = open_store(settings.data_dir, settings.database_url)
        log.info("store open: %s", app.state.store.backend)
        ramq.start(app)  # the nightly registration import
        try:
            yield
        finally:
            ramq.stop(app)
            identity.shutdown(app)  # the audit writer stops before the store closes
            app.state.store.close()
            log.info("store closed")

    # No OpenTelemetry (FastAPI's own, on as soon as a provider or its environment variables
    # are set): its spans and logs carry URLs and exception texts, which may hold patient data,
    # and its per-request check of the providers was CPU of every request.
    app = FastAPI(title="ClinicDesk reference server", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.settings = settings
    for router in _extra_routers():  # first: /fhir/.well-known/… before the FHIR routes
        app.include_router(router)
    app.include_router(fhir_router)
    app.add_middleware(FhirRoutes)  # first added: innermost, inside the audit and body limit
    identity.install(app)
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes)  # last added: outermost

    app.add_exception_handler(StarletteHTTPException, http_error)

    @app.get("/health")
    def health() -> JSONResponse:
        try:
            with app.state.store.read() as tx:
                tx.current("Patient", "")
        except Exception as error:  # the database is unreachable: say so, without details
            log.error("health: store unavailable (%s)", type(error).__name__)
            return JSONResponse({"status": "unavailable", "backend": settings.backend}, 503)
        body = {"status": "ok", "backend": settings.backend}
        if os.environ.get("CLINICDESK_SERVER_INSTANCE"):  # set by server.processes
            body["instance"] = os.environ["CLINICDESK_SERVER_INSTANCE"]
        return JSONResponse(body)

    return app
