"""Collecting the cooperation network of a cluster from the graph: :func:`cooperation_network`.

The members are the agents with a ``ckg:ClusterMembership`` in the cluster. The edges come from
one query per kind of cooperation (``kg/rq/network-*.rq``, the cluster bound as an RDF term by
:func:`kg.engine.binding.bind_values`), each row two agents, what joins them and the graphs
that state each side (:mod:`kg.analysis.model` lists the kinds). Project and supply edges are
scoped by the cluster's projects, so partners that are not members appear as nodes
(``member=False``); the other kinds join two members. A reason's graphs drop the inferred graph
when another graph states it too. The nodes' labels and kinds come last, in one query for all;
then :func:`kg.analysis.metrics.measure` adds degree, betweenness and communities.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kg import rq
from kg.analysis.metrics import measure
from kg.analysis.model import Direction, Edge, EdgeKind, Network, Node, NodeKind, Reason
from kg.engine import binding
from kg.namespaces import INFERRED_GRAPH
from kg.terms import Term

Row = dict[str, Term]
Select = Callable[[str], Awaitable[list[Row]]]
"""Runs a SELECT over the union of the graphs and returns its rows (as
:meth:`kg.engine.client.EngineClient.select` does, its timeout bound by the caller)."""

EDGE_QUERIES: dict[EdgeKind, tuple[str, bool]] = {
    "project": ("network-projects", False),
    "ip-right": ("network-ip", False),
    "licence": ("network-licences", True),
    "technology": ("network-technologies", False),
    "supply": ("network-stages", True),
    "service": ("network-services", True),
}
"""Each kind's query and whether its rows are directed (``?a`` -> ``?b``)."""
INFERRED = str(INFERRED_GRAPH)


def text(row: Row, name: str) -> str | None:
    """The IRI or lexical form bound to a variable, else ``None``.

    >>> text({"x": ox.Literal("a")}, "x"), text({}, "x")
    ('a', None)
    """
    term = row.get(name)
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


def evidence(graphs: Iterable[str | None]) -> tuple[str, ...]:
    """The graphs that state something, sorted; the inferred graph only if no other does.

    >>> evidence(["https://w3id.org/clusterkg/graph/inferred", "b", None, "a", "b"])
    ('a', 'b')
    """
    found = {g for g in graphs if g}
    stated = found - {INFERRED}
    return tuple(sorted(stated or found))


@dataclass
class _Pending:
    """What the rows say about one reason, before it is frozen."""

    kind: EdgeKind
    via: str | None
    label_en: str | None
    label_ru: str | None
    direction: Direction | None
    graphs: set[str]


def edges_from_rows(
    kind: EdgeKind, directed: bool, rows: Iterable[Row]
) -> dict[tuple[str, str], list[Reason]]:
    """The reasons of one kind by pair of agents (sorted IRIs), from an edge query's rows.

    >>> a, b = ox.NamedNode("http://x/a"), ox.NamedNode("http://x/b")
    >>> rows = [{"a": b, "b": a, "via": ox.NamedNode("http://x/l"), "ga": ox.NamedNode("http://x/g")}]
    >>> edges_from_rows("licence", True, rows)[("http://x/a", "http://x/b")][0].direction
    'backward'
    """
    pending: dict[tuple[str, str, str | None, Direction | None], _Pending] = {}
    for row in rows:
        a, b = text(row, "a"), text(row, "b")
        if a is None or b is None or a == b:
            continue
        source, target = sorted((a, b))
        direction: Direction | None = None
        if directed:
            direction = "forward" if source == a else "backward"
        via = text(row, "via")
        key = (source, target, via, direction)
        item = pending.get(key)
        if item is None:
            item = pending[key] = _Pending(
                kind, via, text(row, "viaLabelEn"), text(row, "viaLabelRu"), direction, set()
            )
        item.graphs.update(g for g in (text(row, "ga"), text(row, "gb")) if g)
    found: dict[tuple[str, str], list[Reason]] = {}
    for (source, target, _, _), item in sorted(pending.items(), key=lambda kv: _order(kv[0])):
        reason = Reason(
            item.kind, item.via, item.label_en, item.label_ru, evidence(item.graphs), item.direction
        )
        found.setdefault((source, target), []).append(reason)
    return found


def _order(key: tuple[str, str, str | None, Direction | None]) -> tuple[str, str, str, str]:
    return (key[0], key[1], key[2] or "", key[3] or "")


def _kind(row: Row) -> NodeKind:
    if text(row, "isGroup") == "true":
        return "group"
    if text(row, "isEnterprise") == "true":
        return "enterprise"
    if text(row, "isOrganisation") == "true":
        return "organisation"
    return "agent"


def _int(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


async def cooperation_network(select: Select, cluster: str) -> Network:
    """The cooperation network of a cluster (its IRI), with every node's metrics.

    An IRI that is no cluster gives an empty network; callers that must tell the two apart
    look the cluster up first (``kg/rq/network-cluster.rq``).
    """
    term = ox.NamedNode(cluster)

    async def rows(name: str) -> list[Row]:
        return await select(binding.bind_values(rq.load(name), {"cluster": term}))

    kinds = list(EDGE_QUERIES)
    answers = await asyncio.gather(rows("network-members"), *(rows(EDGE_QUERIES[k][0]) for k in kinds))
    members: dict[str, set[str]] = {}
    for row in answers[0]:
        agent = text(row, "agent")
        if agent is not None:
            roles = members.setdefault(agent, set())
            role = text(row, "role")
            if role is not None:
                roles.add(role)
    reasons: dict[tuple[str, str], list[Reason]] = {}
    for kind, found in zip(kinds, answers[1:], strict=True):
        for pair, more in edges_from_rows(kind, EDGE_QUERIES[kind][1], found).items():
            reasons.setdefault(pair, []).extend(more)
    edges = [Edge(source, target, tuple(rs)) for (source, target), rs in sorted(reasons.items())]
    iris = sorted(set(members) | {e.source for e in edges} | {e.target for e in edges})
    details: dict[str, Row] = {}
    if iris:
        table = binding.bind_values(rq.load("network-nodes"), ["node"], [[ox.NamedNode(i)] for i in iris])
        details = {iri: row for row in await select(table) if (iri := text(row, "node")) is not None}
    nodes = [
        Node(
            iri=iri,
            label_en=text(details.get(iri, {}), "labelEn"),
            label_ru=text(details.get(iri, {}), "labelRu"),
            kind=_kind(details.get(iri, {})),
            group_size=_int(text(details.get(iri, {}), "groupSize")),
            member=iri in members,
            roles=tuple(sorted(members.get(iri, ()))),
        )
        for iri in iris
    ]
    labels = await select(binding.bind_values(rq.load("network-cluster"), {"cluster": term}))
    first = labels[0] if labels else {}
    return measure(
        Network(
            cluster=cluster,
            nodes=tuple(nodes),
            edges=tuple(edges),
            cluster_label_en=text(first, "labelEn"),
            cluster_label_ru=text(first, "labelRu"),
        )
    )
