""":class:`CacheState`: what HTTP caching keeps between requests (the result cache, emptied when
the dataset version changes) and how it writes an answer's validators.

One instance per app, shared by the middleware (:class:`api.cache.middleware.HttpCache`) and
the express lane of ``/sparql`` (:mod:`api.express`), so that both fill and empty the same
cache and give the same answer the same headers.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from starlette.types import Scope

from api.cache.conditional import http_date, weak_tag
from api.cache.reads import KEPT_PER_READ, Read, header
from api.cache.results import Entry, ResultCache
from kg import package_version
from kg.settings import Settings
from kg.versions.state import Version, Versions

IMMUTABLE = b"public, max-age=31536000, immutable"
NO_CACHE = b"no-cache"


class CacheState:
    """The result cache and the validators of answers, for one app (see the module)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.results = ResultCache(settings.cache_max_bytes)
        self._versions: Versions | None = None
        self._metrics: Any = None
        self._stamp = package_version().encode()
        self._age = b"public, max-age=%d" % settings.cache_max_age_s

    @property
    def on(self) -> bool:
        """Whether answers are kept (the setting, and room for them)."""
        return self.settings.cache and self.results.max_bytes > 0

    @staticmethod
    def key(read: Read, generation: int) -> bytes:
        """The result cache's key of ``read``'s answer at a generation of the versions."""
        return read.key + generation.to_bytes(8, "big")

    # --- the result cache follows the versions ------------------------------------------------

    def follow(self, versions: Versions, metrics: Any) -> None:
        """Empty the result cache whenever ``versions`` changes (from now on, and now if these
        are new versions: a restarted runtime)."""
        self._metrics = metrics
        if versions is not self._versions:
            self._versions = versions
            versions.on_change(self._clear)
            self._clear()

    def _clear(self) -> None:
        self.results.clear()
        self.gauges(self._metrics)

    def gauges(self, metrics: Any) -> None:
        """Set the cache's size gauges."""
        if metrics is not None:
            metrics.cache_bytes.set(self.results.bytes)
            metrics.cache_entries.set(len(self.results))

    def keep(
        self,
        read: Read,
        versions: Versions,
        generation: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        tag: str,
        modified: datetime | None,
    ) -> None:
        """Keep a whole answer, unless the version changed while it was computed."""
        if versions.generation != generation:
            return
        length = header(headers, b"content-length")
        if length is not None and length != str(len(body)).encode():
            return
        before = self.results.evictions
        self.results.put(self.key(read, generation), Entry(headers, body, tag, modified))
        if self.results.evictions > before and self._metrics is not None:
            self._metrics.cache_evictions.inc(self.results.evictions - before)
        self.gauges(self._metrics)

    # --- validators ---------------------------------------------------------------------------

    def tag(self, read: Read, version: Version) -> str:
        """The entity tag of ``read``'s answer at ``version`` (computed once per read and version)."""
        if read.tags.get(version) is not None:
            return read.tags[version]
        digest = hashlib.sha256(
            b"%s\0%d\0%s\0%s" % (self._stamp, version.number, version.time.isoformat().encode(), read.key)
        ).hexdigest()[:24]
        if len(read.tags) >= KEPT_PER_READ:  # a kept read (api.cache.reads.classify) meets new versions
            read.tags.clear()
        tag = read.tags[version] = weak_tag(f"{version.number}-{digest}")
        return tag

    @staticmethod
    def vary(path: str, given: bytes | None) -> bytes:
        """``given`` (the application's ``Vary``) with the request headers that select a read's answer."""
        names = [n.strip() for n in (given or b"").split(b",") if n.strip()]
        lowered = {n.lower() for n in names}
        for need in (
            (b"Accept", b"Accept-Language") if path.startswith(("/id/", "/ontology")) else (b"Accept",)
        ):
            if need.lower() not in lowered:
                names.append(need)
        return b", ".join(names)

    @staticmethod
    def version_headers(scope: Scope, read: Read, version: Version) -> list[tuple[bytes, bytes]]:
        """``Clusterkg-Version`` and the ``Link`` to the answer's permalink at ``version``."""
        headers = [(b"clusterkg-version", str(version.number).encode())]
        link = read.permalink(scope.get("root_path", ""), version.number)
        if link is not None:
            value = f'<{link}>; rel="memento"; datetime="{http_date(version.time)}"'
            headers.append((b"link", value.encode("latin-1")))
        return headers

    def validators(
        self, scope: Scope, read: Read, version: Version, *, pinned: bool, vary: bytes | None
    ) -> list[tuple[bytes, bytes]]:
        """The headers of an answer that is a function of the dataset at ``version`` (worked out
        once per read, version, pinning, ``Vary`` and root path: a new list each time)."""
        key = (version, pinned, vary, scope.get("root_path", ""))
        kept = read.validators.get(key)
        if kept is None:
            if len(read.validators) >= KEPT_PER_READ:
                read.validators.clear()
            kept = read.validators[key] = self._validators(scope, read, version, pinned=pinned, vary=vary)
        return list(kept)

    def _validators(
        self, scope: Scope, read: Read, version: Version, *, pinned: bool, vary: bytes | None
    ) -> list[tuple[bytes, bytes]]:
        return [
            (b"etag", self.tag(read, version).encode()),
            (b"last-modified", http_date(version.time).encode()),
            (b"cache-control", IMMUTABLE if pinned else self._age),
            (b"vary", self.vary(read.path, vary)),
            *self.version_headers(scope, read, version),
        ]
