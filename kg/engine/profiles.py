"""Engine profiles: what differs between SPARQL servers, and how the client copes with it.

The client speaks the SPARQL 1.1 Protocol and Graph Store Protocol to every engine; a
:class:`Profile` says, for one kind of server (``CLUSTERKG_ENGINE_KIND``: ``oxigraph``,
``virtuoso``, ``fuseki``, ``graphdb``, ``qlever``, ``generic``, or ``detect``), where its
endpoints are, how a query is sent (direct POST, form POST or GET, in order of preference),
which HTTP authentication it wants, which of its graphs are its own rather than ours (hidden
from the default graph and from ``GRAPH ?g``), how a truncated answer is recognised there
and which literals it returns in a form that must be repaired. The measured facts behind each
entry are in the README ("Remote engines").

The rewrites of query text for Virtuoso are in :mod:`kg.engine.rewrites` (made on tokens);
the repairs of its answers in :mod:`kg.engine.repairs`.

>>> profile_for("virtuoso").query_methods
('form', 'get')
>>> profile_for("virtuoso").endpoints("http://127.0.0.1:8890/sparql", None, None).store
'http://127.0.0.1:8890/sparql-graph-crud-auth'
>>> profile_for("fuseki").endpoints("http://h:3030/ds/sparql", None, None).update
'http://h:3030/ds/update'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from kg.engine.repairs import repair_json_results, repair_ntriples
from kg.engine.rewrites import boolean_variables, for_virtuoso
from kg.errors import QueryTimeout, ResultTooLarge


@dataclass(frozen=True)
class Endpoints:
    """Where the engine answers queries, updates and Graph Store requests."""

    query: str
    update: str
    store: str

    @classmethod
    def oxigraph(cls, base: str) -> Endpoints:
        """The endpoints of an Oxigraph server at a base URL."""
        base = base.rstrip("/")
        return cls(f"{base}/query", f"{base}/update", f"{base}/store")


Kind = Literal["oxigraph", "virtuoso", "fuseki", "graphdb", "qlever", "generic"]
KINDS: tuple[Kind, ...] = ("oxigraph", "virtuoso", "fuseki", "graphdb", "qlever", "generic")
Method = Literal["direct", "form", "get"]

VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
)
"""Graphs every Virtuoso 7 database holds (about 2,500 triples), besides two named after its
own address: ``<base>/sparql`` (the service description) and ``<base>/DAV/``."""


@dataclass(frozen=True)
class Profile:
    """How to talk to one kind of engine."""

    kind: Kind
    query_methods: tuple[Method, ...] = ("direct", "form", "get")
    """How a query is sent, best first; the client falls back to the next when one fails."""
    auth: Literal["basic", "digest"] = "basic"
    store_graph_param: str = "graph"
    """The Graph Store Protocol's parameter naming a graph (Virtuoso: ``graph-uri``)."""
    hidden_graphs: tuple[str, ...] = ()
    """The engine's own graphs, kept out of the default graph and out of ``GRAPH ?g``."""
    repair_literals: bool = False
    """Whether answers carry literals in a non-canonical, lossy form (repaired: :mod:`kg.engine.repairs`)."""
    truncation_header: str | None = None
    """A response header that says the engine cut the result at its row cap."""
    partial_header: str | None = None
    """A response header that says the answer is partial (a timeout mid-way)."""
    own_default_graph: bool = True
    """Whether the store has a default graph of its own (Virtuoso keeps every triple in a
    named graph: its Graph Store refuses ``default``; the layer reads it as empty)."""
    snapshot_reads: bool = False
    """Whether a query reads one committed state even while an update commits. Oxigraph's
    queries read a snapshot; Fuseki's TDB and TDB2 transactions are serializable, a reader
    seeing the state before or after a commit (jena.apache.org/documentation/txn/
    transactions_tdb.html). Without it, the client lets no query run while one of the layer's
    writes is sent (:mod:`kg.engine.gate`): Virtuoso reads at READ COMMITTED, and the others
    are not known to do better."""

    def endpoints(self, url: str, update_url: str | None, store_url: str | None) -> Endpoints:
        """The query, update and Graph Store endpoints from the configured query URL."""
        query = url.rstrip("/")
        if self.kind == "virtuoso":
            base = _strip(query, ("/sparql-auth", "/sparql"))
            return Endpoints(
                f"{base}/sparql",
                update_url or f"{base}/sparql-auth",
                store_url or f"{base}/sparql-graph-crud-auth",
            )
        if self.kind == "graphdb":  # /repositories/<id>: query; .../statements: update
            return Endpoints(
                query, update_url or f"{query}/statements", store_url or f"{query}/rdf-graphs/service"
            )
        if self.kind == "qlever":  # one endpoint for queries and updates
            return Endpoints(query, update_url or query, store_url or query)
        if self.kind == "fuseki":  # /ds/query or /ds/sparql, /ds/update, /ds/data
            base = _strip(query, ("/query", "/sparql"))
            return Endpoints(query, update_url or f"{base}/update", store_url or f"{base}/data")
        base = _strip(query, ("/query", "/sparql"))
        if base == query:
            query = f"{base}/query"
        return Endpoints(query, update_url or f"{base}/update", store_url or f"{base}/store")

    def hidden(self, engine_url: str) -> tuple[str, ...]:
        """The engine's own graphs, the ones named after its address included."""
        if self.kind != "virtuoso":
            return self.hidden_graphs
        base = _strip(engine_url.rstrip("/"), ("/sparql-auth", "/sparql"))
        return (*self.hidden_graphs, f"{base}/sparql", f"{base}/DAV/")

    def prepare_query(self, text: str, hidden: tuple[str, ...], *, update: bool = False) -> str:
        """The query (or, with ``update``, update) text as sent: on Virtuoso, rewritten on its
        tokens where 7.2.5 answers wrongly (:func:`kg.engine.rewrites.for_virtuoso`: empty graph
        patterns, ``FILTER EXISTS { VALUES }``, language tags in VALUES, two BASEs, DESCRIBE as
        a concise bounded description); the text of literals, IRIs and comments never changes.

        >>> print(profile_for("virtuoso").prepare_query("ASK {}", ()))
        define sql:describe-mode "CBD"
        ASK {}
        >>> profile_for("oxigraph").prepare_query("ASK { GRAPH ?g { } }", ())
        'ASK { GRAPH ?g { } }'
        """
        if self.kind != "virtuoso":
            return text
        # Not `define input:default-graph-exclude`: on 7.2.5 any such pragma makes every
        # GRAPH <iri> pattern empty (measured). Its system graphs are made private instead
        # (scripts/virtuoso/start), so the anonymous /sparql user does not see them.
        return for_virtuoso(text, update=update)

    def clean_message(self, message: str) -> str:
        r"""The engine's error message without what it echoes of the request (Virtuoso repeats
        the whole query text, the layer's pragmas included).

        >>> profile_for("virtuoso").clean_message("Error SP030: syntax error\n\nSPARQL query:\nASK")
        'Error SP030: syntax error'
        """
        if self.kind == "virtuoso":
            return message.split("\n\nSPARQL query:", 1)[0].split("\nSPARQL query:", 1)[0].strip()
        return message

    def check_complete(self, headers: dict[str, str], what: str) -> None:
        """Refuse an answer the engine marks as cut short (never passed on as a success).

        >>> profile_for("virtuoso").check_complete({"x-sparql-maxrows": "10000"}, "query")
        Traceback (most recent call last):
        kg.errors.ResultTooLarge: the engine cut the result of the query at its row cap of 10000 ...
        """
        if self.partial_header and self.partial_header in headers:
            state = headers[self.partial_header]
            raise QueryTimeout(
                f"the engine answered the {what} only in part (state {state}: its own time limit); "
                "it was refused, not passed on"
            )
        if self.truncation_header and self.truncation_header in headers:
            cap = headers[self.truncation_header]
            raise ResultTooLarge(
                f"the engine cut the result of the {what} at its row cap of {cap} "
                "rows (ResultSetMaxRows); narrow the query or add LIMIT"
            )

    def repair(self, body: bytes, content_type: str, query: str = "") -> bytes:
        """Repair literals the engine returns in a lossy form (Virtuoso: booleans as 1/0,
        durations as a number of months) in SPARQL JSON results and N-Triples; a variable
        the query binds to ``EXISTS {...}`` / ``NOT EXISTS {...}``, or to booleans in a VALUES
        block, is a boolean (Virtuoso answers an integer)."""
        if not self.repair_literals:
            return body
        if "json" in content_type:
            return repair_json_results(body, boolean_variables(query))
        if "n-triples" in content_type or "n-quads" in content_type:
            return repair_ntriples(body)
        return body


def _strip(url: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


PROFILES: dict[Kind, Profile] = {
    "oxigraph": Profile("oxigraph", snapshot_reads=True),
    "generic": Profile("generic"),
    "virtuoso": Profile(
        "virtuoso",
        # A direct POST (application/sparql-query) to Virtuoso 7.2.5's /sparql never answers.
        query_methods=("form", "get"),
        auth="digest",
        store_graph_param="graph-uri",
        hidden_graphs=VIRTUOSO_SYSTEM_GRAPHS,
        repair_literals=True,
        truncation_header="x-sparql-maxrows",
        partial_header="x-sql-state",
        own_default_graph=False,
    ),
    "fuseki": Profile("fuseki", snapshot_reads=True),
    "graphdb": Profile("graphdb", query_methods=("form", "direct", "get")),
    "qlever": Profile("qlever", query_methods=("get", "form", "direct")),
}


def profile_for(kind: Kind) -> Profile:
    """The profile of a kind of engine."""
    return PROFILES[kind]


def kind_from_probe(server_header: str, fuseki_ping: bool, graphdb: bool, qlever: bool) -> Kind:
    """The kind of engine from what a probe saw (see :func:`kg.engine.detect.detect`).

    >>> kind_from_probe("Virtuoso/07.20.3229 (Linux)", False, False, False)
    'virtuoso'
    >>> kind_from_probe("", False, False, False)
    'generic'
    """
    server = server_header.lower()
    if server.startswith("virtuoso"):
        return "virtuoso"
    if server.startswith("oxigraph"):
        return "oxigraph"
    if fuseki_ping or "fuseki" in server or "jetty" in server:
        return "fuseki" if fuseki_ping else "generic"
    if graphdb:
        return "graphdb"
    if qlever:
        return "qlever"
    return "generic"


async def detect(session: aiohttp.ClientSession, url: str, *, timeout_s: float = 5.0) -> Kind:
    """Which kind of engine answers at a query URL: Virtuoso and Oxigraph by their ``Server``
    header, Fuseki by ``/$/ping`` at its root, GraphDB by ``/rest/repositories``, QLever by
    ``?cmd=stats``; anything else is ``generic``. Each probe is a short GET; a probe that fails
    says nothing (an unreachable engine is ``generic`` and fails on first use)."""
    limit = aiohttp.ClientTimeout(total=timeout_s)

    async def probe(target: str, **params: str) -> tuple[int, str, bytes]:
        try:
            async with session.get(target, params=params, timeout=limit, allow_redirects=False) as r:
                return r.status, r.headers.get("server", ""), await r.content.read(4096)
        except (aiohttp.ClientError, OSError, TimeoutError):
            return 0, "", b""

    _, server, _ = await probe(url, query="ASK {}")
    if server.lower().startswith(("virtuoso", "oxigraph")):
        return kind_from_probe(server, False, False, False)
    split = urlsplit(url)
    root = urlunsplit((split.scheme, split.netloc, "", "", ""))
    ping, _, _ = await probe(f"{root}/$/ping")
    if ping == 200:
        return "fuseki"
    repositories, _, _ = await probe(f"{root}/rest/repositories")
    if repositories == 200:
        return "graphdb"
    stats, _, body = await probe(url, cmd="stats")
    if stats == 200 and b"num-triples" in body.replace(b"_", b"-").lower():
        return "qlever"
    return kind_from_probe(server, False, False, False)
