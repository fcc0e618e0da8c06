"""The express lane of ``/sparql``: a query sent with GET or HEAD, planned once, answered past
the app's middlewares.

A point lookup spent most of the layer's time outside the query itself: the access log, CORS,
the body deadline and HTTP caching each wrapped the request and its answer, and every request
was parsed, checked, negotiated and given its base again (py-spy over a server answering one
client: the whole layer 0.63 ms of CPU a request, forwarding alone 0.30). This lane does the
same work in one place, and keeps what depends only on the request (its :class:`Read`, its
:class:`~api.sparql_query.QueryPlan`) for the next request with the same query string and
selecting headers, as the UI's tabs, dashboards and permalinks send them.

It takes a request only when its answer is one it can give exactly as the app would (the
tests compare the two, header by header):

- ``GET`` or ``HEAD`` on ``/sparql``, not below a mount point, with a ``query`` and nothing
  that needs the general path: no ``Origin`` (CORS answers it), ``Range``, conditional header
  (HTTP caching answers 304s) or body;
- a read whose answer is a function of the dataset, not pinned to a version, of a version
  this server knows (the managed engine, or ``sole_writer``), and not already in the result
  cache (HTTP caching answers hits);
- a query the policy lets through (a refused one, or any request the plan cannot be made for,
  takes the general path, which answers it with its error).

An error met while the query runs (a timeout, the engine's refusal, a result too large) is
handed to the general path, which answers it as if it had met it (:data:`api.lane.FAILED`).
Everything else of the answer is the app's: the same validators and result cache
(:class:`~api.cache.state.CacheState`), metrics and access log line.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from api import access_log
from api.cache.conditional import body_tag
from api.cache.reads import MEMO_LIMIT, Read, classify
from api.cache.state import NO_CACHE, CacheState
from api.lane import FAILED
from api.sparql_query import (
    ProtocolRequest,
    QueryPlan,
    count_answer,
    execute,
    plan_query,
    time_limit,
)
from kg.engine.runtime import Runtime
from kg.errors import KgError
from kg.settings import Settings
from kg.versions.state import Version, Versions

PATH = "/sparql"
PLANS = 512
"""Plans kept (the last used), each for a query string of at most ``MEMO_LIMIT`` bytes."""
SELECTING_LIMIT = 1024
"""The longest ``Accept`` or ``Host`` header of a request this lane plans for."""
_GENERAL = frozenset(
    {
        b"origin",
        b"range",
        b"if-none-match",
        b"if-modified-since",
        b"content-length",
        b"transfer-encoding",
    }
)
"""Request headers that send a request on the general path."""
_MISS = (b"clusterkg-cache", b"miss")

Plan = tuple[Read, QueryPlan]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Ticket:
    """A request the lane answers: its plan and the state of the data it was taken at."""

    read: Read
    query: QueryPlan
    runtime: Runtime
    versions: Versions
    version: Version
    generation: int
    caching: bool


class Express:
    """The lane of one app (see the module); ``general`` answers what it does not take."""

    def __init__(self, app: FastAPI, general: ASGI, settings: Settings, cache: CacheState) -> None:
        self.app = app
        self.general = general
        self.settings = settings
        self.cache = cache
        self.plan = functools.lru_cache(maxsize=PLANS)(self._plan)

    def take(self, scope: Scope) -> Ticket | None:
        """The ticket of a request this lane answers, or None (nothing is read or changed)."""
        if scope["path"] != PATH or scope["method"] not in ("GET", "HEAD") or scope.get("root_path"):
            return None
        accept = host = None
        for name, value in scope["headers"]:
            if name in _GENERAL:
                return None
            if name == b"accept" and accept is None:
                accept = value
            elif name == b"host" and host is None:
                host = value
        query_string: bytes = scope["query_string"]
        if (
            len(query_string) > MEMO_LIMIT
            or (accept is not None and len(accept) > SELECTING_LIMIT)
            or (host is not None and len(host) > SELECTING_LIMIT)
        ):
            return None
        server = scope.get("server")
        plan = self.plan(
            query_string, accept, host, scope.get("scheme", "http"), None if server is None else tuple(server)
        )
        runtime: Runtime | None = getattr(self.app.state, "runtime", None)
        if plan is None or runtime is None:
            return None
        versions = runtime.versions
        version = versions.current
        if version is None or not versions.trusted:
            return None
        self.cache.follow(versions, self.app.state.metrics)
        read = plan[0]
        generation = versions.generation
        caching = self.cache.on
        if caching and self.cache.key(read, generation) in self.cache.results:
            return None  # a hit: HTTP caching answers it
        return Ticket(read, plan[1], runtime, versions, version, generation, caching)

    def _plan(
        self,
        query_string: bytes,
        accept: bytes | None,
        host: bytes | None,
        scheme: str,
        server: tuple[str, int] | None,
    ) -> Plan | None:
        """The read and the query plan of a request, or None when it takes the general path."""
        headers = [(b"host", host)] if host is not None else []
        selecting = [*headers, (b"accept", accept)] if accept is not None else headers
        limit = self.settings.query_length_limit
        read = classify("GET", PATH, query_string, selecting, None, length_limit=limit)
        if read is None or read.pinned or not read.deterministic:
            return None
        proto = ProtocolRequest(params=list(read.params))
        try:
            query = proto.one("query")
            if query is None or proto.all("update"):
                return None
            timeout_s = time_limit(proto, self.settings)
            scope = {"scheme": scheme, "server": server, "root_path": "", "path": PATH, "headers": headers}
            planned = plan_query(
                scope,
                self.settings,
                query,
                accept=None if accept is None else accept.decode("latin-1"),
                default_graphs=proto.all("default-graph-uri"),
                named_graphs=proto.all("named-graph-uri"),
                format_params=proto.format_params(),
                timeout_s=timeout_s,
            )
        except KgError:
            return None
        return read, planned

    async def serve(self, ticket: Ticket, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a taken request: run its query, send the answer, keep it, log it."""
        start = time.perf_counter()
        scope["app"] = self.app
        state: dict[str, Any] = scope.setdefault("state", {})
        query = ticket.query
        state["query_hash"] = query.query_hash
        state["query_kind"] = "query"
        metrics = self.app.state.metrics
        try:
            body, seconds = await execute(query, ticket.runtime, self.settings, metrics)
        except Exception as exc:
            scope[FAILED] = exc
            await self.general(scope, receive, send)  # it counts the miss and logs the request
            return
        except BaseException:  # cancelled: the client left
            access_log.write(scope, 500, start, 0)
            raise
        if ticket.caching:
            metrics.cache_misses.inc()
        try:
            await self._send(ticket, scope, send, body)
        except BaseException:  # our own fault (uvicorn answers 500 if nothing was sent), or cancelled
            access_log.write(scope, 500, start, 0)
            raise
        count_answer(metrics, seconds, len(body))
        access_log.write(scope, 200, start, len(body))

    async def _send(self, ticket: Ticket, scope: Scope, send: Send, body: bytes) -> None:
        """Send the answer with the headers the general path gives it, and keep it."""
        headers = [(b"content-length", b"%d" % len(body)), (b"content-type", _content_type(ticket.query))]
        read, version, versions = ticket.read, ticket.version, ticket.versions
        known = versions.generation == ticket.generation
        if known:
            headers += self.cache.validators(scope, read, version, pinned=False, vary=b"Accept")
            sent = [*_with_origin(headers), _MISS] if ticket.caching else _with_origin(headers)
        else:  # a write was committed meanwhile: the answer's version is not known (as HttpCache)
            headers += [
                (b"cache-control", NO_CACHE),
                (b"vary", b"Accept"),
                (b"etag", body_tag(body).encode()),
            ]
            sent = _with_origin(headers)
        await send({"type": "http.response.start", "status": 200, "headers": sent})
        await send({"type": "http.response.body", "body": body})
        if known and ticket.caching and scope["method"] != "HEAD":
            tag = self.cache.tag(read, version)
            self.cache.keep(read, versions, ticket.generation, headers, body, tag, version.time)


def _content_type(query: QueryPlan) -> bytes:
    """The answer's ``Content-Type`` as Starlette's ``Response`` writes it (a charset for text)."""
    value = query.chosen.content_type
    if value.startswith("text/") and "charset=" not in value.lower():
        value += "; charset=utf-8"
    return value.encode("latin-1")


def _with_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers as the CORS middleware sends an answer to a request without ``Origin``: the
    answer varies with it (``Vary: ..., Origin``)."""
    return [(name, value + b", Origin") if name == b"vary" else (name, value) for name, value in headers]


class ExpressApp(FastAPI):
    """A FastAPI app whose ``/sparql`` queries may take the express lane (``express``, set by
    :func:`api.app.create_app` unless ``settings.express`` is off)."""

    express: Express | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        express = self.express
        if express is not None and scope["type"] == "http":
            ticket = express.take(scope)
            if ticket is not None:
                await express.serve(ticket, scope, receive, send)
                return
        await super().__call__(scope, receive, send)
