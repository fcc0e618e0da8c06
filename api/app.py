"""The application factory: ``create_app(settings)`` composes the routers; the lifespan opens
the runtime (engine + client) and closes it."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import errors
from api.access_log import AccessLog
from api.body import BodyDeadline
from api.cache import HttpCache
from api.cache.state import CacheState
from api.explorer import pages as explorer
from api.express import Express, ExpressApp
from api.lane import SparqlLane
from api.metrics import Metrics
from api.routers import (
    analysis,
    docs,
    dumps,
    ingest,
    linked_data,
    meta,
    ontology,
    queries,
    rest,
    sparql,
    store,
    ui,
    versions,
)
from kg import package_version
from kg.engine.runtime import Runtime
from kg.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """A new app for these settings; the engine starts when the lifespan does."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings)
        await runtime.start()
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    app = ExpressApp(
        title="clusterkg",
        version=package_version(),
        description="A knowledge graph of industrial clusters, through-technologies, stages and IP rights.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc: api/routers/docs.py, from our copies, not a CDN
        redoc_url=None,
        # Our own metrics (/metrics) and access log; FastAPI's OpenTelemetry hooks would look up
        # three global providers on every request to find them unconfigured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    # innermost: /sparql past the router
    app.add_middleware(SparqlLane, answer=sparql.respond, methods=sparql.METHODS)
    cache = CacheState(settings)  # shared by HTTP caching and the express lane
    app.add_middleware(
        HttpCache, settings=settings, state=cache
    )  # inside BodyDeadline: its reads have the deadline
    app.add_middleware(BodyDeadline, timeout_s=settings.body_timeout_s)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=False,
        allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["Clusterkg-Version", "Link", "ETag", "Last-Modified"],  # citable answers
    )
    app.add_middleware(AccessLog)
    errors.install(app)
    app.include_router(meta.router)
    app.include_router(sparql.router)
    app.include_router(store.router)
    app.include_router(ui.router)
    app.include_router(explorer.router)
    app.include_router(queries.router())
    app.include_router(linked_data.router)
    app.include_router(dumps.router)
    app.include_router(rest.router)
    app.include_router(analysis.router)
    app.include_router(ontology.router)
    app.include_router(ingest.router)
    app.include_router(docs.router)
    app.include_router(versions.router)
    app.mount("/static", ui.static_files(), name="static")
    if settings.express:
        app.express = Express(app, functools.partial(FastAPI.__call__, app), settings, cache)
    return app
