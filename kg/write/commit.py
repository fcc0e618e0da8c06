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
   blank nodes are new (the engine mints fresh ones, consistently within the operation); the
   bulk of a large write (an upload, its inferred triples) is held in in-memory pyoxigraph
   stores and written into it graph by graph as N-Triples by pyoxigraph, without a Python
   object per quad;
5. ``CREATE SILENT GRAPH`` for graphs the write creates empty.

Terms are written by pyoxigraph (``str()``, the escaped N-Triples form), never from text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

import pyoxigraph as ox

from kg.errors import Unprocessable
from kg.terms import Term
from kg.write.quad_templates import GraphName
from kg.write.step import blanks_of, has_blank


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
    bulk: Sequence[ox.Store] = ()
    """More quads to insert, held in stores; none of their blank nodes is one of the store."""

    def empty(self) -> bool:
        """Whether there is nothing to commit."""
        return not (self.delete or self.insert or self.clear or self.drop or self.create or any(self.bulk))

    def additions_only(self) -> bool:
        """Whether the plan only adds the quads of its bulk stores (an upload of new data): then
        it can be committed as one N-Quads document (:func:`write_nquads`) instead of an update."""
        if self.delete or self.insert or self.clear or self.drop:
            return False
        filled = {g for store in self.bulk for g in store.named_graphs()}
        return self.create <= filled


def write_nquads(plan: CommitPlan, out: IO[bytes]) -> None:
    """Write the bulk stores of an additions-only plan to ``out`` as one N-Quads document
    (blank nodes shared between the stores keep one label, so they stay one node).

    pyoxigraph writes it in buffered pieces: to a file, it never takes the whole document's
    size in memory (as bytes, 170k quads are about 30 MB, held twice while they are joined).
    """
    for store in plan.bulk:
        if len(store):
            store.dump(out, format=ox.RdfFormat.N_QUADS)


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
        found = blanks_of(quad)
        for b in found[1:]:
            parent[find(b)] = find(found[0])
        if found:
            find(found[0])

    touched = [q for q in plan.delete if has_blank(q) and q.graph_name not in plan.clear]
    touched += [q for q in plan.insert if has_blank(q)]
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
            todo += [b for b in blanks_of(quad) if b in plan.existing and b not in done]
    groups: dict[ox.BlankNode, tuple[set[ox.BlankNode], list[ox.Quad], list[ox.Quad]]] = {}
    for blank in list(parent):
        groups.setdefault(find(blank), (set(), [], []))[0].add(blank)
    for quad in touched:
        _, deletions, insertions = groups[find(blanks_of(quad)[0])]
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
            raise unidentified(blank)
        pattern |= described
    if any(q.graph_name in plan.clear for q in insert):
        raise Unprocessable(
            "the write both empties a graph and links blank nodes of the store into it; split it in two",
        )
    delete = [q for q in delete if q.graph_name not in plan.clear]
    return (
        f"DELETE {{\n{quad_block(delete, names)}\n}}\nINSERT {{\n{quad_block(insert, names)}\n}}\n"
        f"WHERE {{\n{quad_block(pattern, names)}\n}}"
    )


def unidentified(blank: ox.BlankNode) -> Unprocessable:
    """The refusal of a write that changes a blank node of the store no neighbourhood reached."""
    return Unprocessable(
        f"the write changes the blank node {blank} of the store, which cannot be identified: it is "
        "not linked to any IRI near the write. Change it through the IRI it hangs from, or "
        "replace its whole graph (PUT, or CLEAR and INSERT DATA).",
    )


def commit_update(plan: CommitPlan) -> str:
    """The one SPARQL update request that commits the plan (see the module docstring).

    :raises RequestError: 422 when a blank node of the store cannot be identified.
    """
    pieces: list[str] = []  # joined once at the end: a large INSERT DATA is copied once

    def operation(*texts: str) -> None:
        if pieces:
            pieces.append(" ;\n")
        # all ASCII, so that the joined request takes one byte a character (see _ascii)
        pieces.extend(t if t.isascii() else _ascii(t.encode("utf-8")) for t in texts)

    in_patterns: set[ox.Quad] = set()
    for blanks, delete, insert in _components(plan):
        operation(_pattern_operation(plan, blanks, delete, insert))
        in_patterns.update(delete, insert)
    for graph in sorted(plan.clear, key=str):
        verb = "DROP" if graph in plan.drop else "CLEAR"
        target = "DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph}"
        operation(f"{verb} SILENT {target}")
    for graph in sorted(plan.drop - plan.clear, key=str):
        operation(f"DROP SILENT GRAPH {graph}")
    deletions = [q for q in plan.delete - in_patterns if q.graph_name not in plan.clear]
    if deletions:
        operation(f"DELETE DATA {{\n{quad_block(deletions)}\n}}")
    insertions = plan.insert - in_patterns
    bulk = [store for store in plan.bulk if len(store)]
    if insertions or bulk:
        small = [quad_block(insertions), "\n"] if insertions else []
        operation("INSERT DATA {\n", *small, *(text for store in bulk for text in _store_block(store)), "}")
    for graph in sorted(plan.create, key=str):
        operation(f"CREATE SILENT GRAPH {graph}")
    return "".join(pieces)


def _store_block(store: ox.Store) -> Iterator[str]:
    """A store's quads as quad data: its default graph's triples, then one GRAPH block per graph."""
    default = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    if default:
        yield _ascii(default)
    for graph in sorted(store.named_graphs(), key=str):
        yield f"GRAPH {graph} {{\n"
        yield _ascii(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b"")
        yield "}\n"


_NON_ASCII = re.compile(rb"[\x80-\xff]+")


def _ascii(text: bytes) -> str:
    """UTF-8 N-Triples as ASCII, other characters as SPARQL escapes (``\\u0441``).

    A Python string with one Cyrillic letter takes two bytes a character: a large update, all
    IRIs and a few Russian labels, would take twice the memory.

    >>> _ascii('"дом" .'.encode())
    '"\\\\u0434\\\\u043E\\\\u043C" .'
    """
    return _NON_ASCII.sub(lambda m: _escape(m.group().decode("utf-8")).encode("ascii"), text).decode("ascii")


def _escape(text: str) -> str:
    return "".join(f"\\u{ord(c):04X}" if ord(c) < 0x10000 else f"\\U{ord(c):08X}" for c in text)
