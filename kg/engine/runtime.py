"""The running service's resources: the engine (managed or remote) and its client.

:class:`Runtime` is created from the settings in the API's lifespan and handed to the
handlers; nothing here knows about HTTP frameworks.
"""

from __future__ import annotations

import asyncio

import aiohttp

from kg.engine.client import Endpoints, EngineClient
from kg.engine.process import ManagedEngine
from kg.errors import EngineUnavailable
from kg.settings import Settings


class Runtime:
    """The engine and its client, started and stopped together."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: ManagedEngine | None = None
        self.write_lock = asyncio.Lock()
        auth: aiohttp.BasicAuth | None = None
        if settings.engine_url is not None:
            remote = Endpoints.remote(settings)
            if settings.engine_user is not None:
                password = settings.engine_password.get_secret_value() if settings.engine_password else ""
                auth = aiohttp.BasicAuth(settings.engine_user, password)
            self.client = EngineClient(
                lambda: remote,
                auth=auth,
                grace_s=settings.engine_grace_s,
                max_bytes=settings.result_limit_bytes,
            )
        else:
            self.engine = ManagedEngine(
                settings.store.resolve(),
                timeout_s=settings.query_timeout_s,
                memory_mb=settings.engine_memory_mb,
            )
            self.client = EngineClient(
                self._managed_endpoints,
                grace_s=settings.engine_grace_s,
                max_bytes=settings.result_limit_bytes,
                on_stuck=self.engine.restart,
                ready=self.engine.wait_ready,
                lost=self.engine.lost,
            )

    @property
    def remote(self) -> bool:
        """True when the engine is a remote server, not the managed child process."""
        return self.engine is None

    def _managed_endpoints(self) -> Endpoints:
        assert self.engine is not None
        url = self.engine.url
        if url is None:
            raise EngineUnavailable("the engine is not running")
        return Endpoints.oxigraph(url)

    async def start(self) -> None:
        """Start the managed engine (a remote engine is used as it is)."""
        if self.engine is not None:
            await self.engine.start()

    async def stop(self) -> None:
        """Close the client and stop the managed engine."""
        await self.client.aclose()
        if self.engine is not None:
            await self.engine.stop()
