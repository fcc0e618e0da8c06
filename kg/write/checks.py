"""Checking a write before it is committed: SHACL validation and the OWL 2 RL inferred change,
batch by batch over the nodes the write touches, each batch with its own neighbourhood.

The *seeds* of a write are the data IRIs its net change links (subjects and objects of the
quads it deletes and inserts, the IRIs that anchor its blank nodes) and the named graphs it
inserts into (a claim graph needs provenance). They are ordered so that linked seeds stay
together (a breadth-first walk over the changed quads) and cut into batches of at most
:data:`BATCH_SEEDS`. A small write is one batch. Each batch is checked on its own, and what
it needed is released before the next one:

1. **Neighbourhood** (:func:`kg.write.neighbourhood.fetch`): :data:`ROUNDS` rounds from the batch's
   seeds over the store and the write's insertions, following incoming quads only along the
   predicates that the shapes and the rules read backwards (:mod:`kg.write.reach`), and along every
   predicate into the *open* nodes (subjects of changed quads, and objects of a changed
   ``owl:sameAs``), whose neighbours in the store may have become invalid.
2. **Validation**: the neighbourhood as it will be after the write (its inferred and ontology
   graphs left out, the ontology file mixed in, as at build) is validated with the SHACL shapes
   (:mod:`kg.validation`). The focus nodes are the batch's seeds and the IRIs one link from them
   that are not seeds themselves (a seed is validated in its own batch). The shapes read a focus
   node's quads, the quads of the nodes one link away (their types for ``sh:class``, their
   values for a path of two steps or a SPARQL constraint) and, along the predicates they read
   backwards, two links away (the other stages of a value chain); the neighbourhood has all of
   that for every focus node (a shape that read further, a path of three steps say, would need
   more :data:`ROUNDS`). Once a batch fails, the others are validated but not reasoned on,
   and :class:`~kg.errors.ValidationFailed` is raised with the results of every failing batch
   in one report (checks stop early past :data:`MAX_REPORTED` results, and say so); nothing
   is written.
3. **Inference** (:func:`inferred_change`): OWL 2 RL is materialised on the neighbourhood with
   the ontology, before and after the write; the change is kept for the nodes whose quads were
   fetched. The triples to add are gathered in an in-memory pyoxigraph store (deduplicated
   across batches), the triples to remove in a set.

Inserted quads that link no data IRI (a blank node's type, say) join the first batch.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg import sources, validation
from kg.errors import Unprocessable, ValidationFailed
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.reasoning import rl
from kg.versions.log import VERSIONS_GRAPH
from kg.write.neighbourhood import Local, Neighbourhood, fetch, followed
from kg.write.reach import Reach, rule_reach, shape_reach
from kg.write.readers import EngineReader
from kg.write.step import blank_nodes, blanks_of

ROUNDS = 4
"""Rounds of neighbourhood fetching: the seeds, and three links further."""
VALIDATION_HOPS = 1
"""Focus nodes of validation: the seeds and the IRIs this many links away."""
BATCH_SEEDS = 200
"""Seeds per batch: bounds the neighbourhood, the rdflib graph of pySHACL and the reasoning
stores that one batch holds at a time. Smaller batches are also faster, up to a point: the
SPARQL constraints of the shapes scan the whole batch graph for each focus node. 100k
uploaded triples in front of a 1M-triple store: 90 s with 200 seeds a batch, 92 s with 400,
102 s with 100, about 180 s with 2,000."""
MAX_REPORTED = 1000
"""A refused write's report holds the results of every failing batch, until this many: then
the checks stop (an upload where every node is wrong need not be validated to its end)."""
INFERRED = ox.NamedNode(INFERRED_GRAPH)
PROTECTED = frozenset({ox.NamedNode(ONTOLOGY_GRAPH), INFERRED, VERSIONS_GRAPH})
DEFAULT_SCRATCH = ox.NamedNode(str(INFERRED_GRAPH) + "/scratch/default-graph")
"""Where the default graph's quads go for reasoning (rl reads named graphs only)."""
SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


@dataclass(frozen=True)
class Knowledge:
    """The ontology (rdflib, for SHACL; quads, for OWL 2 RL), its terms, the shapes, and the
    predicates that validation and reasoning follow backwards."""

    graph: Graph
    quads: tuple[ox.Quad, ...]
    terms: frozenset[str]
    shapes: Graph
    reach: Reach


@cache
def knowledge() -> Knowledge:
    """The ontology and shapes, read from their files once per process (on the first write)."""
    graph = sources.load_ontology()
    triples = ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    quads = tuple(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(ONTOLOGY_GRAPH)) for t in triples)
    terms = frozenset(
        t.value for q in quads for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode)
    )
    shapes = validation.load_shapes()
    return Knowledge(graph, quads, terms, shapes, shape_reach(shapes) | rule_reach(graph))


@dataclass
class Change:
    """A write's change as the checks see it: the quads it deletes (a set: usually few) and
    inserts (an in-memory store: an upload may hold many), and the IRIs that anchor its blank
    nodes in the store."""

    deleted: set[ox.Quad]
    inserted: ox.Store
    anchors: set[ox.NamedNode] = field(default_factory=set)


@dataclass
class Checked:
    """What the checks found, over all batches."""

    added: ox.Store = field(default_factory=ox.Store)
    """Inferred triples to add, in the inferred graph."""
    removed: set[ox.Triple] = field(default_factory=set)
    """Inferred triples to remove."""
    reached: set[ox.BlankNode] = field(default_factory=set)
    """Blank nodes of the store that some neighbourhood reached."""
    seen: set[ox.Quad] = field(default_factory=set)
    """The store's quads with blank nodes that some neighbourhood held (for the change's
    quads with blank nodes, whose presence no query can check)."""
    described: dict[ox.BlankNode, set[ox.Quad]] = field(default_factory=dict)
    """For each blank node of the store among ``existing``: its quads before the write."""
    batches: int = 0


def seeds(change: Change, terms: frozenset[str]) -> tuple[list[ox.NamedNode], set[ox.NamedNode]]:
    """The write's seeds, ordered so that linked ones are near each other, and its open nodes."""
    opened: set[ox.NamedNode] = set()
    found: set[ox.NamedNode] = {a for a in change.anchors if followed(a, terms)}
    graphs: set[ox.NamedNode] = set()
    for q in _quads(change):
        for t in (q.subject, q.object):
            if followed(t, terms):
                found.add(t)  # type: ignore[arg-type]
        if followed(q.subject, terms):
            opened.add(q.subject)  # type: ignore[arg-type]
        if q.predicate == SAME_AS and followed(q.object, terms):
            opened.add(q.object)  # type: ignore[arg-type]
    for graph in change.inserted.named_graphs():
        if followed(graph, terms):
            graphs.add(graph)  # type: ignore[arg-type]
    return _walk(change, found, graphs, terms), opened


def _quads(change: Change) -> Iterator[ox.Quad]:
    yield from change.deleted
    yield from change.inserted


def _walk(
    change: Change, found: set[ox.NamedNode], graphs: set[ox.NamedNode], terms: frozenset[str]
) -> list[ox.NamedNode]:
    """The seeds in breadth-first order over the changed quads (a graph after its first quad)."""
    by_node: dict[ox.NamedNode, list[ox.Quad]] = {}
    for q in change.deleted:
        for t in (q.subject, q.object):
            if isinstance(t, ox.NamedNode):
                by_node.setdefault(t, []).append(q)

    def linked(node: ox.NamedNode) -> Iterator[ox.Quad]:
        yield from by_node.get(node, ())
        yield from change.inserted.quads_for_pattern(node, None, None, None)
        yield from change.inserted.quads_for_pattern(None, None, node, None)

    order: list[ox.NamedNode] = []
    visited: set[ox.NamedNode] = set()
    for start in sorted(found | graphs, key=lambda n: n.value):
        if start in visited:
            continue
        visited.add(start)
        todo = deque([start])
        while todo:
            node = todo.popleft()
            order.append(node)
            if node not in found:
                continue  # a graph name: its quads are not walked from it
            for q in linked(node):
                for term in (q.subject, q.object, q.graph_name):
                    if term in visited or not (term in found or term in graphs):
                        continue
                    visited.add(term)  # type: ignore[arg-type]
                    todo.append(term)  # type: ignore[arg-type]
    return [n for n in order if followed(n, terms)]


async def check(
    engine: EngineReader,
    change: Change,
    know: Knowledge,
    *,
    default_graph: ox.Store,
    lap: Callable[[str], None],
) -> Checked:
    """Validate the write and compute its inferred change, batch by batch (module docstring).

    :raises ValidationFailed: at the first batch that violates the shapes.
    """
    ordered, opened = seeds(change, know.terms)
    every_seed = set(ordered)
    checked = Checked()
    inserted, default = Local(change.inserted), Local(default_graph)
    seedless = {
        q for q in change.inserted if not (followed(q.subject, know.terms) or followed(q.object, know.terms))
    }
    failures: list[validation.ValidationReport] = []
    cut = False
    for start in range(0, max(len(ordered), 1), BATCH_SEEDS):
        batch = ordered[start : start + BATCH_SEEDS]
        checked.batches += 1
        hood = await fetch(
            engine,
            batch,
            rounds=ROUNDS,
            ontology_terms=know.terms,
            backward=know.reach,
            opened=opened,
            inserted=inserted,
            default_graph=default,
        )
        if start == 0:
            hood.added |= seedless  # quads linking no data IRI (a blank node's type, say)
        _note_blank_nodes(hood, change, engine.existing, checked)
        lap("neighbourhood")
        after = (hood.quads - change.deleted) | hood.added
        focus = set(batch) | (hood.within(VALIDATION_HOPS) - every_seed)
        witnesses = _witnesses(focus, after, change.inserted)
        report = await asyncio.to_thread(_validate, after | witnesses, focus, know)
        lap("validation")
        if not report.conforms:
            failures.append(report)
            if sum(len(r.violations) for r in failures) >= MAX_REPORTED:
                cut = start + BATCH_SEEDS < len(ordered)
                break
        if failures:
            continue  # the write is refused: the other batches are only validated
        complete: set[object] = {*hood.distance, *hood.blank_nodes()}
        complete |= blank_nodes(hood.added)
        added, removed = await asyncio.to_thread(inferred_change, hood.quads, after, complete, know)
        checked.added.extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED) for t in added)
        checked.removed |= removed
        lap("inference")
    if failures:
        refused = validation.ValidationReport.merged(failures)
        raise ValidationFailed(violations=refused.violations, report_turtle=refused.to_turtle(), cut=cut)
    return checked


def _note_blank_nodes(
    hood: Neighbourhood, change: Change, existing: set[ox.BlankNode], checked: Checked
) -> None:
    """Keep what the commit needs to know about the store's blank nodes in this neighbourhood."""
    blanks = hood.blank_nodes()
    checked.reached |= blanks
    for q in hood.quads:
        terms = blanks_of(q)
        if not terms:
            continue
        if q in change.deleted or q in change.inserted:
            checked.seen.add(q)
        for t in terms:
            if t in existing:
                checked.described.setdefault(t, set()).add(q)


def _witnesses(focus: set[ox.NamedNode], after: set[ox.Quad], inserted: ox.Store) -> set[ox.Quad]:
    """One inserted quad of each focus node that is a graph the write inserts into and that the
    neighbourhood holds none of: the claim-graph check skips an empty graph."""
    held = {q.graph_name for q in after}
    found: set[ox.Quad] = set()
    for node in focus - held:
        quad = next(inserted.quads_for_pattern(None, None, None, node), None)
        if quad is not None:
            found.add(quad)
    return found


def _validate(quads: set[ox.Quad], focus: set[ox.NamedNode], know: Knowledge) -> validation.ValidationReport:
    """SHACL on the asserted quads (not the inferred or ontology graph), for the focus nodes."""
    terms: dict[object, Node] = {}

    def term(t: object) -> Node:
        found = terms.get(t)
        if found is None:
            found = terms[t] = _rdflib_term(t)
        return found

    data = (
        (term(q.subject), term(q.predicate), term(q.object), None if g is None else URIRef(g))
        for q in quads
        if q.graph_name not in PROTECTED
        for g in [q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None]
    )
    nodes = [URIRef(n.value) for n in sorted(focus, key=lambda n: n.value)]
    return validation.validate_quads(data, shapes=know.shapes, ontology=know.graph, focus_nodes=nodes)


def _rdflib_term(term: object) -> Node:
    """A pyoxigraph term as rdflib makes it from N-Triples (a simple literal has no datatype)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language is not None:
            return Literal(term.value, lang=term.language)
        if term.datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise Unprocessable(f"the write holds {term}, which SHACL validation cannot read (RDF-star)")


def _materialise(quads: Iterable[ox.Quad], know: Knowledge) -> set[ox.Triple]:
    store = ox.Store()
    store.extend(know.quads)
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            store.add(ox.Quad(q.subject, q.predicate, q.object, DEFAULT_SCRATCH))
        elif q.graph_name not in PROTECTED:
            store.add(q)
    rl.materialise(store)
    return {q.triple for q in store.quads_for_pattern(None, None, None, INFERRED)}


def inferred_change(
    before: set[ox.Quad], after: set[ox.Quad], subjects: set[object], know: Knowledge
) -> tuple[set[ox.Triple], set[ox.Triple]]:
    """Inferred triples to add and to remove: OWL 2 RL on the neighbourhood before and after.

    Only triples about ``subjects`` (nodes whose quads were all fetched) change; a triple is
    added if only the after-state entails it and the inferred graph lacks it, removed if only
    the before-state entailed it and the inferred graph has it.
    """
    then, now = _materialise(before, know), _materialise(after, know)
    held = {q.triple for q in before if q.graph_name == INFERRED}
    added = {t for t in now - then if t.subject in subjects and t not in held}
    removed = {t for t in then - now if t.subject in subjects and t in held}
    return added, removed
