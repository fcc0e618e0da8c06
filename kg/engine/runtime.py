"""The running service's resources: the engine (managed or remote) and its client.

:class:`Runtime` is created from the settings in the API's lifespan and handed to the
handlers; nothing here knows about HTTP frameworks.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import replace
from datetime import UTC, datetime

from kg.engine.client import EngineClient
from kg.engine.local_store import read_manifest
from kg.engine.managed import managed_client
from kg.engine.process import ManagedEngine
from kg.engine.profiles import PROFILES, Endpoints, Profile, detect
from kg.errors import EngineUnavailable, KgError
from kg.settings import Settings
from kg.versions.engines import VersionEngines
from kg.versions.log import VersionLog
from kg.versions.snapshots import Snapshots, versions_dir
from kg.versions.state import Version, Versions

log = logging.getLogger("clusterkg.engine")


class Runtime:
    """The engine and its client, started and stopped together."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: ManagedEngine | None = None
        self.write_lock = asyncio.Lock()
        self.versions = Versions(trusted=settings.trusts_version)
        self.snapshots: Snapshots | None = None
        """The snapshots of earlier versions (the managed engine only)."""
        self.version_engines: VersionEngines | None = None
        self.pinned: Version | None = None
        """Set on a read-only view answering as of that version (:meth:`at_version`)."""
        self._endpoints: tuple[str, Endpoints] | None = None
        credentials: tuple[str, str] | None = None
        if settings.engine_url is not None:
            if settings.engine_user is not None:
                password = settings.engine_password.get_secret_value() if settings.engine_password else ""
                credentials = (settings.engine_user, password)
            kind = "generic" if settings.engine_kind == "detect" else settings.engine_kind
            self._remote = remote_endpoints(PROFILES[kind], settings)
            self.client = EngineClient(
                lambda: self._remote,
                credentials=credentials,
                grace_s=settings.engine_grace_s,
                max_bytes=settings.result_limit_bytes,
            )
        else:
            self.engine = ManagedEngine(
                settings.store.resolve(),
                timeout_s=settings.query_timeout_s if settings.engine_own_timeout else None,
                memory_mb=settings.engine_memory_mb,
            )
            self.client = managed_client(self.engine, self._managed_endpoints, settings)
            self.snapshots = Snapshots(
                settings.store.resolve(), versions_dir(settings), settings.version_retention
            )
            self.version_engines = VersionEngines(settings)
            self.snapshots.on_prune.append(self.version_engines.drop)
        self.version_log = VersionLog(self.versions, self.client, built_at=self._built_at)

    @property
    def remote(self) -> bool:
        """True when the engine is a remote server, not the managed child process."""
        return self.engine is None

    def _managed_endpoints(self) -> Endpoints:
        assert self.engine is not None
        url = self.engine.url
        if url is None:
            raise EngineUnavailable("the engine is not running")
        if self._endpoints is None or self._endpoints[0] != url:  # a restart gives a new port
            self._endpoints = (url, Endpoints.oxigraph(url))
        return self._endpoints[1]

    async def start(self) -> None:
        """Start the managed engine; with a remote engine, settle its profile: its kind (when
        ``CLUSTERKG_ENGINE_KIND`` is ``detect``) and the ways of sending a query it answers."""
        if self.engine is not None:
            await self.engine.start()
            current = await self.version_log.load()
            if self.snapshots is not None:
                async with self.write_lock:
                    await self.snapshots.ensure(current, logged=self.version_log.unlogged is None)
            return
        settings = self.settings
        assert settings.engine_url is not None
        if settings.engine_kind == "detect":
            profile = PROFILES[await detect(self.client.session, settings.engine_url)]
        else:
            profile = PROFILES[settings.engine_kind]
        self.use_profile(profile)
        await self.client.usable_methods()
        await self._check_hidden_graphs()
        try:
            await self.version_log.load()
        except KgError as exc:  # the remote engine may be down now: read again on the first write
            log.warning("the current dataset version could not be read: %s", exc)

    def _built_at(self) -> datetime:
        """When the store was built (the time of version 1 of a store without a version log)."""
        if self.engine is not None:
            built = read_manifest(self.engine.store).get("built_at")
            if isinstance(built, str):
                moment = datetime.fromisoformat(built)
                return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return datetime.now(UTC)

    async def _check_hidden_graphs(self) -> None:
        """Warn when the engine's own graphs are visible to queries (Virtuoso without the
        private-graph setup of scripts/virtuoso/start): counts and listings would include them."""
        for graph in self.client.hidden_graphs:
            try:
                answer = await self.client.query(
                    f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                    accept="application/sparql-results+json",
                    timeout_s=5.0,
                )
            except KgError:
                return  # the engine is not up yet: the health check says so
            if b"true" in answer.body:
                log.warning(
                    "the remote engine's own graph <%s> is visible to queries: make it private "
                    "(README, 'Remote engines') or counts and listings will include it",
                    graph,
                )

    def use_profile(self, profile: Profile) -> None:
        """Talk to the remote engine as its profile says (endpoints, auth, hidden graphs)."""
        settings = self.settings
        assert settings.engine_url is not None
        if settings.engine_auth != "profile":
            profile = replace(profile, auth=settings.engine_auth)
        self._remote = remote_endpoints(profile, settings)
        self.client.profile = profile
        self.client.hidden_graphs = profile.hidden(settings.engine_url)
        self.client.query_methods = list(profile.query_methods)

    @property
    def engine_kind(self) -> str:
        """The kind of engine in use (``oxigraph`` for the managed one)."""
        return self.client.profile.kind

    def at_version(self, version: Version, client: EngineClient | None) -> Runtime:
        """A read-only view of this runtime answering as of ``version``: its client is that
        version's engine (``None``: the live one, for the current version). Writes refuse it."""
        view = copy.copy(self)
        view.pinned = version
        if client is not None:
            view.client = client
        return view

    async def stop(self) -> None:
        """Close the client and stop the managed engine and the engines of earlier versions."""
        if self.version_engines is not None:
            await self.version_engines.aclose()
        await self.client.aclose()
        if self.engine is not None:
            await self.engine.stop()


def remote_endpoints(profile: Profile, settings: Settings) -> Endpoints:
    """A remote engine's endpoints: from ``CLUSTERKG_ENGINE_URL`` as its profile lays them out,
    unless ``CLUSTERKG_ENGINE_UPDATE_URL`` / ``CLUSTERKG_ENGINE_STORE_URL`` say otherwise."""
    if settings.engine_url is None:
        raise EngineUnavailable("no remote engine configured (CLUSTERKG_ENGINE_URL)")
    return profile.endpoints(settings.engine_url, settings.engine_update_url, settings.engine_store_url)
