""":class:`HttpCache`, the ASGI middleware of HTTP caching and the result cache.

For a read (:func:`api.cache.reads.covered`) answered with 200 it adds, when the data changes
only through this server (``runtime.versions.trusted``) and the version is known:

- ``Clusterkg-Version: N`` and ``Link: </same/request?...&version=N>; rel="memento"`` (the
  permalink of the answer, a GET even for a POST query);
- for an answer that is a function of the dataset, a weak ``ETag`` from the version and the
  request, ``Last-Modified`` (the version's time) and ``Cache-Control: public, max-age=...``
  (``immutable`` for an answer pinned to a version by ``?version=N``). A GET or HEAD whose
  ``If-None-Match`` or ``If-Modified-Since`` still holds gets ``304`` before the application
  (and so the engine) is asked; the answer is kept in the result cache for the next time.

Otherwise (a remote engine others may write to, a query with ``NOW()``, ``RAND()``, ``SERVICE``...,
or an unknown version) nothing is cached, the ``ETag`` is a hash of the answer's bytes and
``Cache-Control`` is ``no-cache``: a client may revalidate, and a matching tag gets a 304 after
the engine answered. Conditional headers on a POST are not answered with 304 (RFC 9110 keeps
that for GET and HEAD); its answer is still cached.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access_log import query_hash
from api.cache.conditional import body_tag, modified_since, none_match
from api.cache.reads import Read, classify, covered, header, read_query_body
from api.cache.results import Entry
from api.cache.state import NO_CACHE, CacheState
from kg.settings import Settings
from kg.versions.state import Version, Versions

HASH_LIMIT = 8 * 1024 * 1024
"""The largest answer held back to hash its bytes into an ``ETag`` (a larger one gets none)."""
_OURS = frozenset({b"etag", b"last-modified", b"cache-control", b"clusterkg-version", b"vary"})
"""Headers this layer sets in place of the application's (a ``Link`` is added to its own)."""
_IN_304 = _OURS | {b"link"}


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


class HttpCache:
    """ASGI middleware: validators, 304s and the result cache of reads (see the module)."""

    def __init__(self, app: ASGIApp, settings: Settings, state: CacheState | None = None) -> None:
        self.app = app
        self.settings = settings
        self.state = state if state is not None else CacheState(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not covered(scope["path"]):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        runtime = getattr(scope["app"].state, "runtime", None)
        if (
            runtime is None
            or method not in ("GET", "HEAD", "POST")
            or (method == "POST" and scope["path"] != "/sparql")
            or header(scope["headers"], b"range") is not None
        ):
            await self.app(scope, receive, send)
            return
        body: bytes | None = None
        if method == "POST":
            body, receive = await read_query_body(scope, receive, self.settings.body_limit_bytes)
            if body is None:
                await self.app(scope, receive, send)
                return
        read = classify(
            method,
            scope["path"],
            scope["query_string"],
            scope["headers"],
            body,
            length_limit=self.settings.query_length_limit,
        )
        if read is None:
            await self.app(scope, receive, send)
            return
        versions: Versions = runtime.versions
        self.state.follow(versions, scope["app"].state.metrics)
        await self._serve(scope, receive, send, read, versions)

    # --- answering ----------------------------------------------------------------------------

    @staticmethod
    def _unchanged(scope: Scope, tag: str, modified: datetime | None, *, exists: bool = True) -> bool:
        """Whether a GET's or HEAD's conditional headers let it have a 304 for this tag (before
        the application answered, ``exists`` is false: ``If-None-Match: *`` waits for a 200)."""
        if scope["method"] not in ("GET", "HEAD"):
            return False
        wanted = header(scope["headers"], b"if-none-match")
        if wanted is not None:
            return none_match(wanted.decode("latin-1"), tag, exists=exists)
        since = header(scope["headers"], b"if-modified-since")
        if since is not None and modified is not None:
            return not modified_since(since.decode("latin-1"), modified)
        return False

    @staticmethod
    def _count_query(scope: Scope, read: Read, metrics: Any, entry: Entry, started: float) -> None:
        """A query answered from the cache counts as an answered query (the SPARQL metrics and
        the access log's hash say what clients got; ``clusterkg_cache_hits`` how many came from here)."""
        metrics.requests.labels(kind="query", outcome="ok").inc()
        metrics.duration.labels(kind="query").observe(time.perf_counter() - started)
        metrics.result_bytes.observe(len(entry.body))
        query = dict(read.params).get("query")
        if query is not None:
            state = scope.setdefault("state", {})
            state["query_hash"] = query_hash(query)
            state["query_kind"] = "query"

    async def _send_304(self, send: Send, headers: list[tuple[bytes, bytes]]) -> None:
        kept = [(k, v) for k, v in headers if k in _IN_304]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, read: Read, versions: Versions
    ) -> None:
        started = time.perf_counter()
        metrics = scope["app"].state.metrics
        current = versions.current
        generation = versions.generation
        known = versions.trusted and current is not None
        by_version = known and read.deterministic
        caching = by_version and self.state.on
        if caching:
            entry = self.state.results.get(self.state.key(read, generation))
            if entry is not None:
                metrics.cache_hits.inc()
                if self._unchanged(scope, entry.tag, entry.modified):
                    metrics.not_modified.labels(engine="not asked").inc()
                    await self._send_304(send, entry.headers)
                    return
                if read.path == "/sparql":
                    self._count_query(scope, read, metrics, entry, started)
                await send({"type": "http.response.start", "status": 200, "headers": [*entry.headers, _HIT]})
                body = b"" if scope["method"] == "HEAD" else entry.body
                await send({"type": "http.response.body", "body": body})
                return
            metrics.cache_misses.inc()
        if by_version and not read.pinned and current is not None:
            tag = self.state.tag(read, current)
            if self._unchanged(scope, tag, current.time, exists=False):
                metrics.not_modified.labels(engine="not asked").inc()
                headers = self.state.validators(scope, read, current, pinned=False, vary=None)
                await self._send_304(send, headers)
                return
        state: dict[str, Any] = scope.setdefault("state", {})
        await self.app(scope, receive, self._sender(scope, send, read, versions, generation, caching, state))

    def _sender(
        self,
        scope: Scope,
        send: Send,
        read: Read,
        versions: Versions,
        generation: int,
        caching: bool,
        state: dict[str, Any],
    ) -> Callable[[Message], Any]:
        """The ``send`` of the application: adds the headers, answers 304s, keeps answers."""
        metrics = scope["app"].state.metrics
        mode = "pass"
        start: Message = {}
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        tag = ""
        modified: datetime | None = None
        keep = False

        async def sending(message: Message) -> None:
            nonlocal mode, start, headers, size, tag, modified, keep
            if message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    await send(message)
                    return
                given = [(k, v) for k, v in message.get("headers", []) if k not in _OURS]
                vary = header(list(message.get("headers", [])), b"vary")
                pinned: Version | None = state.get("dataset_version")
                version = pinned
                if version is None and versions.generation == generation:
                    version = versions.current
                if not versions.trusted:
                    version = None
                if version is not None and read.deterministic:
                    headers = given + self.state.validators(
                        scope, read, version, pinned=pinned is not None, vary=vary
                    )
                    tag, modified = self.state.tag(read, version), version.time  # computed once a request
                    no_store = b"no-store" in (header(given, b"cache-control") or b"")
                    keep = caching and scope["method"] != "HEAD" and not no_store
                    keep = keep and header(given, b"set-cookie") is None
                    if self._unchanged(scope, tag, modified):
                        metrics.not_modified.labels(engine="asked").inc()
                        await self._send_304(send, headers)
                        mode = "drop"
                        return
                    mode = "copy"
                    extra = [_MISS] if caching else []
                    await send({**message, "headers": headers + extra})
                    return
                headers = [*given, (b"cache-control", NO_CACHE), (b"vary", self.state.vary(read.path, vary))]
                if version is not None:
                    headers += self.state.version_headers(scope, read, version)
                if header(given, b"etag") is not None:
                    await send({**message, "headers": headers})
                    return
                mode = "hash"
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            if mode == "pass":
                await send(message)
            elif mode == "drop":
                return
            elif mode == "copy":
                await send(message)
                if keep:
                    chunks.append(chunk)
                    size += len(chunk)
                    keep = size <= self.state.results.max_bytes // 4
                if not more and keep:
                    self.state.keep(read, versions, generation, headers, b"".join(chunks), tag, modified)
            else:  # hash: held back until the end, to tag the bytes
                chunks.append(chunk)
                size += len(chunk)
                if size > HASH_LIMIT:
                    mode = "pass"
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": more})
                    return
                if more:
                    return
                whole = b"".join(chunks)
                length = header(headers, b"content-length")
                if length is not None and length != str(len(whole)).encode():
                    await send({**start, "headers": headers})  # a HEAD's: no bytes to tag
                    await send({"type": "http.response.body", "body": whole})
                    return
                tag = body_tag(whole)
                headers.append((b"etag", tag.encode()))
                if self._unchanged(scope, tag, None):
                    metrics.not_modified.labels(engine="asked").inc()
                    await self._send_304(send, headers)
                    return
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": whole})

        return sending


_HIT = (b"clusterkg-cache", b"hit")
_MISS = (b"clusterkg-cache", b"miss")
