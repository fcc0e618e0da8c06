"""Writes: SPARQL Update and Graph Store requests, validated with SHACL, with their inferences,
committed as one transaction.

A write runs under ``runtime.write_lock`` (one at a time; reads go on meanwhile) in four steps:

1. **Delta** (:mod:`kg.write.delta`). The quads to delete and insert are computed by reading, never
   by changing, the store. When an operation of a multi-operation update reads the store (a
   WHERE clause, a graph operation) after an earlier operation changed something, the whole
   store is copied into an in-memory pyoxigraph store (the *staging copy*) and the operations
   are applied to it one after the other, so each reads what the earlier ones wrote; the
   delta is what they did. A Graph Store upload goes straight into an in-memory pyoxigraph
   store (a few hundred bytes a quad, against about 550 for a Python set of quads).
2. **Presence**. Deletions of absent quads and insertions of present ones are dropped (named
   graphs: queried in chunks; the default graph: read once): what remains is the net change.
3. **Checks, batch by batch** (:mod:`kg.write.checks`). The IRIs the change links (and the
   graphs it inserts into) are cut into batches of linked nodes; each batch fetches its own
   neighbourhood (:mod:`kg.write.neighbourhood`), is validated with the SHACL shapes and reasoned on
   with OWL 2 RL, and is released before the next. A neighbourhood follows every node's own
   quads, but quads pointing at a node only along the predicates the shapes and the rules read
   backwards (:mod:`kg.write.reach`), so that a hub (a unit every statistic names, a cluster with
   thousands of memberships) is not taken in whole; the incoming quads of a node whose own
   quads change are all followed, since what points at it may be invalid now. Any violation
   raises :class:`~kg.errors.ValidationFailed` (the API answers 422 with one report of every
   batch that fails, up to ``write_checks.MAX_REPORTED`` results) and nothing is written.
   Inference: OWL 2 RL is materialised on each neighbourhood with the ontology, before and
   after the write; what appears only after is added to the inferred graph, what disappears
   only after is removed from it (if it was there), for subjects whose quads were fetched.
   Recomputed: every consequence whose derivation lies within a neighbourhood (four rounds from
   the write's nodes): chains of up to three properties, inverses, sub-properties, domains and
   ranges, hasValue and someValuesFrom restrictions and what they entail in turn.
4. **Commit** (:mod:`kg.write.commit`). One SPARQL update request carries the data change and the
   inferred change; the engine applies it in one transaction, so a concurrent reader sees
   the store before or after the write, never between. A write that only adds (an upload of
   new data) is spooled to a temporary file as one N-Quads document and streamed to the
   managed Oxigraph's bulk loader, which adds it to the store in one ingestion (readers see
   all of it or none; a malformed or cut-off document adds nothing): a third of the engine
   memory of the same INSERT DATA, and none of the document in the API's memory.

Writes to the ontology graph and to the inferred graph are refused: the ontology is built
from ``ontology/clusterkg.ttl`` and the inferred graph is kept by the server.

Measured (2 cores): 100k generated triples POSTed as Turtle to ``/store`` in front of a store
of 1M generated triples (1.69M quads with the ontology and the inferences): accepted in 82-87 s
(presence 4 s, neighbourhoods 15 s, validation 50 s, inference 11 s, commit 2 s), with 69k
inferred triples. The API process peaked about 135 MiB above its idle size (the upload parsed
straight into an in-memory store, about 40 MiB; the rest the checks' batches); the engine
about 150 MiB above its own for the bulk load of 170k quads (a transaction over the same
quads: 276 MiB through the Graph Store Protocol, 490 as INSERT DATA). Before: a 10k-triple
upload took 650 s and 5.4 GiB.

Known limits: not recomputed are derivations that reach beyond a neighbourhood (a transitive
property's closure across more links, a consequence whose premises lie further off, or one that
runs backwards through a hub along a predicate no rule reads backwards), and consequences about
ontology terms; a consequence lost in one neighbourhood is removed even if premises beyond it
would still entail it; ``clusterkg build`` recomputes everything. A node pointed at along a
predicate that *is* read backwards is followed in full however many quads point at it (a chain
with thousands of stages makes every batch that touches it slow: each of its stages is compared
with all the others). A failing upload is validated to its end (or to 1,000 results), so it is
refused no sooner than it would be accepted. The whole change and its inferences are held in
memory (in pyoxigraph stores) and committed at once: the engine's memory for it grows with the
write (about 0.9 KiB a quad for an upload's bulk load, 2.8 KiB a quad through SPARQL Update).
Blank nodes copied between graphs (ADD, COPY, MOVE, and a staged update) are copied as new
blank nodes; a blank node of the store that a write changes must be reachable within two blank
nodes of an IRI near the write; the staging copy reads the whole store (it fails with 413 past
the result byte limit) and pyoxigraph cannot stop its queries, so an operation that outlives
the time limit is abandoned, not stopped.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from kg.engine.runtime import Runtime
from kg.errors import NotFound, PolicyRefused, ResultTooLarge, TooLarge, Unprocessable
from kg.sparql_text import UpdateOperation, split_update
from kg.write.checks import INFERRED, PROTECTED, Change, Knowledge, check, inferred_change, knowledge
from kg.write.commit import CommitPlan, commit_update, write_nquads
from kg.write.delta import READING_KINDS, Delta, Step, operation_steps
from kg.write.neighbourhood import CHUNK, present
from kg.write.quad_templates import GraphName
from kg.write.readers import EngineReader, Reader, StagingReader

__all__ = [
    "PROTECTED",
    "Knowledge",
    "WriteOutcome",
    "apply_steps",
    "apply_update",
    "delete_graph",
    "inferred_change",
    "knowledge",
    "needs_staging",
    "post_dataset",
    "post_graph",
    "put_graph",
]


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


class _Clock:
    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """Add the time since the last lap to ``name`` (a step that runs once per batch adds up)."""
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self.last, 4)
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
        raise TooLarge(
            "this update needs a staging copy of the whole store (a later operation reads what an "
            "earlier one wrote), and the store is larger than the result limit: send the operations "
            "as separate requests",
        ) from None
    graphs = await engine.named_graphs()
    return StagingReader(quads, graphs, timeout_s=timeout_s, max_rows=_max_rows(runtime))


async def put_graph(
    runtime: Runtime, graph: GraphName, triples: ox.Store, *, timeout_s: float
) -> WriteOutcome:
    """Replace a graph's content with the quads of ``triples`` (all in ``graph``: Graph Store
    PUT, parsed by :func:`kg.write.uploads.parse_into_store`); ``created`` tells whether it is new."""
    return await _graph_write(runtime, graph, triples, replacing=True, timeout_s=timeout_s)


async def post_graph(
    runtime: Runtime, graph: GraphName, triples: ox.Store, *, timeout_s: float
) -> WriteOutcome:
    """Add the quads of ``triples`` (all in ``graph``) to it (Graph Store POST); ``created``
    tells whether it is new."""
    return await _graph_write(runtime, graph, triples, replacing=False, timeout_s=timeout_s)


async def post_dataset(runtime: Runtime, quads: ox.Store, *, timeout_s: float) -> WriteOutcome:
    """Add quads to their graphs (Graph Store POST of a dataset to the store)."""
    _refuse_protected_graphs(set(quads.named_graphs()))
    async with runtime.write_lock:
        clock = _Clock()
        return await _write(
            runtime, _reader(runtime, timeout_s), Delta(), clock, timeout_s=timeout_s, bulk=quads
        )


async def apply_steps(
    runtime: Runtime,
    plan: Callable[[EngineReader], Awaitable[Sequence[Step]]],
    *,
    timeout_s: float,
    dry_run: bool = False,
) -> WriteOutcome:
    """A write made of steps that ``plan`` computes from the store as it is under the write lock
    (e.g. an ingested case replacing its earlier graphs), committed like any other write; with
    ``dry_run``, validated and reasoned on but not committed."""
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
            raise NotFound(f"there is no graph {graph} in the store")
        named = graph if isinstance(graph, ox.NamedNode) else None
        step = Step(delete=tuple(content), clear=graph, drop=named)
        _refuse_protected(step)
        delta = Delta()
        delta.apply(step)
        return await _write(runtime, engine, delta, clock, timeout_s=timeout_s)


async def _graph_write(
    runtime: Runtime, graph: GraphName, inserted: ox.Store, *, replacing: bool, timeout_s: float
) -> WriteOutcome:
    named = graph if isinstance(graph, ox.NamedNode) else None
    _refuse_protected_graphs({graph})
    async with runtime.write_lock:
        clock = _Clock()
        engine = _reader(runtime, timeout_s)
        created = named is not None and not await engine.exists(named)
        if replacing:
            old = await engine.content(graph) or []
            step = Step(delete=tuple(old), clear=graph, create=named)
        else:
            step = Step(create=named)
        delta = Delta()
        delta.apply(step)
        outcome = await _write(runtime, engine, delta, clock, timeout_s=timeout_s, bulk=inserted)
    return replace(outcome, created=created)


def _reader(runtime: Runtime, timeout_s: float) -> EngineReader:
    return EngineReader(runtime.client, timeout_s=timeout_s, max_rows=_max_rows(runtime))


def _max_rows(runtime: Runtime) -> int:
    return runtime.settings.result_limit_rows


def _refuse_protected(step: Step) -> None:
    graphs = {q.graph_name for q in (*step.delete, *step.insert)} | {step.clear, step.drop, step.create}
    _refuse_protected_graphs(graphs)


def _refuse_protected_graphs(graphs: Iterable[object]) -> None:
    for graph in set(graphs) & PROTECTED:
        raise PolicyRefused(
            f"writes to the graph {graph} are not allowed: the ontology graph is built from "
            "ontology/clusterkg.ttl and the inferred graph is kept by the server (`clusterkg build` "
            "recomputes both)"
        )


async def _write(
    runtime: Runtime,
    engine: EngineReader,
    delta: Delta,
    clock: _Clock,
    *,
    timeout_s: float,
    bulk: ox.Store | None = None,
    dry_run: bool = False,
) -> WriteOutcome:
    """Steps 2-4 of a write: presence, the checks batch by batch, commit (module docstring).

    ``bulk`` holds insertions kept apart from ``delta`` (an upload: a store costs less memory
    than a set of quads); they are inserted after the delta's deletions, like its insertions.
    """
    know = await asyncio.to_thread(knowledge)
    inserted = bulk if bulk is not None else ox.Store()
    if bulk is not None:  # inserted after the deletions, as Delta.apply folds a step
        delta.delete = {q for q in delta.delete if q not in bulk}
    inserted.bulk_extend(delta.insert)
    delta.insert = set()  # from here on, the store holds the insertions
    default_graph = ox.Store()
    default_graph.bulk_extend(await engine.content(ox.DefaultGraph()) or [])

    held = await _held(engine, delta.delete, default_graph)
    kept = 0  # quads already in the store that go back in after their graph is cleared
    for q in await _held(engine, inserted, default_graph):
        if q.graph_name in delta.cleared:
            kept += 1
        else:
            inserted.remove(q)
    deleted = {q for q in delta.delete if q in held or _has_blank(q)}
    graph_changes = await _graph_changes(engine, delta)
    clock.lap("presence")
    if not (deleted or len(inserted) > kept or graph_changes):
        return WriteOutcome(0, 0, 0, 0, timings=clock.done())

    change = Change(deleted=deleted, inserted=inserted, anchors=set(delta.anchors))
    checked = await check(engine, change, know, default_graph=default_graph, lap=clock.lap)
    del default_graph

    existing = engine.existing
    pinned = {q for q in inserted if _has_existing_blank(q, existing)} if existing else set()
    _refuse_unreachable(delta.delete | pinned, delta.cleared, existing, checked.reached)
    for q in pinned:
        inserted.remove(q)  # inserted through a pattern that pins the blank node (kg.write.commit)
    pinned -= checked.seen
    deleted = {q for q in deleted if not _has_blank(q) or q in checked.seen}
    inferred_pinned = {q for q in checked.added if _has_existing_blank(q, existing)} if existing else set()
    for q in inferred_pinned:
        checked.added.remove(q)
    plan = CommitPlan(
        delete=deleted | {ox.Quad(t.subject, t.predicate, t.object, INFERRED) for t in checked.removed},
        insert=pinned | inferred_pinned,
        bulk=(inserted, checked.added),
        clear=set(delta.cleared),
        drop={g for g, alive in delta.graphs.items() if not alive},
        create={g for g, alive in delta.graphs.items() if alive},
        existing=existing,
        described=checked.described,
    )
    counts = (len(inserted) - kept + len(pinned), len(deleted), len(checked.added) + len(inferred_pinned))
    if dry_run:
        pass
    elif runtime.engine is not None and plan.additions_only():
        # The managed Oxigraph bulk-loads a POSTed dataset in one ingestion (EngineClient.
        # load_dataset), in about a third of the memory that the same quads cost it as an
        # INSERT DATA update; the document is spooled to a file, not held in memory.
        with tempfile.TemporaryFile() as spool:
            await asyncio.to_thread(write_nquads, plan, spool)
            spool.seek(0)
            await runtime.client.load_dataset(spool, timeout_s=timeout_s)
    else:
        await runtime.client.update(commit_update(plan), timeout_s=timeout_s)
    clock.lap("commit")
    clock.timings["batches"] = checked.batches
    return WriteOutcome(*counts, len(checked.removed), timings=clock.done())


async def _held(engine: EngineReader, quads: Iterable[ox.Quad], default_graph: ox.Store) -> set[ox.Quad]:
    """Which of some quads (without blank nodes) the store holds: named graphs by query, in
    chunks; the default graph from its copy."""
    found: set[ox.Quad] = set()
    chunk: list[ox.Quad] = []
    for q in quads:
        if _has_blank(q):
            continue
        if isinstance(q.graph_name, ox.DefaultGraph):
            if q in default_graph:
                found.add(q)
            continue
        chunk.append(q)
        if len(chunk) >= CHUNK * 20:
            found |= await present(engine, chunk)
            chunk = []
    if chunk:
        found |= await present(engine, chunk)
    return found


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _has_existing_blank(quad: ox.Quad, existing: set[ox.BlankNode]) -> bool:
    return quad.subject in existing or quad.object in existing


def _refuse_unreachable(
    quads: Iterable[ox.Quad],
    cleared: set[GraphName],
    existing: set[ox.BlankNode],
    reached: set[ox.BlankNode],
) -> None:
    """Refuse a change to a blank node of the store that no neighbourhood reached."""
    for q in quads:
        if q.graph_name in cleared:
            continue  # removed by CLEAR, whatever its blank nodes
        for t in (q.subject, q.object):
            if isinstance(t, ox.BlankNode) and t in existing and t not in reached:
                raise Unprocessable(
                    f"the write changes the blank node {t} of the store, which cannot be identified: it "
                    "is not linked to any IRI near the write. Change it through the IRI it hangs from, "
                    "or replace its whole graph (PUT, or CLEAR and INSERT DATA).",
                )


async def _graph_changes(engine: EngineReader, delta: Delta) -> set[ox.NamedNode]:
    """The named graphs whose existence the write changes."""
    changed = set()
    for graph, alive in delta.graphs.items():
        if await engine.exists(graph) != alive:
            changed.add(graph)
    return changed
