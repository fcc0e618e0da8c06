"""Read-only engines over the snapshots of earlier versions (``?version=N``).

Each is a :class:`~kg.engine.process.ManagedEngine` running ``oxigraph serve-read-only`` on one
snapshot, with the same time limit, memory ceiling (by the watch, not a cgroup of its own) and
kill-and-restart of a stuck query as the live engine. At most ``settings.version_engines`` run
at once: starting one more stops the least recently used. A request still running on a stopped
engine fails as the engine being unavailable (503), and is asked again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from pathlib import Path

from kg.engine.client import EngineClient
from kg.engine.managed import managed_client
from kg.engine.process import ManagedEngine
from kg.engine.profiles import Endpoints
from kg.errors import EngineUnavailable
from kg.settings import Settings

log = logging.getLogger("clusterkg.versions")


class VersionEngine:
    """One read-only engine over a snapshot, and its client."""

    def __init__(self, snapshot: Path, settings: Settings) -> None:
        self.snapshot = snapshot
        self.engine = ManagedEngine(
            snapshot,
            timeout_s=settings.query_timeout_s if settings.engine_own_timeout else None,
            memory_mb=settings.engine_memory_mb,
            guard="watch",
            read_only=True,
        )
        self.client = managed_client(self.engine, self._endpoints, settings)

    def _endpoints(self) -> Endpoints:
        url = self.engine.url
        if url is None:
            raise EngineUnavailable("the engine of this earlier version is not running; try again")
        return Endpoints.oxigraph(url)

    async def stop(self) -> None:
        """Close the client and stop the engine."""
        await self.client.aclose()
        await self.engine.stop()


class VersionEngines:
    """The running read-only engines, by version number, least recently used first."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._running: OrderedDict[int, VersionEngine] = OrderedDict()
        self._lock = asyncio.Lock()

    @property
    def running(self) -> list[int]:
        """The numbers of the versions whose engines run, least recently used first."""
        return list(self._running)

    async def client(self, number: int, snapshot: Path) -> EngineClient:
        """The client of version ``number``'s engine (over ``snapshot``), started if need be.

        :raises EngineUnavailable: if it does not start.
        """
        async with self._lock:
            found = self._running.get(number)
            if found is not None and found.snapshot == snapshot:
                self._running.move_to_end(number)
                return found.client
            if found is not None:
                await self._stop(number)
            while len(self._running) >= self.settings.version_engines:
                oldest = next(iter(self._running))
                log.info("stopping the engine of version %s (least recently used)", oldest)
                await self._stop(oldest)
            engine = VersionEngine(snapshot, self.settings)
            await engine.engine.start()
            self._running[number] = engine
            return engine.client

    async def _stop(self, number: int) -> None:
        engine = self._running.pop(number, None)
        if engine is not None:
            await engine.stop()

    async def drop(self, number: int) -> None:
        """Stop version ``number``'s engine, if it runs (its snapshot is about to be removed)."""
        async with self._lock:
            await self._stop(number)

    async def aclose(self) -> None:
        """Stop every engine."""
        async with self._lock:
            for number in list(self._running):
                await self._stop(number)
