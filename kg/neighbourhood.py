"""The part of the store around a write: the quads that validating and reasoning on it need.

The neighbourhood is fetched in rounds from the engine: round 0 fetches the quads of the
write's nodes (every quad whose subject or object is one of them, plus the quads of blank
nodes up to two links away from one, ``kg/sparql/writes-neighbourhood.rq``); each further
round fetches the quads of the IRIs the previous round found. A node's distance is the round
that fetched its quads. Ontology terms (every IRI of the ontology graph, and the RDF, RDFS,
OWL, XSD and SHACL vocabularies) and classes (objects of ``rdf:type``) are never followed: they
link everything to everything. The ontology graph itself is not fetched.

Nodes are bound into the queries by :func:`bind_values`, as terms, never as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg import sparql

if TYPE_CHECKING:
    from kg.readers import EngineReader

MARKER = "#@values"
CHUNK = 500
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOCABULARIES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.w3.org/ns/shacl#",
)
_VARIABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

ValueTerm = ox.NamedNode | ox.Literal


def bind_values(query: str, variables: Sequence[str], rows: Iterable[Sequence[ValueTerm | None]]) -> str:
    """Put a VALUES block, built from pyoxigraph terms, at the query's ``#@values`` line.

    A term is written in its N-Triples form (``str()`` of a pyoxigraph term, escaped by
    pyoxigraph), None as UNDEF. Blank nodes cannot be bound: SPARQL has no syntax for a
    blank node of the store.

    >>> bind_values("SELECT * {\\n  #@values\\n}", ["g"], [[ox.NamedNode("http://e/g")]])
    'SELECT * {\\n  VALUES (?g) {\\n    (<http://e/g>)\\n  }\\n}'

    :raises ValueError: for a query without exactly one marker line, a bad variable name, a
        row of the wrong length or a term that cannot be bound.
    """
    lines = query.split("\n")
    marks = [i for i, line in enumerate(lines) if line.strip() == MARKER]
    if len(marks) != 1:
        raise ValueError(f"the query needs exactly one {MARKER!r} line, it has {len(marks)}")
    if not variables or not all(_VARIABLE_RE.fullmatch(v) for v in variables):
        raise ValueError(f"bad VALUES variables {variables!r}")
    indent = lines[marks[0]][: len(lines[marks[0]]) - len(lines[marks[0]].lstrip())]
    body: list[str] = []
    for row in rows:
        if len(row) != len(variables):
            raise ValueError(f"a VALUES row has {len(row)} terms for {len(variables)} variables")
        cells = []
        for term in row:
            if term is None:
                cells.append("UNDEF")
            elif isinstance(term, ox.NamedNode | ox.Literal):
                cells.append(str(term))
            else:
                raise ValueError(f"cannot bind {term!r} in VALUES")
        body.append(f"{indent}  ({' '.join(cells)})")
    head = f"{indent}VALUES ({' '.join('?' + v for v in variables)}) {{"
    lines[marks[0] : marks[0] + 1] = [head, *body, f"{indent}}}"]
    return "\n".join(lines)


def followed(term: object, ontology_terms: frozenset[str]) -> bool:
    """Whether a neighbourhood grows through this term (data IRIs only)."""
    return (
        isinstance(term, ox.NamedNode)
        and term.value not in ontology_terms
        and not term.value.startswith(VOCABULARIES)
    )


@dataclass
class Neighbourhood:
    """Quads around some nodes, and each IRI's distance from them (0 for the nodes)."""

    quads: set[ox.Quad] = field(default_factory=set)
    distance: dict[ox.NamedNode, int] = field(default_factory=dict)

    def within(self, hops: int) -> set[ox.NamedNode]:
        """The IRIs at most ``hops`` rounds away (their quads were all fetched)."""
        return {node for node, d in self.distance.items() if d <= hops}

    def blank_nodes(self) -> set[ox.BlankNode]:
        """Every blank node in the fetched quads."""
        return {t for q in self.quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}


def next_nodes(quads: Iterable[ox.Quad], ontology_terms: frozenset[str]) -> set[ox.NamedNode]:
    """The IRIs a round found, to fetch next: subjects and objects, not classes or ontology terms."""
    found: set[ox.NamedNode] = set()
    for q in quads:
        if followed(q.subject, ontology_terms):
            found.add(q.subject)  # type: ignore[arg-type]
        if q.predicate != RDF_TYPE and followed(q.object, ontology_terms):
            found.add(q.object)  # type: ignore[arg-type]
    return found


async def fetch(
    reader: EngineReader,
    seeds: Iterable[ox.NamedNode],
    *,
    rounds: int,
    ontology_terms: frozenset[str],
) -> Neighbourhood:
    """Fetch the quads around ``seeds`` in ``rounds`` rounds (plus the whole default graph)."""
    hood = Neighbourhood()
    frontier = {s for s in seeds if followed(s, ontology_terms)}
    query = sparql.load("writes-neighbourhood")
    for distance in range(rounds):
        for node in frontier:
            hood.distance[node] = distance
        found: set[ox.Quad] = set()
        ordered = sorted(frontier, key=lambda n: n.value)
        for start in range(0, len(ordered), CHUNK):
            rows = await reader.select(
                bind_values(query, ["node"], [[n] for n in ordered[start : start + CHUNK]])
            )
            found.update(ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)  # type: ignore[arg-type]
        hood.quads |= found
        frontier = next_nodes(found, ontology_terms) - hood.distance.keys()
        if not frontier:
            break
    hood.quads.update(await reader.content(ox.DefaultGraph()) or [])
    return hood


async def present(reader: EngineReader, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
    """Which of some quads of named graphs, without blank nodes, the store holds."""
    ordered = sorted(quads, key=str)
    query = sparql.load("writes-present")
    found: set[ox.Quad] = set()
    for start in range(0, len(ordered), CHUNK):
        rows = [(q.subject, q.predicate, q.object, q.graph_name) for q in ordered[start : start + CHUNK]]
        answer = await reader.select(bind_values(query, ["s", "p", "o", "g"], rows))  # type: ignore[arg-type]
        found.update(ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in answer)  # type: ignore[arg-type]
    return found
