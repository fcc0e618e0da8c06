"""Where a write reads the data it changes: the engine itself, or a staging copy of it.

A write's delta is computed by reading, never by writing: a WHERE clause is run as a SELECT,
a graph operation reads the graph's content. :class:`EngineReader` reads the engine (the
store as it is); :class:`StagingReader` reads an in-memory pyoxigraph copy of the whole store,
on which the operations of a multi-operation update are applied one after the other, so that
a later operation reads what an earlier one wrote (see :mod:`kg.write.pipeline`).

Both read the default graph of a WHERE clause as the union of all graphs, as the server's
queries do, unless USING / WITH / ``using-graph-uri`` name its graphs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

import pyoxigraph as ox

from kg import rq
from kg.engine.binding import bind_values
from kg.engine.client import EngineClient
from kg.errors import EngineError, QueryError, QueryTimeout, ResultTooLarge
from kg.terms import Term
from kg.write.quad_templates import GraphName
from kg.write.step import Step, blank_nodes

RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
Row = dict[str, Term]


class Reader(Protocol):
    """What computing a delta needs to read.

    ``existing`` collects the blank nodes of the store met while reading (any other blank node
    in a delta is a new one).
    """

    existing: set[ox.BlankNode]

    async def select(
        self, query: str, *, default_graphs: Sequence[str], named_graphs: Sequence[str]
    ) -> list[Row]:
        """Run a SELECT (from an update's WHERE clause) and return its rows."""
        ...

    async def content(self, graph: GraphName) -> list[ox.Quad] | None:
        """The quads of a graph; None when a named graph does not exist."""
        ...

    async def named_graphs(self) -> list[ox.NamedNode]:
        """Every named graph, empty ones included."""
        ...

    async def exists(self, graph: ox.NamedNode) -> bool:
        """Whether a named graph exists."""
        ...

    def apply(self, step: Step) -> None:
        """Make the copy reflect a step of the update (only a staging copy can)."""
        ...


def _rows(body: bytes, max_rows: int) -> list[Row]:
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if not isinstance(parsed, ox.QuerySolutions):
        raise QueryError("expected SELECT results")
    return _solutions(parsed, max_rows)


def _solutions(parsed: ox.QuerySolutions, max_rows: int) -> list[Row]:
    names = [v.value for v in parsed.variables]
    rows: list[Row] = []
    for solution in parsed:
        if len(rows) >= max_rows:
            raise ResultTooLarge(
                f"the update's WHERE clause has more than {max_rows} solutions; split the update"
            )
        rows.append({n: t for n in names if (t := solution[n]) is not None})
    return rows


class EngineReader:
    """Reads the engine through its client (SPARQL Protocol and Graph Store Protocol)."""

    def __init__(self, client: EngineClient, *, timeout_s: float, max_rows: int) -> None:
        self.client = client
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.existing: set[ox.BlankNode] = set()

    async def select(
        self, query: str, *, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> list[Row]:
        answer = await self.client.query(
            query,
            accept=RESULTS_JSON,
            timeout_s=self.timeout_s,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
        )
        try:
            rows = _rows(answer.body, self.max_rows)
        except SyntaxError as exc:
            raise EngineError(f"the engine's answer was malformed: {exc}") from None
        self.existing |= {t for row in rows for t in row.values() if isinstance(t, ox.BlankNode)}
        return rows

    async def select_quads(self, query: str) -> list[ox.Quad]:
        """Run a SELECT of quads (``?s ?p ?o ?g``) over the union of all graphs."""
        rows = await self.select(query)
        return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]  # type: ignore[arg-type]

    async def content(self, graph: GraphName) -> list[ox.Quad] | None:
        name = graph.value if isinstance(graph, ox.NamedNode) else None
        answer = await self.client.graph_store("GET", graph=name, accept=NTRIPLES, timeout_s=self.timeout_s)
        if answer.status == 404 and name is not None:
            return None
        if answer.status >= 400:
            message = answer.body.decode("utf-8", "replace")[:500]
            raise EngineError(f"the engine could not read graph {graph}: {message}")
        try:
            quads = [
                ox.Quad(t.subject, t.predicate, t.object, graph)
                for t in ox.parse(answer.body, ox.RdfFormat.N_TRIPLES)
            ]
        except SyntaxError as exc:
            raise EngineError(f"the engine's graph {graph} was malformed: {exc}") from None
        self.existing |= blank_nodes(quads)
        return quads

    async def named_graphs(self) -> list[ox.NamedNode]:
        rows = await self.select(rq.load("writes-named-graphs"))
        return [g for row in rows if isinstance(g := row.get("g"), ox.NamedNode)]

    async def exists(self, graph: ox.NamedNode) -> bool:
        rows = await self.select(bind_values(rq.load("writes-graphs-exist"), ["g"], [[graph]]))
        return bool(rows)

    async def dump(self) -> list[ox.Quad]:
        """Every quad of the store (named graphs by SELECT, the default graph by GSP)."""
        quads = await self.select_quads(rq.load("writes-dump"))
        quads += await self.content(ox.DefaultGraph()) or []
        return quads

    def apply(self, step: Step) -> None:
        """Nothing: the engine is never changed while a delta is computed (no operation reads
        after another one changed something on this path)."""


class StagingReader:
    """An in-memory pyoxigraph copy of the store, changed step by step.

    pyoxigraph cannot stop a query, so a WHERE clause runs in a worker thread and the write
    gives up waiting after its time limit (the thread may run on; see :mod:`kg.write.pipeline`).
    """

    def __init__(
        self, quads: Sequence[ox.Quad], graphs: Sequence[ox.NamedNode], *, timeout_s: float, max_rows: int
    ) -> None:
        self.store = ox.Store()
        self.store.extend(quads)
        self.existing = blank_nodes(quads)
        for graph in graphs:
            self.store.add_graph(graph)
        self.timeout_s = timeout_s
        self.max_rows = max_rows

    async def select(
        self, query: str, *, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> list[Row]:
        def run() -> list[Row]:
            try:
                result = self.store.query(
                    query,
                    use_default_graph_as_union=not default_graphs,
                    default_graph=[ox.NamedNode(g) for g in default_graphs] or None,
                    named_graphs=[ox.NamedNode(g) for g in named_graphs] or None,
                )
            except SyntaxError as exc:
                raise QueryError(f"malformed WHERE clause: {exc}") from None
            if not isinstance(result, ox.QuerySolutions):
                raise QueryError("expected SELECT results")
            return _solutions(result, self.max_rows)

        try:
            return await asyncio.wait_for(asyncio.to_thread(run), self.timeout_s)
        except TimeoutError:
            raise QueryTimeout(f"the update timed out after {self.timeout_s} s") from None

    async def content(self, graph: GraphName) -> list[ox.Quad] | None:
        if isinstance(graph, ox.NamedNode) and not self.store.contains_named_graph(graph):
            return None
        return list(self.store.quads_for_pattern(None, None, None, graph))

    async def named_graphs(self) -> list[ox.NamedNode]:
        return [g for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)]

    async def exists(self, graph: ox.NamedNode) -> bool:
        return self.store.contains_named_graph(graph)

    def apply(self, step: Step) -> None:
        """Apply a step to the copy: deletions, graph drop and creation, then insertions."""
        for quad in step.delete:
            self.store.remove(quad)
        if step.drop is not None:
            self.store.remove_graph(step.drop)
        if step.create is not None:
            self.store.add_graph(step.create)
        self.store.extend(step.insert)
