"""Writes: SPARQL Update and Graph Store requests, validated with SHACL, with their inferences,
committed as one transaction.

A write runs under ``runtime.write_lock`` (one at a time; reads go on meanwhile) in five steps:

1. **Delta** (:mod:`kg.delta`). The quads to delete and insert are computed by reading, never
   by changing, the store. When an operation of a multi-operation update reads the store (a
   WHERE clause, a graph operation) after an earlier operation changed something, the whole
   store is copied into an in-memory pyoxigraph store (the *staging copy*) and the operations
   are applied to it one after the other, so each reads what the earlier ones wrote; the
   delta is what they did. Deletions of absent quads and insertions of present ones are then
   dropped: what remains is the write's net change.
2. **Neighbourhood** (:mod:`kg.neighbourhood`). The write's nodes (the IRIs its quads link,
   and the names of the graphs it inserts into: a claim graph needs provenance) and the quads
   around them are fetched in four rounds, so every IRI up to three links away has all its
   quads (ontology terms and classes are not followed).
3. **Validation**. The neighbourhood as it will be after the write (its inferred and ontology
   graphs left out, the ontology file mixed in, as at build) is validated with the SHACL
   shapes; the focus nodes are the write's nodes and the IRIs one link away. Any violation
   raises :class:`~kg.errors.ValidationFailed` (the API answers 422 with the report) and
   nothing is written.
4. **Inference** (:func:`inferred_change`). OWL 2 RL is materialised (:mod:`kg.reasoning.rl`)
   on the neighbourhood with the ontology twice, before and after the write. What appears
   only after is added to the inferred graph, what disappears only after is removed from it
   (if it was there), for subjects whose quads were all fetched. Recomputed: every consequence
   whose derivation lies within the fetched neighbourhood, i.e. within three links of the
   write: chains of up to three properties, inverses, sub-properties, domains and ranges,
   hasValue and someValuesFrom restrictions and what they entail in turn. Not recomputed:
   derivations that reach further than that (a transitive property's closure across more
   links, or a consequence whose premises lie beyond the neighbourhood); a consequence lost
   locally is removed even if premises beyond the neighbourhood would still entail it; and
   consequences about ontology terms. ``clusterkg build`` recomputes everything.
5. **Commit** (:mod:`kg.commit`). One SPARQL update request carries the data change and the
   inferred change; the engine applies it in one transaction, so a concurrent reader sees
   the store before or after the write, never between.

Writes to the ontology graph and to the inferred graph are refused: the ontology is built
from ``ontology/clusterkg.ttl`` and the inferred graph is kept by the server.

Known limits: blank nodes copied between graphs (ADD, COPY, MOVE, and a staged update) are
copied as new blank nodes; a blank node of the store that a write changes must be reachable
within two blank nodes of an IRI near the write; the staging copy reads the whole store
(it fails with 413 past the result byte limit) and pyoxigraph cannot stop its queries, so an
operation that outlives the time limit is abandoned, not stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from kg import sources, validation
from kg.commit import CommitPlan, commit_update
from kg.delta import READING_KINDS, Delta, Step, operation_steps
from kg.errors import PolicyRefused, RequestError, ResultTooLarge
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.neighbourhood import Neighbourhood, fetch, followed, present
from kg.readers import EngineReader, Reader, StagingReader
from kg.reasoning import rl
from kg.runtime import Runtime
from kg.sparql_text import UpdateOperation, split_update
from kg.templates import GraphName

ROUNDS = 4
"""Rounds of neighbourhood fetching: IRIs up to three links from the write have all their quads."""
VALIDATION_HOPS = 1
"""Focus nodes of validation: the write's nodes and the IRIs this many links away."""
PROTECTED = frozenset({ox.NamedNode(ONTOLOGY_GRAPH), ox.NamedNode(INFERRED_GRAPH)})
INFERRED = ox.NamedNode(INFERRED_GRAPH)
DEFAULT_SCRATCH = ox.NamedNode(str(INFERRED_GRAPH) + "/scratch/default-graph")
"""Where the default graph's quads go for reasoning (rl reads named graphs only)."""


@dataclass(frozen=True)
class WriteOutcome:
    """What a write did: quads inserted and deleted, inferred triples added and removed."""

    inserted: int
    deleted: int
    inferred_added: int
    inferred_removed: int
    created: bool = False
    """For a Graph Store request: whether the target graph was created."""
    timings: dict[str, float] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Knowledge:
    """The ontology (rdflib, for SHACL; quads, for OWL 2 RL), its terms, and the shapes."""

    graph: Graph
    quads: tuple[ox.Quad, ...]
    terms: frozenset[str]
    shapes: Graph


@cache
def knowledge() -> Knowledge:
    """The ontology and shapes, read from their files once per process (on the first write)."""
    graph = sources.load_ontology()
    triples = ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    quads = tuple(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(ONTOLOGY_GRAPH)) for t in triples)
    terms = frozenset(
        t.value for q in quads for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode)
    )
    return Knowledge(graph, quads, terms, validation.load_shapes())


class _Clock:
    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.last, 4)
        self.last = now

    def done(self) -> dict[str, float]:
        self.timings["total"] = round(time.perf_counter() - self.start, 4)
        return self.timings


def needs_staging(operations: Sequence[UpdateOperation]) -> bool:
    """Whether an operation reads the store after an earlier one may have changed it."""
    return any(op.kind in READING_KINDS for op in operations[1:])


async def apply_update(
    runtime: Runtime,
    update: str,
    *,
    using_graphs: Sequence[str] = (),
    using_named_graphs: Sequence[str] = (),
    timeout_s: float,
) -> WriteOutcome:
    """Validate, reason on and commit a SPARQL Update (already policy-checked by the caller).

    :raises QueryError: for a malformed update, or a missing graph without SILENT.
    :raises ValidationFailed: when the result violates the SHACL shapes (nothing is written).
    :raises PolicyRefused: for a write to the ontology or the inferred graph.
    """
    operations = split_update(update)
    async with runtime.write_lock:
        clock = _Clock()
        engine = _reader(runtime, timeout_s)
        source: Reader = engine
        if needs_staging(operations):
            source = await _staging(runtime, engine, timeout_s)
            clock.lap("staging")
        delta = Delta()
        for op in operations:
            steps = await operation_steps(
                op,
                source,
                runtime.settings,
                using_graphs=using_graphs,
                using_named_graphs=using_named_graphs,
                timeout_s=timeout_s,
            )
            for step in steps:
                _refuse_protected(step)
                source.apply(step)
                delta.apply(step)
        engine.existing |= source.existing
        clock.lap("delta")
        return await _write(runtime, engine, delta, clock, timeout_s=timeout_s)


async def _staging(runtime: Runtime, engine: EngineReader, timeout_s: float) -> StagingReader:
    """A staging copy of the whole store (for an update whose operations read each other's writes)."""
    try:
        quads = await engine.dump()
    except ResultTooLarge:
        raise RequestError(
            "this update needs a staging copy of the whole store (a later operation reads what an "
            "earlier one wrote), and the store is larger than the result limit: send the operations "
            "as separate requests",
            status=413,
        ) from None
    graphs = await engine.named_graphs()
    return StagingReader(quads, graphs, timeout_s=timeout_s, max_rows=_max_rows(runtime))


async def put_graph(
    runtime: Runtime, graph: GraphName, triples: Iterable[ox.Quad], *, timeout_s: float
) -> WriteOutcome:
    """Replace a graph's content (Graph Store PUT); ``created`` tells whether it is new."""
    return await _graph_write(runtime, graph, triples, replacing=True, timeout_s=timeout_s)


async def post_graph(
    runtime: Runtime, graph: GraphName, triples: Iterable[ox.Quad], *, timeout_s: float
) -> WriteOutcome:
    """Add to a graph (Graph Store POST); ``created`` tells whether it is new."""
    return await _graph_write(runtime, graph, triples, replacing=False, timeout_s=timeout_s)


async def post_dataset(runtime: Runtime, quads: Iterable[ox.Quad], *, timeout_s: float) -> WriteOutcome:
    """Add quads to their graphs (Graph Store POST of a dataset to the store)."""
    step = Step(insert=tuple(quads))
    _refuse_protected(step)
    async with runtime.write_lock:
        clock = _Clock()
        delta = Delta()
        delta.apply(step)
        return await _write(runtime, _reader(runtime, timeout_s), delta, clock, timeout_s=timeout_s)


async def apply_steps(
    runtime: Runtime,
    plan: Callable[[EngineReader], Awaitable[Sequence[Step]]],
    *,
    timeout_s: float,
    dry_run: bool = False,
) -> WriteOutcome:
    """A write made of steps that ``plan`` computes from the store as it is under the write lock
    (e.g. an ingested case replacing its earlier graphs), committed like any other write; with
    ``dry_run``, validated and counted but not committed."""
    async with runtime.write_lock:
        clock = _Clock()
        engine = _reader(runtime, timeout_s)
        delta = Delta()
        for step in await plan(engine):
            _refuse_protected(step)
            delta.apply(step)
        return await _write(runtime, engine, delta, clock, timeout_s=timeout_s, dry_run=dry_run)


async def delete_graph(runtime: Runtime, graph: GraphName, *, timeout_s: float) -> WriteOutcome:
    """Drop a named graph, or empty the default graph (Graph Store DELETE).

    :raises RequestError: 404 when the named graph does not exist.
    """
    async with runtime.write_lock:
        clock = _Clock()
        engine = _reader(runtime, timeout_s)
        content = await engine.content(graph)
        if content is None:
            raise RequestError(f"there is no graph {graph} in the store", status=404)
        named = graph if isinstance(graph, ox.NamedNode) else None
        step = Step(delete=tuple(content), clear=graph, drop=named)
        _refuse_protected(step)
        delta = Delta()
        delta.apply(step)
        return await _write(runtime, engine, delta, clock, timeout_s=timeout_s)


async def _graph_write(
    runtime: Runtime, graph: GraphName, triples: Iterable[ox.Quad], *, replacing: bool, timeout_s: float
) -> WriteOutcome:
    insert = tuple(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    async with runtime.write_lock:
        clock = _Clock()
        engine = _reader(runtime, timeout_s)
        named = graph if isinstance(graph, ox.NamedNode) else None
        created = named is not None and not await engine.exists(named)
        if replacing:
            old = await engine.content(graph) or []
            step = Step(delete=tuple(old), clear=graph, insert=insert, create=named)
        else:
            step = Step(insert=insert, create=named)
        _refuse_protected(step)
        delta = Delta()
        delta.apply(step)
        outcome = await _write(runtime, engine, delta, clock, timeout_s=timeout_s)
    return replace(outcome, created=created)


def _reader(runtime: Runtime, timeout_s: float) -> EngineReader:
    return EngineReader(runtime.client, timeout_s=timeout_s, max_rows=_max_rows(runtime))


def _max_rows(runtime: Runtime) -> int:
    return runtime.settings.result_limit_rows


def _refuse_protected(step: Step) -> None:
    graphs = {q.graph_name for q in (*step.delete, *step.insert)} | {step.clear, step.drop, step.create}
    for graph in graphs & PROTECTED:
        raise PolicyRefused(
            f"writes to the graph {graph} are not allowed: the ontology graph is built from "
            "ontology/clusterkg.ttl and the inferred graph is kept by the server (`clusterkg build` "
            "recomputes both)"
        )


def _nodes(quads: Iterable[ox.Quad], terms: frozenset[str], *, graphs: bool) -> set[ox.NamedNode]:
    """The data IRIs that quads link (and, with ``graphs``, the graphs they are in)."""
    found: set[ox.NamedNode] = set()
    for q in quads:
        for t in (q.subject, q.object, q.graph_name) if graphs else (q.subject, q.object):
            if followed(t, terms):
                found.add(t)  # type: ignore[arg-type]
    return found


async def _write(
    runtime: Runtime,
    engine: EngineReader,
    delta: Delta,
    clock: _Clock,
    *,
    timeout_s: float,
    dry_run: bool = False,
) -> WriteOutcome:
    """Steps 2-5 of a write: neighbourhood, validation, inference, commit."""
    know = await asyncio.to_thread(knowledge)
    seeds = _nodes(delta.delete, know.terms, graphs=False) | _nodes(delta.insert, know.terms, graphs=True)
    seeds |= {a for a in delta.anchors if followed(a, know.terms)}
    hood = await fetch(engine, seeds, rounds=ROUNDS, ontology_terms=know.terms)
    clock.lap("neighbourhood")

    _refuse_unreachable(delta, engine.existing, hood)
    changed = delta.delete | delta.insert
    ground = [q for q in changed if isinstance(q.graph_name, ox.NamedNode) and not _has_blank(q)]
    held = await present(engine, ground) | {q for q in changed if q in hood.quads}
    deleted = {q for q in delta.delete if q in held}
    inserted = {q for q in delta.insert if q not in held}
    graph_changes = await _graph_changes(engine, delta)
    clock.lap("presence")
    if not (deleted or inserted or graph_changes):
        return WriteOutcome(0, 0, 0, 0, timings=clock.done())

    after = (hood.quads - deleted) | inserted
    focus = _nodes(deleted | inserted, know.terms, graphs=False)
    focus |= {q.graph_name for q in inserted if followed(q.graph_name, know.terms)}  # type: ignore[misc]
    focus |= hood.within(VALIDATION_HOPS)
    report = await asyncio.to_thread(_validate, after, focus, know)
    clock.lap("validation")
    report.raise_if_invalid()

    complete: set[object] = {*hood.within(ROUNDS - 1), *hood.blank_nodes()}
    complete |= _nodes(inserted, know.terms, graphs=False)
    added, removed = await asyncio.to_thread(inferred_change, hood.quads, after, complete, know)
    clock.lap("inference")

    plan = CommitPlan(
        delete=deleted | {ox.Quad(t.subject, t.predicate, t.object, INFERRED) for t in removed},
        insert=inserted
        | {q for q in delta.insert if q.graph_name in delta.cleared}
        | {ox.Quad(t.subject, t.predicate, t.object, INFERRED) for t in added},
        clear=set(delta.cleared),
        drop={g for g, alive in delta.graphs.items() if not alive},
        create={g for g, alive in delta.graphs.items() if alive},
        existing=engine.existing,
        described=_described(hood.quads, engine.existing),
    )
    if not dry_run:
        await runtime.client.update(commit_update(plan), timeout_s=timeout_s)
    clock.lap("commit")
    return WriteOutcome(len(inserted), len(deleted), len(added), len(removed), timings=clock.done())


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _refuse_unreachable(delta: Delta, existing: set[ox.BlankNode], hood: Neighbourhood) -> None:
    """Refuse a change to a blank node of the store that the neighbourhood does not reach."""
    reached = hood.blank_nodes()
    for q in delta.delete | delta.insert:
        if q.graph_name in delta.cleared and q in delta.delete:
            continue  # removed by CLEAR, whatever its blank nodes
        for t in (q.subject, q.object):
            if isinstance(t, ox.BlankNode) and t in existing and t not in reached:
                raise RequestError(
                    f"the write changes the blank node {t} of the store, which cannot be identified: it "
                    "is not linked to any IRI near the write. Change it through the IRI it hangs from, "
                    "or replace its whole graph (PUT, or CLEAR and INSERT DATA).",
                    status=422,
                )


async def _graph_changes(engine: EngineReader, delta: Delta) -> set[ox.NamedNode]:
    """The named graphs whose existence the write changes."""
    changed = set()
    for graph, alive in delta.graphs.items():
        if await engine.exists(graph) != alive:
            changed.add(graph)
    return changed


def _described(quads: Iterable[ox.Quad], blanks: set[ox.BlankNode]) -> dict[ox.BlankNode, set[ox.Quad]]:
    described: dict[ox.BlankNode, set[ox.Quad]] = {}
    for q in quads:
        for t in (q.subject, q.object):
            if isinstance(t, ox.BlankNode) and t in blanks:
                described.setdefault(t, set()).add(q)
    return described


def _validate(quads: set[ox.Quad], focus: set[ox.NamedNode], know: Knowledge) -> validation.ValidationReport:
    """SHACL on the asserted quads (not the inferred or ontology graph), for the focus nodes."""
    data = [q for q in quads if q.graph_name not in PROTECTED]
    dataset = Dataset()
    if data:
        dataset.parse(data=ox.serialize(data, format=ox.RdfFormat.N_QUADS), format="nquads")
    nodes = [URIRef(n.value) for n in sorted(focus, key=lambda n: n.value)]
    return validation.validate(dataset, shapes=know.shapes, ontology=know.graph, focus_nodes=nodes)


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
