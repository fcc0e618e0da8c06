"""The entry point for ASGI servers: ``uvicorn --factory api.main:app_from_env``.

Settings are read from the environment here, once, and passed to ``create_app``; so are the
limits of :class:`HTTPProtocol`, the connection guard that ``clusterkg serve`` names to
uvicorn (``--http api.main:HTTPProtocol``).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from fastapi import FastAPI
from uvicorn.config import Config
from uvicorn.server import ServerState

from api import access_log
from api.app import create_app
from api.connections import GuardedHttpToolsProtocol
from kg.settings import Settings, load_settings


def app_from_env() -> FastAPI:
    """A new app configured from the ``CLUSTERKG_*`` environment variables, logging to stderr."""
    access_log.configure()
    return create_app(load_settings())


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
