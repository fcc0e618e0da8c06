"""The part of the store around a write: the quads that validating and reasoning on it need.

The neighbourhood of some nodes is fetched in rounds: round 0 fetches the quads of the nodes,
each further round the quads of the IRIs the previous round found. A node's distance is the
round that fetched its quads. The quads of a node are:

- its *outgoing* quads (every quad whose subject it is: its types, its values, its links);
- its *incoming* quads along the predicates that validation or reasoning follow from object
  to subject (:class:`kg.write.reach.Reach`: ``ckg:stageOf`` for the other stages of a value chain,
  the inverse properties, ...), or along every predicate for an *open* node (one whose own
  quads the write changes: what points at it may have become invalid, so it is fetched, and
  validated, too);
- and the quads of the blank nodes up to two links away along those
  (``kg/rq/writes-outgoing.rq``, ``kg/rq/writes-incoming.rq``).

Incoming quads along the other predicates are not followed: nothing reads them backwards. This
is what keeps hubs out of a neighbourhood: the statistics that name a unit of measure, the
memberships of a cluster, the projects of a shared technology; the old rule (every quad of
every node within three links) pulled a large part of the store in through them.

Besides the engine (the store before the write), a neighbourhood reads quads held in memory
(:class:`Local`): the write's insertions (kept apart, in :attr:`Neighbourhood.added`, so that
the rounds walk the store as it is both before and after the write) and the store's default
graph (which the queries, over named graphs, do not see). Ontology terms (every IRI of the
ontology graph, and the RDF, RDFS, OWL, XSD and SHACL vocabularies) and classes (objects of
``rdf:type``) are never followed: they link everything to everything. The ontology graph
itself is not fetched.

Nodes are bound into the queries by :func:`kg.engine.binding.bind_values`, as terms, never as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import rq
from kg.engine.binding import bind_values
from kg.terms import RDF_TYPE
from kg.versions.log import VERSIONS_GRAPH as LOG
from kg.write.reach import EVERYTHING, Reach
from kg.write.readers import EngineReader
from kg.write.step import blank_nodes

INCOMING_MARKERS = ("#@in-1", "#@in-2", "#@in-3")
"""The lines of ``writes-incoming.rq`` that receive the predicates followed backwards."""
CHUNK = 500
"""Terms bound into one query, at the most (a larger write's queries go in chunks)."""
VOCABULARIES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.w3.org/ns/shacl#",
)


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
    """The store's quads (before the write)."""
    added: set[ox.Quad] = field(default_factory=set)
    """The write's insertions among the quads of the fetched nodes."""
    distance: dict[ox.NamedNode, int] = field(default_factory=dict)

    def within(self, hops: int) -> set[ox.NamedNode]:
        """The IRIs at most ``hops`` rounds away (their quads were all fetched)."""
        return {node for node, d in self.distance.items() if d <= hops}

    def blank_nodes(self) -> set[ox.BlankNode]:
        """Every blank node in the fetched quads of the store."""
        return blank_nodes(self.quads)


def next_nodes(quads: Iterable[ox.Quad], ontology_terms: frozenset[str]) -> set[ox.NamedNode]:
    """The IRIs a round found, to fetch next: subjects and objects, not classes or ontology terms."""
    found: set[ox.NamedNode] = set()
    for q in quads:
        if followed(q.subject, ontology_terms):
            found.add(q.subject)  # type: ignore[arg-type]
        if q.predicate != RDF_TYPE and followed(q.object, ontology_terms):
            found.add(q.object)  # type: ignore[arg-type]
    return found


class Local:
    """Quads held in memory that a neighbourhood reads besides the engine's (see the module
    docstring): a node's quads are looked up as the queries look them up in the engine."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def around(self, node: ox.NamedNode, backward: Reach, *, opened: bool) -> set[ox.Quad]:
        """The node's outgoing quads, its incoming ones (all when ``opened``, else those that
        ``backward`` follows), and the quads of blank nodes up to two links along them."""
        found = set(self.store.quads_for_pattern(node, None, None, None))
        if opened or backward.every:
            found.update(self.store.quads_for_pattern(None, None, node, None))
        else:
            for predicate in backward.backward:
                found.update(self.store.quads_for_pattern(None, predicate, node, None))
        blanks = blank_nodes(found)
        for _ in range(2):
            around: set[ox.Quad] = set()
            for blank in blanks:
                around.update(self.store.quads_for_pattern(blank, None, None, None))
                around.update(self.store.quads_for_pattern(None, None, blank, None))
            blanks = blank_nodes(around) - blanks
            found |= around
        return found


async def _engine_quads(
    reader: EngineReader, nodes: Sequence[ox.NamedNode], backward: Reach, opened: Set[ox.NamedNode]
) -> set[ox.Quad]:
    """The quads of some nodes in the engine (outgoing, and incoming as :class:`Local` does)."""
    found: set[ox.Quad] = set()
    outgoing, incoming = rq.load("writes-outgoing"), rq.load("writes-incoming")
    along = [[p] for p in sorted(backward.backward, key=lambda p: p.value)]
    for start in range(0, len(nodes), CHUNK):
        chunk = nodes[start : start + CHUNK]
        found.update(await reader.select_quads(bind_values(outgoing, ["node"], [[n] for n in chunk])))
        everything = [n for n in chunk if backward.every or n in opened]
        some = [n for n in chunk if not (backward.every or n in opened)]
        for group, predicates in ((everything, [[None]]), (some, along)):
            if not group or not predicates:
                continue
            query = bind_values(incoming, ["node"], [[n] for n in group])
            for marker in INCOMING_MARKERS:
                query = bind_values(query, ["in"], predicates, marker=marker)
            found.update(await reader.select_quads(query))
    return found


async def fetch(
    reader: EngineReader,
    seeds: Iterable[ox.NamedNode],
    *,
    rounds: int,
    ontology_terms: frozenset[str],
    backward: Reach = EVERYTHING,
    opened: Set[ox.NamedNode] = frozenset(),
    inserted: Local | None = None,
    default_graph: Local | None = None,
) -> Neighbourhood:
    """Fetch the quads around ``seeds`` in ``rounds`` rounds (see the module docstring); the
    version log is history, not data: none of its quads is fetched, validated or reasoned on.

    :param backward: the predicates followed from object to subject (default: all of them).
    :param opened: the nodes whose incoming quads are all followed, whatever ``backward`` says.
    :param inserted: the write's insertions (they go to :attr:`Neighbourhood.added`).
    :param default_graph: the store's default graph.
    """
    hood = Neighbourhood()
    frontier = {s for s in seeds if followed(s, ontology_terms)}
    for distance in range(rounds):
        for node in frontier:
            hood.distance[node] = distance
        ordered = sorted(frontier, key=lambda n: n.value)
        found = {q for q in await _engine_quads(reader, ordered, backward, opened) if q.graph_name != LOG}
        added: set[ox.Quad] = set()
        for node in ordered:
            if default_graph is not None:
                found |= default_graph.around(node, backward, opened=node in opened)
            if inserted is not None:
                # the nodes the write links to a node are write nodes themselves: not opened
                added |= inserted.around(node, backward, opened=False)
        hood.quads |= found
        hood.added |= added
        frontier = next_nodes(found | added, ontology_terms) - hood.distance.keys()
        if not frontier:
            break
    return hood
