"""The entry point for ASGI servers: ``uvicorn --factory api.main:app_from_env``.

Settings are read from the environment here, once, and passed to ``create_app``; so are the
limits of :class:`HTTPProtocol`, the connection guard that ``clusterkg serve`` names to
uvicorn (``--http api.main:HTTPProtocol``).
"""

from __future__ import annotations

import asyncio
import functools
import gc
from typing import Any

from fastapi import FastAPI
from uvicorn.config import Config
from uvicorn.server import ServerState

from api import access_log
from api.app import create_app
from api.connections import GuardedHttpToolsProtocol
from kg.settings import Settings, load_settings


def app_from_env() -> FastAPI:
    """A new app configured from the ``CLUSTERKG_*`` environment variables, logging to stderr.

    The objects made so far (modules, the app, its routes and models: about 150,000) are moved
    out of the garbage collector's reach (``gc.freeze``): they live as long as the server, and a
    full collection no longer walks them (one took 60-100 ms of a request's time while serving
    new query texts; measured with ``gc.callbacks``)."""
    access_log.configure()
    app = create_app(load_settings())
    gc.freeze()
    return app


@functools.cache
def _settings_from_env() -> Settings:
    """The settings in the environment, read once for every connection of this process."""
    return load_settings()


class HTTPProtocol(GuardedHttpToolsProtocol):
    """uvicorn's HTTP protocol with the header deadline and size limit of the environment's
    settings (``CLUSTERKG_HEADER_TIMEOUT_S``, ``CLUSTERKG_HEADER_LIMIT_BYTES``)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        settings = _settings_from_env()
        self.header_timeout_s = settings.header_timeout_s
        self.header_limit_bytes = settings.header_limit_bytes
