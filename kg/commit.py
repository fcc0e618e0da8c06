"""A write's changes as ONE SPARQL update request, which the engine applies in one transaction.

Oxigraph runs all operations of an update request in a single transaction (the Oxigraph
server evaluates the request with ``Store.update``), and its queries read a snapshot, so a
concurrent reader sees the store either before or after the whole write; the tests check it.
The request, in order:

1. for blank nodes of the store that the write touches: ``DELETE { } INSERT { } WHERE { }``,
   one per group of linked blank nodes, where each is a variable pinned down by every quad of
   it that the neighbourhood holds (SPARQL cannot name a blank node of the store, and DELETE
   DATA refuses blank nodes). These run first, on the state before the write;
2. ``CLEAR SILENT`` / ``DROP SILENT`` for graphs the write empties (this also removes their
   blank-node quads);
3. ``DELETE DATA`` of the other deleted quads; 4. ``INSERT DATA`` of the inserted quads, whose
   blank nodes are new (the engine mints fresh ones, consistently within the operation);
5. ``CREATE SILENT GRAPH`` for graphs the write creates empty.

Terms are written by pyoxigraph (``str()``, the escaped N-Triples form), never from text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import RequestError
from kg.templates import GraphName

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class CommitPlan:
    """What the commit request must do."""

    delete: set[ox.Quad] = field(default_factory=set)
    insert: set[ox.Quad] = field(default_factory=set)
    clear: set[GraphName] = field(default_factory=set)
    drop: set[ox.NamedNode] = field(default_factory=set)
    create: set[ox.NamedNode] = field(default_factory=set)
    existing: set[ox.BlankNode] = field(default_factory=set)
    """Blank nodes of the store (the others in the quads are new)."""
    described: Mapping[ox.BlankNode, set[ox.Quad]] = field(default_factory=dict)
    """For each blank node of the store: its quads before the write (from the neighbourhood)."""

    def empty(self) -> bool:
        """Whether there is nothing to commit."""
        return not (self.delete or self.insert or self.clear or self.drop or self.create)


def _blanks(quad: ox.Quad) -> list[ox.BlankNode]:
    return [t for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]


def quad_block(quads: Iterable[ox.Quad], names: Mapping[ox.BlankNode, str] | None = None) -> str:
    """Quads as SPARQL quad data: default-graph triples, then one GRAPH block per graph.

    >>> quad_block([ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("a\\"b"),
    ...                     ox.NamedNode("http://e/g"))])
    'GRAPH <http://e/g> {\\n  <http://e/s> <http://e/p> "a\\\\"b" .\\n}'
    """
    names = names or {}

    def text(term: Term) -> str:
        return names.get(term, str(term)) if isinstance(term, ox.BlankNode) else str(term)

    by_graph: dict[str, list[str]] = defaultdict(list)
    for q in sorted(quads, key=str):
        key = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        by_graph[key].append(f"  {text(q.subject)} {text(q.predicate)} {text(q.object)} .")
    parts = []
    for graph in sorted(by_graph):
        lines = "\n".join(by_graph[graph])
        parts.append(lines if graph == "" else f"GRAPH {graph} {{\n{lines}\n}}")
    return "\n".join(parts)


def _components(plan: CommitPlan) -> list[tuple[set[ox.BlankNode], list[ox.Quad], list[ox.Quad]]]:
    """Groups of linked blank nodes holding a blank node of the store, with their deletions and insertions."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def find(b: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(b, b) != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    def link(quad: ox.Quad) -> None:
        blanks = _blanks(quad)
        for b in blanks[1:]:
            parent[find(b)] = find(blanks[0])
        if blanks:
            find(blanks[0])

    touched = [q for q in plan.delete if _blanks(q) and q.graph_name not in plan.clear]
    touched += [q for q in plan.insert if _blanks(q)]
    for quad in touched:
        link(quad)
    todo = [b for b in parent if b in plan.existing]
    done: set[ox.BlankNode] = set()
    while todo:  # a blank node of the store is pinned down by its quads, and so by theirs
        blank = todo.pop()
        if blank in done:
            continue
        done.add(blank)
        for quad in plan.described.get(blank, ()):
            link(quad)
            todo += [b for b in _blanks(quad) if b in plan.existing and b not in done]
    groups: dict[ox.BlankNode, tuple[set[ox.BlankNode], list[ox.Quad], list[ox.Quad]]] = {}
    for blank in list(parent):
        groups.setdefault(find(blank), (set(), [], []))[0].add(blank)
    for quad in touched:
        _, deletions, insertions = groups[find(_blanks(quad)[0])]
        (deletions if quad in plan.delete else insertions).append(quad)
    return [g for g in groups.values() if g[0] & plan.existing]


def _pattern_operation(
    plan: CommitPlan, blanks: set[ox.BlankNode], delete: list[ox.Quad], insert: list[ox.Quad]
) -> str:
    existing = sorted(blanks & plan.existing, key=str)
    names = {b: f"?b{i}" for i, b in enumerate(existing)}
    names.update({b: f"_:n{i}" for i, b in enumerate(sorted(blanks - plan.existing, key=str))})
    pattern: set[ox.Quad] = set()
    for blank in existing:
        described = plan.described.get(blank)
        if not described:
            raise RequestError(
                f"the write changes the blank node {blank} of the store, which cannot be identified: it is "
                "not linked to any IRI near the write. Change it through the IRI it hangs from, or "
                "replace its whole graph (PUT, or CLEAR and INSERT DATA).",
                status=422,
            )
        pattern |= described
    if any(q.graph_name in plan.clear for q in insert):
        raise RequestError(
            "the write both empties a graph and links blank nodes of the store into it; split it in two",
            status=422,
        )
    delete = [q for q in delete if q.graph_name not in plan.clear]
    return (
        f"DELETE {{\n{quad_block(delete, names)}\n}}\nINSERT {{\n{quad_block(insert, names)}\n}}\n"
        f"WHERE {{\n{quad_block(pattern, names)}\n}}"
    )


def commit_update(plan: CommitPlan) -> str:
    """The one SPARQL update request that commits the plan (see the module docstring).

    :raises RequestError: 422 when a blank node of the store cannot be identified.
    """
    operations: list[str] = []
    in_patterns: set[ox.Quad] = set()
    for blanks, delete, insert in _components(plan):
        operations.append(_pattern_operation(plan, blanks, delete, insert))
        in_patterns.update(delete, insert)
    for graph in sorted(plan.clear, key=str):
        verb = "DROP" if graph in plan.drop else "CLEAR"
        target = "DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph}"
        operations.append(f"{verb} SILENT {target}")
    for graph in sorted(plan.drop - plan.clear, key=str):
        operations.append(f"DROP SILENT GRAPH {graph}")
    deletions = [q for q in plan.delete - in_patterns if q.graph_name not in plan.clear]
    if deletions:
        operations.append(f"DELETE DATA {{\n{quad_block(deletions)}\n}}")
    insertions = plan.insert - in_patterns
    if insertions:
        operations.append(f"INSERT DATA {{\n{quad_block(insertions)}\n}}")
    for graph in sorted(plan.create, key=str):
        operations.append(f"CREATE SILENT GRAPH {graph}")
    return " ;\n".join(operations)
