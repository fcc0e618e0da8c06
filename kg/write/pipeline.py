"""Writes: SPARQL Update and Graph Store requests, validated with SHACL, with their inferences,
committed as one transaction.

This module holds the entry points (one per kind of request) and step 1, what each request
changes; steps 2 to 4 are the same for every request (:func:`kg.write.apply.apply_delta`).
A write runs under ``runtime.write_lock`` (one at a time; reads go on meanwhile) in four steps:

1. **Delta** (:mod:`kg.write.delta`). The quads to delete and insert are computed by reading, never
   by changing, the store. When an operation of a multi-operation update reads the store (a
   WHERE clause, a graph operation) after an earlier operation changed something, the whole
   store is copied into an in-memory pyoxigraph store (the *staging copy*) and the operations
   are applied to it one after the other, so each reads what the earlier ones wrote; the
   delta is what they did. A Graph Store upload goes straight into an in-memory pyoxigraph
   store (a few hundred bytes a quad, against about 550 for a Python set of quads).
2. **Presence** (:mod:`kg.write.apply`). Deletions of absent quads and insertions of present
   ones are dropped (named graphs: queried in chunks; the default graph: read once): what
   remains is the net change.
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

Writes to the ontology graph, the inferred graph and the version log are refused: the ontology
is built from ``ontology/clusterkg.ttl``, the inferred graph and the version log
(:mod:`kg.versions.log`) are kept by the server.

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

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace

import pyoxigraph as ox

from kg.engine.runtime import Runtime
from kg.errors import NotFound, PolicyRefused, RequestError, ResultTooLarge, TooLarge
from kg.sparql_text import UpdateOperation, split_update
from kg.versions.state import Route
from kg.write.apply import Clock, WriteOutcome, apply_delta
from kg.write.checks import PROTECTED, Knowledge, inferred_change, knowledge
from kg.write.delta import READING_KINDS, Delta, operation_steps
from kg.write.quad_templates import GraphName
from kg.write.readers import EngineReader, Reader, StagingReader
from kg.write.step import Step, named

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
    async with _locked(runtime, timeout_s) as (engine, clock):
        source: Reader = engine
        if needs_staging(operations):
            source = await _staging(engine, timeout_s)
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
            _fold(delta, steps, source)
        engine.existing |= source.existing
        clock.lap("delta")
        return await apply_delta(runtime, engine, delta, clock, timeout_s=timeout_s, route="update")


async def _staging(engine: EngineReader, timeout_s: float) -> StagingReader:
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
    return StagingReader(quads, graphs, timeout_s=timeout_s, max_rows=engine.max_rows)


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
    async with _locked(runtime, timeout_s) as (engine, clock):
        return await apply_delta(
            runtime, engine, Delta(), clock, timeout_s=timeout_s, route="graph-store", bulk=quads
        )


async def apply_steps(
    runtime: Runtime,
    plan: Callable[[EngineReader], Awaitable[Sequence[Step]]],
    *,
    timeout_s: float,
    route: Route = "ingest",
    dry_run: bool = False,
) -> WriteOutcome:
    """A write made of steps that ``plan`` computes from the store as it is under the write lock
    (e.g. an ingested case replacing its earlier graphs), committed like any other write; with
    ``dry_run``, validated and reasoned on but not committed."""
    async with _locked(runtime, timeout_s) as (engine, clock):
        delta = _fold(Delta(), await plan(engine), engine)
        return await apply_delta(
            runtime, engine, delta, clock, timeout_s=timeout_s, route=route, dry_run=dry_run
        )


async def delete_graph(runtime: Runtime, graph: GraphName, *, timeout_s: float) -> WriteOutcome:
    """Drop a named graph, or empty the default graph (Graph Store DELETE).

    :raises NotFound: when the named graph does not exist.
    """
    async with _locked(runtime, timeout_s) as (engine, clock):
        content = await engine.content(graph)
        if content is None:
            raise NotFound(f"there is no graph {graph} in the store")
        delta = _fold(Delta(), [Step.emptying(graph, content, drop=True)], engine)
        return await apply_delta(runtime, engine, delta, clock, timeout_s=timeout_s, route="graph-store")


async def _graph_write(
    runtime: Runtime, graph: GraphName, inserted: ox.Store, *, replacing: bool, timeout_s: float
) -> WriteOutcome:
    """PUT or POST of a graph: its quads go in as the bulk of the write (see :func:`apply_delta`)."""
    target = named(graph)
    _refuse_protected_graphs({graph})
    async with _locked(runtime, timeout_s) as (engine, clock):
        created = target is not None and not await engine.exists(target)
        if replacing:
            old = await engine.content(graph) or []
            step = Step(delete=tuple(old), clear=graph, create=target)
        else:
            step = Step(create=target)
        delta = _fold(Delta(), [step], engine)
        outcome = await apply_delta(
            runtime, engine, delta, clock, timeout_s=timeout_s, route="graph-store", bulk=inserted
        )
    return replace(outcome, created=created)


@asynccontextmanager
async def _locked(runtime: Runtime, timeout_s: float) -> AsyncIterator[tuple[EngineReader, Clock]]:
    """The write lock held (one write at a time), with a reader of the engine and a started clock.

    :raises RequestError: for a runtime answering as of an earlier version (``?version=N``).
    """
    if runtime.pinned is not None:
        raise RequestError("a write cannot take 'version': it always makes a new version")
    async with runtime.write_lock:
        clock = Clock()
        max_rows = runtime.settings.result_limit_rows
        yield EngineReader(runtime.client, timeout_s=timeout_s, max_rows=max_rows), clock


def _fold(delta: Delta, steps: Iterable[Step], reader: Reader) -> Delta:
    """Fold steps into the delta, in order, each applied to the reader too (a staging copy follows
    them; the engine is not changed); a step that writes a protected graph is refused."""
    for step in steps:
        _refuse_protected(step)
        reader.apply(step)
        delta.apply(step)
    return delta


def _refuse_protected(step: Step) -> None:
    graphs = {q.graph_name for q in (*step.delete, *step.insert)} | {step.clear, step.drop, step.create}
    _refuse_protected_graphs(graphs)


def _refuse_protected_graphs(graphs: Iterable[object]) -> None:
    for graph in set(graphs) & PROTECTED:
        raise PolicyRefused(
            f"writes to the graph {graph} are not allowed: the ontology graph is built from "
            "ontology/clusterkg.ttl, the inferred graph and the version log are kept by the server "
            "(`clusterkg build` recomputes the first two)"
        )
