"""The engine client: SPARQL 1.1 Protocol and Graph Store Protocol over HTTP.

The same code drives the managed Oxigraph server and any remote SPARQL 1.1 Protocol + Graph
Store Protocol server (Fuseki, GraphDB, Virtuoso, QLever, Amazon Neptune). Responses are read
whole, up to a byte limit, before anyone sees them: a result is either complete or an error,
never a truncated success.

The transport is aiohttp, not httpx: every SPARQL request passes through here, and aiohttp
spends about a tenth of httpx's CPU time per request (measured on loopback against
``oxigraph serve``: 0.13 ms against 1.0-1.2 ms), which is most of the endpoint's overhead.
Queries to an engine on loopback without credentials (the managed engine) go by an even
smaller client, :mod:`kg.engine.http11` (0.06 ms against aiohttp's 0.24-0.33 ms of CPU).

Size: one class, the engine's whole HTTP side (queries with their fallbacks, updates, Graph
Store, dataset dumps) and the one mapping of its failures to typed errors.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

import aiohttp
import pyoxigraph as ox

from kg.engine.bounded import read_within
from kg.engine.gate import CommitGate, GateTimeout
from kg.engine.http11 import LoopbackHTTP
from kg.engine.profiles import PROFILES, Endpoints, Method, Profile
from kg.errors import (
    EngineError,
    EngineUnavailable,
    QueryError,
    QueryTimeout,
    ResultTooLarge,
    TooLarge,
    Unprocessable,
)
from kg.terms import Term


@dataclass(frozen=True)
class EngineResponse:
    """A complete answer of the engine."""

    status: int
    content_type: str
    body: bytes
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)


_UNKNOWN_FUNCTION = re.compile(r"^The custom function <([^>\s]*)> is not supported")
"""The Oxigraph server's answer (500) to a query that calls a function it does not have."""

LARGE_BODY = 1 << 20
"""Request bodies over this many bytes are streamed from a buffer."""


@dataclass(frozen=True)
class EngineRequest:
    """One HTTP request to the engine."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | str | IO[bytes] | None = None
    """A file is sent in pieces as it is read (it must not be shared while the request runs)."""
    params: Sequence[tuple[str, str]] | dict[str, str] | None = None
    reads_only: bool = False
    """A query: it changes nothing, so it may go by the loopback fast path (:mod:`kg.engine.http11`)."""


LOOPBACK = ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")
"""Engines at these URLs are asked queries by :class:`~kg.engine.http11.LoopbackHTTP`."""


def query_request(
    method: Method, url: str, text: str, accept: str, params: Sequence[tuple[str, str]]
) -> EngineRequest:
    """One query as an HTTP request: a direct POST (the text as the body, the graphs in the
    URL), a form POST (everything form-encoded in the body) or a GET (everything in the URL).

    >>> query_request("form", "http://e/sparql", "ASK {}", "text/csv", []).body
    'query=ASK+%7B%7D'
    """
    if method == "direct":
        headers = {"Accept": accept, "Content-Type": "application/sparql-query; charset=utf-8"}
        return EngineRequest("POST", url, headers, text.encode("utf-8"), params, reads_only=True)
    fields = [("query", text), *params]
    if method == "form":
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        return EngineRequest("POST", url, headers, urlencode(fields), reads_only=True)
    return EngineRequest("GET", url, {"Accept": accept}, None, fields, reads_only=True)


def timed_out(what: str, limit: float | None) -> QueryTimeout:
    """The error of a request stopped at its time limit, naming the limit.

    >>> str(timed_out("query", 1.5))
    'the query timed out after 1.5 s and was stopped'
    """
    return QueryTimeout(f"the {what} timed out after {limit} s and was stopped")


class _Overdue(Exception):
    """A request passed its time limit (its task goes on, watched)."""


async def _finished(task: asyncio.Future[EngineResponse], timeout_s: float | None) -> bool:
    """Wait until ``task`` is done (True) or ``timeout_s`` passed (False), leaving it running:
    ``asyncio.wait`` for one task, without its sets and generic bookkeeping (a tenth of what a
    point lookup's engine request cost in the layer, measured in-process with py-spy)."""
    waiter: asyncio.Future[None] = task.get_loop().create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    task.add_done_callback(wake)
    timer = None if timeout_s is None else task.get_loop().call_later(timeout_s, wake)
    try:
        await waiter
    finally:
        if timer is not None:
            timer.cancel()
        task.remove_done_callback(wake)
    return task.done()


class _RestartedMeanwhile(EngineUnavailable):
    """A read whose engine was restarted for another, stuck request: it may be sent again."""


RESEND_MIN_S = 0.5
"""A read cut off by such a restart is sent again only with at least this much of its time left."""


class EngineClient:
    """Talks to the engine; turns its failures into typed errors.

    ``credentials`` (user, password) go by HTTP Basic, or Digest when the profile says so.
    ``on_stuck`` is called when a request outlives its deadline plus the grace period, so the
    owner of a managed engine can kill and restart it; ``lost(url)`` says why the engine at a
    URL stopped (its memory ceiling, a restart), for the requests it was serving, and
    ``restarted_for_another(url)`` whether that was such a restart: a query cut off by it is
    sent once more to the new engine, within its own time limit.
    """

    def __init__(
        self,
        endpoints: Callable[[], Endpoints],
        *,
        credentials: tuple[str, str] | None = None,
        profile: Profile = PROFILES["oxigraph"],
        hidden_graphs: tuple[str, ...] = (),
        grace_s: float = 2.0,
        max_bytes: int = 64 * 1024 * 1024,
        on_stuck: Callable[[str], Awaitable[None]] | None = None,
        ready: Callable[[float], Awaitable[None]] | None = None,
        lost: Callable[[str], Awaitable[str | None]] | None = None,
        restarted_for_another: Callable[[str], bool] | None = None,
    ) -> None:
        self._endpoints = endpoints
        self.credentials = credentials
        self.profile = profile
        self.hidden_graphs = hidden_graphs
        self.query_methods: list[Method] = list(profile.query_methods)
        self.grace_s = grace_s
        self.max_bytes = max_bytes
        self.on_stuck = on_stuck
        self.ready = ready
        self.lost = lost
        self.restarted_for_another = restarted_for_another
        self.writes = 0
        """How many writes (updates, Graph Store writes, loads) were sent to the engine."""
        self._watchers: set[asyncio.Future[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._loopback = LoopbackHTTP()
        self._gate = CommitGate()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session, opened on first use (aiohttp needs the running event loop)."""
        if self._session is None or self._session.closed:
            headers: dict[str, str] = {}
            middlewares: tuple[aiohttp.DigestAuthMiddleware, ...] = ()
            if self.credentials is not None and self.profile.auth == "digest":  # Virtuoso's /sparql-auth
                middlewares = (aiohttp.DigestAuthMiddleware(*self.credentials),)
            elif self.credentials is not None:
                headers["Authorization"] = aiohttp.encode_basic_auth(*self.credentials)
            self._session = aiohttp.ClientSession(
                headers=headers,
                middlewares=middlewares,
                timeout=aiohttp.ClientTimeout(total=None, connect=5.0),
                connector=aiohttp.TCPConnector(limit=64, limit_per_host=64, ttl_dns_cache=300),
                auto_decompress=True,
                trust_env=False,
            )
        return self._session

    @property
    def gate(self) -> CommitGate | None:
        """For an engine whose queries can see a commit half done (the profile may be settled
        after the client is made): no query runs while a write is sent (:mod:`kg.engine.gate`)."""
        return None if self.profile.snapshot_reads else self._gate

    @property
    def endpoints(self) -> Endpoints:
        """The engine's current endpoints (a managed engine's port changes on restart)."""
        return self._endpoints()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._loopback.aclose()
        if self._session is not None:
            await self._session.close()

    async def _ready_endpoints(self) -> Endpoints:
        """The endpoints once the engine runs: a managed engine that is restarting gets a new
        port, so a request is addressed only after the restart, never to the old port."""
        if self.ready is not None:
            await self.ready(10.0)
        return self.endpoints

    async def _send(self, request: EngineRequest, *, timeout_s: float | None, what: str) -> EngineResponse:
        """Send a request; answer a timeout at once and, if the engine is still busy with the
        request after the grace period, have the owner restart it (the last resort). Behind
        the commit gate when the engine has one: the wait counts against the time limit, and a
        request that times out waiting was never sent."""
        gate = self.gate
        if gate is None:
            return await self._send_now(request, timeout_s=timeout_s, limit=timeout_s, what=what)
        start = time.perf_counter()
        writes = not request.reads_only and request.method not in ("GET", "HEAD")
        try:
            async with gate.hold(exclusive=writes, timeout_s=timeout_s):
                left = None if timeout_s is None else max(0.0, timeout_s - (time.perf_counter() - start))
                return await self._send_now(request, timeout_s=left, limit=timeout_s, what=what)
        except GateTimeout:
            raise timed_out(what, timeout_s) from None

    async def _send_now(
        self, request: EngineRequest, *, timeout_s: float | None, limit: float | None, what: str
    ) -> EngineResponse:
        start = time.perf_counter()
        task = asyncio.get_running_loop().create_task(self._read(request, start))
        try:
            # not wait_for(shield(task)): the task runs on past the limit either way (for the
            # watch), and this wakes the caller with fewer turns of the loop
            if not await _finished(task, timeout_s):
                raise _Overdue
            return task.result()
        except _Overdue:
            self._watch(task, f"{what} still running {self.grace_s} s after its limit of {limit} s")
            raise timed_out(what, limit) from None
        except (aiohttp.ClientError, OSError) as exc:
            reason = None if self.lost is None else await self.lost(request.url)
            if (
                reason is not None
                and request.reads_only
                and self.restarted_for_another is not None
                and self.restarted_for_another(request.url)
            ):
                raise _RestartedMeanwhile(
                    f"the engine stopped during the {what}: {reason}; it is back shortly"
                ) from exc
            if reason is not None:
                raise EngineUnavailable(
                    f"the engine stopped during the {what}: {reason}; it is back shortly"
                ) from exc
            raise EngineUnavailable(f"the engine did not answer the {what}: {type(exc).__name__}") from exc
        except asyncio.CancelledError:
            task.cancel()
            raise

    def _watch(self, task: asyncio.Future[EngineResponse], reason: str) -> None:
        async def watch() -> None:
            done, _ = await asyncio.wait({task}, timeout=self.grace_s)
            if done:
                task.exception()  # retrieved, so it is not reported as never retrieved
                return
            task.cancel()
            if self.on_stuck is not None:
                await self.on_stuck(reason)

        watcher = asyncio.ensure_future(watch())
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    def _fast(self, request: EngineRequest) -> bool:
        """Whether a request goes by the loopback fast path: a query without credentials to an
        engine on this machine (the managed one, or a remote one on loopback)."""
        return (
            request.reads_only
            and self.credentials is None
            and not isinstance(request.body, io.IOBase)
            and request.url.startswith(LOOPBACK)
        )

    async def _read(self, request: EngineRequest, start: float) -> EngineResponse:
        if self._fast(request):
            body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
            params = request.params
            status, headers, received = await self._loopback.request(
                request.method,
                request.url,
                headers=request.headers,
                body=body if isinstance(body, bytes) else None,
                params=list(params.items()) if isinstance(params, dict) else list(params or ()),
                max_bytes=self.max_bytes,
                too_large=self._too_large,
            )
            return EngineResponse(
                status=status,
                content_type=headers.get("content-type", ""),
                body=received,
                seconds=time.perf_counter() - start,
                headers=headers,
            )
        sent: bytes | str | IO[bytes] | None = request.body
        if isinstance(sent, bytes) and len(sent) > LARGE_BODY:
            sent = io.BytesIO(sent)  # streamed in chunks: aiohttp warns of large raw bodies
        async with self.session.request(
            request.method,
            request.url,
            params=request.params,
            data=sent,
            headers=request.headers,
            allow_redirects=False,
        ) as response:
            received = await read_within(response.content.iter_any(), self.max_bytes, self._too_large)
        return EngineResponse(
            status=response.status,
            content_type=response.headers.get("content-type", ""),
            body=received,
            seconds=time.perf_counter() - start,
            headers={k.lower(): v for k, v in response.headers.items()},
        )

    def _too_large(self) -> ResultTooLarge:
        return ResultTooLarge(
            f"the result is larger than the limit of {self.max_bytes} bytes; narrow the query or add LIMIT",
        )

    @asynccontextmanager
    async def stream(
        self, url: str, *, accept: str, timeout_s: float
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A GET whose body the caller reads as it arrives (dataset dumps); HTTP errors are
        the caller's to check, a connection failure raises :class:`EngineUnavailable`. Behind
        the commit gate, shared, while it is read, when the engine has one (a dump is one state)."""
        async with AsyncExitStack() as held:
            if self.gate is not None:
                try:
                    await held.enter_async_context(self.gate.hold(exclusive=False, timeout_s=timeout_s))
                except GateTimeout:
                    raise timed_out("dataset read", timeout_s) from None
            try:
                async with self.session.get(
                    url,
                    headers={"Accept": accept},
                    timeout=aiohttp.ClientTimeout(total=timeout_s, connect=5.0),
                ) as response:
                    yield response
            except (aiohttp.ClientError, OSError) as exc:
                raise EngineUnavailable(f"the engine did not answer: {type(exc).__name__}") from exc

    async def dump_dataset(self, target: Path, *, timeout_s: float) -> None:
        """Write the whole dataset (every named graph and the default graph) to a file as
        N-Quads: a Graph Store GET of the store where the engine offers one (Oxigraph), else
        (Virtuoso, whose Graph Store reads one graph at a time) one query of every quad.

        :raises EngineError: when the engine cannot read it.
        """
        if self.profile.kind == "virtuoso":
            answer = await self.query(
                "SELECT ?s ?p ?o ?g { GRAPH ?g { ?s ?p ?o } }",
                accept="application/sparql-results+json",
                timeout_s=timeout_s,
            )
            parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
            assert isinstance(parsed, ox.QuerySolutions)
            quads = [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in parsed]
            del parsed  # pyoxigraph's solutions must be dropped on the thread that made them
            await asyncio.to_thread(ox.serialize, quads, target, ox.RdfFormat.N_QUADS)
            return
        async with self.stream(self.endpoints.store, accept="application/n-quads", timeout_s=timeout_s) as r:
            if r.status >= 400:
                raise EngineError(f"the engine could not read the dataset ({r.status})")
            with target.open("wb") as out:
                async for chunk in r.content.iter_chunked(1 << 16):
                    out.write(chunk)

    async def query(
        self,
        query: str,
        *,
        accept: str,
        timeout_s: float | None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> EngineResponse:
        """Run a query and return the complete answer: sent as the profile prefers (a direct
        POST, a form POST or a GET, the graphs as parameters), falling back to the next way
        when the engine refuses one (405, 415), and refused when the engine marks its answer
        as cut short (:meth:`Profile.check_complete`).

        :raises QueryError: for a query the engine refuses as malformed (400).
        :raises QueryTimeout: when it runs past ``timeout_s``.
        :raises ResultTooLarge: when the engine cut the result at its own row cap.
        """
        params = [("default-graph-uri", g) for g in default_graphs]
        params += [("named-graph-uri", g) for g in named_graphs]
        text = self.profile.prepare_query(query, self.hidden_graphs)
        started = time.perf_counter()
        try:
            answer = await self._query_once(text, accept, params, timeout_s)
        except _RestartedMeanwhile as exc:
            answer = await self._query_again(text, accept, params, timeout_s, started, exc)
        answer = self._check(answer, "query", self.profile)
        self.profile.check_complete(answer.headers, "query")
        if self.profile.repair_literals:
            answer = replace(answer, body=self.profile.repair(answer.body, answer.content_type, query))
        return answer

    async def _query_once(
        self, text: str, accept: str, params: list[tuple[str, str]], timeout_s: float | None
    ) -> EngineResponse:
        endpoints = await self._ready_endpoints()
        methods = list(self.query_methods)
        for method in methods:
            request = query_request(method, endpoints.query, text, accept, params)
            answer = await self._send(request, timeout_s=timeout_s, what="query")
            if answer.status in (405, 415) and method != methods[-1]:
                if method in self.query_methods and len(self.query_methods) > 1:
                    self.query_methods.remove(method)  # not offered here: never tried again
                continue
            break
        return answer

    async def _query_again(
        self,
        text: str,
        accept: str,
        params: list[tuple[str, str]],
        timeout_s: float | None,
        started: float,
        cut_off: _RestartedMeanwhile,
    ) -> EngineResponse:
        """A query cut off by a restart for another, stuck request, sent once more to the new
        engine within what is left of its time (a 503 when too little is left, or when it is cut
        off again); a timeout still names the query's own limit."""

        def left() -> float | None:
            return None if timeout_s is None else timeout_s - (time.perf_counter() - started)

        remaining = left()
        if remaining is not None and remaining < RESEND_MIN_S:
            raise EngineUnavailable(str(cut_off)) from cut_off
        if self.ready is not None:
            await self.ready(10.0 if remaining is None else min(10.0, remaining))
        remaining = left()
        if remaining is not None and remaining < RESEND_MIN_S:
            raise EngineUnavailable(str(cut_off)) from cut_off
        try:
            return await self._query_once(text, accept, params, remaining)
        except _RestartedMeanwhile as again:
            raise EngineUnavailable(str(again)) from again
        except QueryTimeout:
            raise timed_out("query", timeout_s) from None

    async def usable_methods(self, timeout_s: float = 3.0) -> list[Method]:
        """Which ways of sending a query the engine answers (``ASK {}``, each within
        ``timeout_s``): a way that hangs or fails is dropped, the others keep their order.
        The client then uses only those (Virtuoso 7.2.5 never answers a direct POST)."""
        endpoints = await self._ready_endpoints()
        usable: list[Method] = []
        for method in self.query_methods:
            request = query_request(method, endpoints.query, "ASK {}", "application/sparql-results+json", [])
            try:
                answer = await asyncio.wait_for(self._read(request, time.perf_counter()), timeout_s)
            except (TimeoutError, aiohttp.ClientError, OSError):
                continue
            if answer.status == 200:
                usable.append(method)
        if usable:
            self.query_methods = usable
        return usable

    async def select(self, query: str, *, timeout_s: float | None = 30.0) -> list[dict[str, Term]]:
        """Run a SELECT and return its rows as dicts of bound terms (for the service's own queries)."""
        answer = await self.query(query, accept="application/sparql-results+json", timeout_s=timeout_s)
        parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        if not isinstance(parsed, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        names = [v.value for v in parsed.variables]
        rows: list[dict[str, Term]] = []
        for solution in parsed:
            rows.append({n: solution[n] for n in names if solution[n] is not None})
        return rows

    async def update(
        self,
        update: str,
        *,
        timeout_s: float | None,
        using_graphs: Sequence[str] = (),
        using_named_graphs: Sequence[str] = (),
    ) -> EngineResponse:
        """Run a SPARQL update and return the engine's answer.

        Sent as a direct POST (``application/sparql-update``), the graphs in the URL, like
        queries: a large write's update text goes as it is, not form-encoded (``urlencode``
        makes a string per byte, hundreds of MiB for a big commit).
        """
        params = [("using-graph-uri", g) for g in using_graphs]
        params += [("using-named-graph-uri", g) for g in using_named_graphs]
        endpoints = await self._ready_endpoints()
        headers = {"Content-Type": "application/sparql-update; charset=utf-8"}
        text = self.profile.prepare_query(update, self.hidden_graphs, update=True)
        request = EngineRequest("POST", endpoints.update, headers, text.encode("utf-8"), params)
        self.writes += 1
        answer = await self._send(request, timeout_s=timeout_s, what="update")
        return self._check(answer, "update", self.profile)

    async def load_dataset(self, body: bytes | IO[bytes], *, timeout_s: float | None) -> EngineResponse:
        """Add an N-Quads document to the store's graphs, with the managed Oxigraph's bulk loader.

        A Graph Store POST to the store itself with ``no_transaction``: Oxigraph sorts the quads
        into new index files and adds them all to its RocksDB store with one ingestion, which
        readers see whole or not at all, and which adds nothing when the document is malformed
        (tests/test_writes.py checks both) or the engine dies first (checked by killing it
        during a 1.2M-quad load; the managed engine removes the unused index files it leaves
        when it starts again, :class:`kg.engine.process.ManagedEngine`). It costs the
        engine about half the memory of a transaction over the same quads (+150 MiB against
        +276 for 170k quads into a store of 1.7M), and the quads do not stay in its write
        buffers afterwards. Oxigraph-specific: only used with the managed engine.

        :param body: the document, or a binary file positioned at its start (sent in pieces).

        :raises EngineError: when the engine refuses it.
        """
        endpoints = await self._ready_endpoints()
        headers = {"Content-Type": "application/n-quads"}
        request = EngineRequest("POST", endpoints.store, headers, body, [("no_transaction", "")])
        self.writes += 1
        answer = await self._send(request, timeout_s=timeout_s, what="graph store load")
        return self._check(answer, "graph store load")

    async def graph_store(
        self,
        method: str,
        *,
        graph: str | None,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        timeout_s: float | None = None,
    ) -> EngineResponse:
        """A Graph Store Protocol request (``graph=None`` is the default graph).

        :raises Unprocessable: for a write to the default graph of an engine without one.
        """
        if graph is None and not self.profile.own_default_graph:
            if method in ("GET", "HEAD"):
                return EngineResponse(200, "application/n-triples", b"", 0.0)
            raise Unprocessable(
                f"the {self.profile.kind} engine has no default graph of its own: write to a named graph"
            )
        params = {"default": ""} if graph is None else {self.profile.store_graph_param: graph}
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        endpoints = await self._ready_endpoints()
        request = EngineRequest(method, endpoints.store, headers, body, params)
        self.writes += method not in ("GET", "HEAD")
        answer = await self._send(request, timeout_s=timeout_s, what="graph store request")
        if self.profile.repair_literals and answer.status == 200:
            answer = replace(answer, body=self.profile.repair(answer.body, answer.content_type))
        return answer

    @staticmethod
    def _check(answer: EngineResponse, what: str, profile: Profile = PROFILES["oxigraph"]) -> EngineResponse:
        if answer.status < 400:
            return answer
        message = profile.clean_message(answer.body.decode("utf-8", "replace").strip())[:2000]
        if answer.status == 400:
            raise QueryError(f"the engine refused the {what}: {message}")
        unknown = _UNKNOWN_FUNCTION.search(message)
        if unknown is not None:  # the Oxigraph server answers 500 for a function it does not have
            raise QueryError(
                f"the {what} calls the function <{unknown.group(1)}>, which the engine does not have "
                "(an unknown IRI in function position)"
            )
        if answer.status in (408, 504) or "timeout" in message.lower():
            raise QueryTimeout(f"the {what} timed out and was stopped: {message}")
        if answer.status == 413:
            raise TooLarge(f"the {what} is too large for the engine: {message}")
        raise EngineError(f"the engine failed the {what} ({answer.status}): {message}")
