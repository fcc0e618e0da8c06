"""What a write changes, computed without changing the store: quads to delete and to insert.

Each SPARQL Update operation (and each Graph Store request) becomes steps
(:class:`kg.write.step.Step`), computed by reading (:mod:`kg.write.readers`): INSERT/DELETE DATA
from the data text, DELETE WHERE and DELETE/INSERT ... WHERE by running the WHERE clause as a
SELECT and instantiating the templates per solution (:mod:`kg.write.quad_templates`),
CLEAR/DROP/ADD/MOVE/COPY/CREATE from the graphs' current contents, LOAD from the fetched
document. The steps are folded, in order, into one
:class:`Delta`: a later insertion of a quad cancels an earlier deletion of it and the other
way round, and a cleared graph loses what was inserted into it before.

Graph semantics follow the server's queries: a WHERE clause's default graph is the union of
all graphs unless USING, WITH or ``using-graph-uri`` say otherwise; a template's triples
outside ``GRAPH`` go to WITH's graph, or else to the store's default graph. Blank nodes in
INSERT DATA, in templates and in uploads are fresh. An operation on a missing graph fails
unless SILENT, as in the engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import QueryError, RemoteError, RequestError
from kg.settings import Settings
from kg.sparql_text import UpdateOperation
from kg.terms import Term
from kg.versions.log import VERSIONS_GRAPH
from kg.write.quad_templates import GraphName, Template, data_quads
from kg.write.readers import Reader, Row
from kg.write.step import Step, named
from kg.write.uploads import fetch_rdf

READING_KINDS = frozenset({"DELETE WHERE", "MODIFY", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"})
"""Operations whose result depends on what the store holds."""


@dataclass
class Delta:
    """The net effect of the steps so far, to be checked against the store before committing."""

    insert: set[ox.Quad] = field(default_factory=set)
    delete: set[ox.Quad] = field(default_factory=set)
    cleared: set[GraphName] = field(default_factory=set)
    graphs: dict[ox.NamedNode, bool] = field(default_factory=dict)
    """Named graphs created (True) or dropped (False) by the write, by their final state."""
    anchors: set[ox.NamedNode] = field(default_factory=set)

    def apply(self, step: Step) -> None:
        """Fold one step into the delta."""
        self.anchors |= step.anchors
        for quad in step.delete:
            self.insert.discard(quad)
            self.delete.add(quad)
        if step.clear is not None:
            self.cleared.add(step.clear)
            self.insert = {q for q in self.insert if q.graph_name != step.clear}
        if step.drop is not None:
            self.graphs[step.drop] = False
        if step.create is not None:
            self.graphs[step.create] = True
        for quad in step.insert:
            self.delete.discard(quad)
            self.insert.add(quad)
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and self.graphs.get(graph) is False:
                self.graphs[graph] = True  # dropped, then made again by an insertion


def _graph(ref: str) -> GraphName:
    return ox.DefaultGraph() if ref == "DEFAULT" else ox.NamedNode(ref)


def _dataset(
    op: UpdateOperation, using_graphs: Sequence[str], using_named_graphs: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The default and named graphs of an operation's WHERE clause (empty: the server's default)."""
    if using_graphs or using_named_graphs:
        if op.using or op.using_named or op.with_iri:
            raise RequestError(
                "the update names its dataset both with using-graph-uri/using-named-graph-uri and "
                "with USING or WITH; use one or the other"
            )
        return list(using_graphs), list(using_named_graphs)
    if op.using or op.using_named:
        return list(op.using), list(op.using_named)
    if op.with_iri:
        return [op.with_iri], []
    return [], []


async def _missing(reader: Reader, graph: GraphName, op: UpdateOperation) -> list[ox.Quad] | None:
    """A graph's quads, or None (for SILENT) when the named graph does not exist."""
    content = await reader.content(graph)
    if content is None and not op.silent:
        raise QueryError(f"{op.kind}: the graph {graph} does not exist (add SILENT to ignore this)")
    return content


async def _targets(reader: Reader, ref: str) -> list[GraphName]:
    """The graphs CLEAR or DROP acts on: one graph, DEFAULT, NAMED or ALL (the version log is
    the server's record of the writes, not data: NAMED and ALL leave it, as they leave it to a
    new version's record)."""
    if ref == "DEFAULT":
        return [ox.DefaultGraph()]
    if ref in ("NAMED", "ALL"):
        named: list[GraphName] = [g for g in await reader.named_graphs() if g != VERSIONS_GRAPH]
        return [ox.DefaultGraph(), *named] if ref == "ALL" else named
    return [ox.NamedNode(ref)]


def _moved(quads: Iterable[ox.Quad], graph: GraphName) -> tuple[ox.Quad, ...]:
    """Quads put into another graph; their blank nodes are copied as new ones (as INSERT DATA
    would), so a copy never links into the blank nodes of its source."""
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def term(t: Term) -> Term:
        return fresh.setdefault(t, ox.BlankNode()) if isinstance(t, ox.BlankNode) else t

    return tuple(ox.Quad(term(q.subject), q.predicate, term(q.object), graph) for q in quads)  # type: ignore[arg-type]


async def operation_steps(
    op: UpdateOperation,
    reader: Reader,
    settings: Settings,
    *,
    using_graphs: Sequence[str] = (),
    using_named_graphs: Sequence[str] = (),
    timeout_s: float,
) -> list[Step]:
    """The steps of one update operation, computed by reading (never changing) the store.

    :raises QueryError: for a malformed part, or a missing graph without SILENT.
    :raises RequestError: for a dataset given twice, or a LOAD refused (without SILENT).
    :raises RemoteError: for a LOAD whose source cannot be fetched (without SILENT).
    """
    kind = op.kind
    if kind == "INSERT DATA":
        return [Step(insert=tuple(data_quads(op.prologue, op.data or "", what=kind)))]
    if kind == "DELETE DATA":
        return [Step(delete=tuple(data_quads(op.prologue, op.data or "", what=kind)))]
    if kind in ("DELETE WHERE", "MODIFY"):
        return [await _modify(op, reader, using_graphs, using_named_graphs)]
    if kind in ("CLEAR", "DROP"):
        steps: list[Step] = []
        for graph in await _targets(reader, op.target or "DEFAULT"):
            content = await _missing(reader, graph, op)
            if content is None:
                continue
            steps.append(Step.emptying(graph, content, drop=kind == "DROP"))
        return steps
    if kind == "CREATE":
        graph = ox.NamedNode(op.target or "")
        if await reader.exists(graph):
            if op.silent:
                return []
            raise QueryError(f"CREATE: the graph {graph} already exists (add SILENT to ignore this)")
        return [Step(create=graph)]
    if kind in ("ADD", "MOVE", "COPY"):
        return await _copy(op, reader)
    if kind == "LOAD":
        target = _graph(op.target or "DEFAULT")
        try:
            quads = await fetch_rdf(
                op.source or "",
                allow=settings.service_allow,
                max_bytes=settings.body_limit_bytes,
                timeout_s=timeout_s,
            )
        except (RequestError, RemoteError):
            if op.silent:
                return []
            raise
        return [Step(insert=_moved(quads, target))]
    raise QueryError(f"unsupported update operation {kind}")


async def _modify(
    op: UpdateOperation, reader: Reader, using_graphs: Sequence[str], using_named_graphs: Sequence[str]
) -> Step:
    default_graphs, named_graphs = _dataset(op, using_graphs, using_named_graphs)
    rows = await reader.select(
        f"{op.prologue}\nSELECT * WHERE {{{op.where}\n}}",
        default_graphs=default_graphs,
        named_graphs=named_graphs,
    )
    target: GraphName | None = ox.NamedNode(op.with_iri) if op.with_iri else None
    anchors = await _anchors(op, reader, rows, default_graphs, named_graphs)
    if op.kind == "DELETE WHERE":
        template = Template.parse(op.prologue, op.where or "", what="DELETE WHERE", allow_blank_nodes=False)
        return Step(delete=tuple(template.instantiate_all(rows)), anchors=anchors)
    delete: list[ox.Quad] = []
    insert: list[ox.Quad] = []
    if op.delete_template is not None:
        template = Template.parse(
            op.prologue,
            op.delete_template,
            what="the DELETE template",
            default_graph=target,
            allow_blank_nodes=False,
        )
        delete = template.instantiate_all(rows)
    if op.insert_template is not None:
        template = Template.parse(
            op.prologue, op.insert_template, what="the INSERT template", default_graph=target
        )
        insert = template.instantiate_all(rows)
    return Step(delete=tuple(delete), insert=tuple(insert), anchors=anchors)


async def _anchors(
    op: UpdateOperation, reader: Reader, rows: list[Row], default_graphs: list[str], named_graphs: list[str]
) -> frozenset[ox.NamedNode]:
    """IRIs linked to the blank nodes of the store that the WHERE clause bound.

    SPARQL cannot name a blank node of the store, so the neighbourhood finds them through
    IRIs: those bound in the same solutions, and those linked to them, found by running the
    WHERE clause again with one more link to each variable that bound a blank node.
    """
    found = {t for row in rows if _binds_blank(row) for t in row.values() if isinstance(t, ox.NamedNode)}
    variables = sorted({name for row in rows for name, t in row.items() if isinstance(t, ox.BlankNode)})
    tag = uuid.uuid4().hex
    anchor, predicate = f"?anchor_{tag}", f"?link_{tag}"
    for name in variables:
        query = (
            f"{op.prologue}\nSELECT DISTINCT {anchor} WHERE {{\n{{{op.where}\n}}\n"
            f"{{ {anchor} {predicate} ?{name} }} UNION {{ ?{name} {predicate} {anchor} }}\n"
            f"FILTER (isIRI({anchor}))\n}}"
        )
        answer = await reader.select(query, default_graphs=default_graphs, named_graphs=named_graphs)
        found |= {t for row in answer for t in row.values() if isinstance(t, ox.NamedNode)}
    return frozenset(found)


def _binds_blank(row: Row) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in row.values())


async def _copy(op: UpdateOperation, reader: Reader) -> list[Step]:
    """ADD, COPY and MOVE: the source's quads into the target (COPY and MOVE replace it)."""
    source, target = _graph(op.source or "DEFAULT"), _graph(op.target or "DEFAULT")
    content = await _missing(reader, source, op)
    if content is None or source == target:
        return []
    steps: list[Step] = []
    if op.kind in ("COPY", "MOVE"):
        steps.append(Step.emptying(target, await reader.content(target) or []))
    steps.append(Step(insert=_moved(content, target), create=named(target)))
    if op.kind == "MOVE":
        steps.append(Step.emptying(source, content, drop=True))
    return steps
