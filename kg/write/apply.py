"""Steps 2 to 4 of every write: its net change (presence), its checks, its commit.

Whatever the request, :mod:`kg.write.pipeline` computes its delta and calls :func:`apply_delta`.
The delta says what the write means to delete and insert; presence drops the deletions of
absent quads and the insertions of present ones (named graphs: queried in chunks; the default
graph: read once). The net change is checked (:mod:`kg.write.checks`), its blank nodes of the
store are pinned by the quads the neighbourhoods found, and it is committed with its inferred
change in one transaction (:mod:`kg.write.commit`): bulk-loaded as one N-Quads document when it
only adds, else as one SPARQL update.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import rq
from kg.engine.binding import bind_values
from kg.engine.runtime import Runtime
from kg.errors import KgError, QueryError, TooLarge, Unprocessable
from kg.versions.state import Route
from kg.write.checks import INFERRED, Change, check, knowledge
from kg.write.commit import CommitPlan, commit_update, unidentified, write_nquads
from kg.write.delta import Delta
from kg.write.neighbourhood import CHUNK
from kg.write.quad_templates import GraphName
from kg.write.readers import EngineReader
from kg.write.step import blanks_of, has_blank


@dataclass(frozen=True)
class WriteOutcome:
    """What a write did: quads inserted and deleted, inferred triples added and removed."""

    inserted: int
    deleted: int
    inferred_added: int
    inferred_removed: int
    created: bool = False
    """For a Graph Store request: whether the target graph was created."""
    version: int | None = None
    """The number of the dataset version the write made (None: it changed nothing, or was a dry run)."""
    timings: dict[str, float] = field(default_factory=dict, compare=False)


class Clock:
    """The time each stage of a write took (``WriteOutcome.timings``)."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """Add the time since the last lap to ``name`` (a step that runs once per batch adds up)."""
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self.last, 4)
        self.last = now

    def done(self) -> dict[str, float]:
        """The timings, with the total since the clock started."""
        self.timings["total"] = round(time.perf_counter() - self.start, 4)
        return self.timings


async def apply_delta(
    runtime: Runtime,
    engine: EngineReader,
    delta: Delta,
    clock: Clock,
    *,
    timeout_s: float,
    route: Route,
    bulk: ox.Store | None = None,
    dry_run: bool = False,
) -> WriteOutcome:
    """Steps 2-4 of a write: presence, the checks batch by batch, commit (see the module docstring).

    ``bulk`` holds insertions kept apart from ``delta`` (an upload: a store costs less memory
    than a set of quads); they are inserted after the delta's deletions, like its insertions.
    The commit carries the record of the dataset version it makes (``route``: how it came,
    :mod:`kg.versions.log`); then the version is current and its snapshot is taken.
    """
    refuse_triple_terms(delta.delete, delta.insert, bulk or ())
    know = await asyncio.to_thread(knowledge)
    inserted = bulk if bulk is not None else ox.Store()
    if bulk is not None:  # inserted after the deletions, as Delta.apply folds a step
        delta.delete = {q for q in delta.delete if q not in bulk}
    inserted.bulk_extend(delta.insert)
    delta.insert = set()  # from here on, the store holds the insertions
    if not runtime.client.profile.own_default_graph:
        _without_default_graph(runtime.client.profile.kind, delta, inserted)
    default_graph = ox.Store()
    default_graph.bulk_extend(await engine.content(ox.DefaultGraph()) or [])

    held = await _held(engine, delta.delete, default_graph)
    kept = 0  # quads already in the store that go back in after their graph is cleared
    for q in await _held(engine, inserted, default_graph):
        if q.graph_name in delta.cleared:
            kept += 1
        else:
            inserted.remove(q)
    deleted = {q for q in delta.delete if q in held or has_blank(q)}
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
    deleted = {q for q in deleted if not has_blank(q) or q in checked.seen}
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
    made = None
    if not dry_run:
        made = await _commit(runtime, plan, route, counts, kept, len(checked.removed), timeout_s=timeout_s)
    clock.lap("commit")
    clock.timings["batches"] = checked.batches
    return WriteOutcome(*counts, len(checked.removed), version=made, timings=clock.done())


async def _commit(
    runtime: Runtime,
    plan: CommitPlan,
    route: Route,
    counts: tuple[int, int, int],
    kept: int,
    inferred_removed: int,
    *,
    timeout_s: float,
) -> int:
    """Commit the plan with the record of the version it makes, in one engine transaction;
    that version's number.

    A commit whose outcome is unknown (the engine failed or timed out after it was sent) makes
    the current version unknown until it is read again (:meth:`VersionLog.lost`).
    """
    added = counts[0] + counts[2]
    removed = max(0, counts[1] - kept) + inferred_removed
    record, quads = await runtime.version_log.next(route, changed_graphs(plan), added, removed)
    logged = ox.Store()
    logged.extend(quads)
    plan.bulk = (*plan.bulk, logged)
    try:
        if runtime.engine is not None and plan.additions_only():
            # The managed Oxigraph bulk-loads a POSTed dataset in one ingestion (EngineClient.
            # load_dataset), in about a third of the memory that the same quads cost it as an
            # INSERT DATA update; the document is spooled to a file, not held in memory.
            with tempfile.TemporaryFile() as spool:
                await asyncio.to_thread(write_nquads, plan, spool)
                spool.seek(0)
                await runtime.client.load_dataset(spool, timeout_s=timeout_s)
        else:
            await runtime.client.update(commit_update(plan), timeout_s=timeout_s)
    except (QueryError, TooLarge):
        raise  # refused by the engine: nothing was written
    except KgError:
        await runtime.version_log.lost()
        if runtime.snapshots is not None and runtime.versions.current == record.version:
            await runtime.snapshots.taken(record.version)  # it was committed after all
        raise
    runtime.version_log.committed(record)
    if runtime.snapshots is not None:
        await runtime.snapshots.taken(record.version)
    return record.version.number


def changed_graphs(plan: CommitPlan) -> set[str]:
    """The named graphs a commit changes (the default graph is not named in the version log)."""
    graphs: set[object] = {q.graph_name for q in (*plan.delete, *plan.insert)}
    graphs |= plan.clear | plan.drop | plan.create
    for store in plan.bulk:
        graphs |= set(store.named_graphs())
    return {g.value for g in graphs if isinstance(g, ox.NamedNode)}


def _without_default_graph(kind: str, delta: Delta, inserted: ox.Store) -> None:
    """On an engine without a default graph of its own (Virtuoso: every triple is in a named
    graph; the layer reads its default graph as empty), clearing the default graph does
    nothing and writing into it is refused.

    :raises Unprocessable: for a quad of the write in the default graph.
    """
    delta.cleared.discard(ox.DefaultGraph())
    for _ in inserted.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        raise Unprocessable(f"the {kind} engine has no default graph of its own: write to a named graph")


def refuse_triple_terms(*quads: Iterable[ox.Quad]) -> None:
    """Refuse a write that holds an RDF 1.2 triple term, before anything reads it: presence binds
    quads as VALUES rows and the checks read them with rdflib, and neither can hold one.

    >>> term = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c"))
    >>> refuse_triple_terms([ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), term)])
    Traceback (most recent call last):
    kg.errors.Unprocessable: the write holds the triple term <<( <urn:a> <urn:b> <urn:c> )>>, ...

    :raises Unprocessable: naming the first triple term found.
    """
    for group in quads:
        for q in group:
            for term in (q.subject, q.object):
                if isinstance(term, ox.Triple):
                    raise Unprocessable(
                        f"the write holds the triple term <<( {term} )>>, which this server cannot check: "
                        "RDF 1.2 triple terms are not supported in writes"
                    )


async def _held(engine: EngineReader, quads: Iterable[ox.Quad], default_graph: ox.Store) -> set[ox.Quad]:
    """Which of some quads (without blank nodes) the store holds: named graphs by query, in
    chunks; the default graph from its copy."""
    found: set[ox.Quad] = set()
    chunk: list[ox.Quad] = []
    for q in quads:
        if has_blank(q):
            continue
        if isinstance(q.graph_name, ox.DefaultGraph):
            if q in default_graph:
                found.add(q)
            continue
        chunk.append(q)
        if len(chunk) >= CHUNK * 20:
            found |= await _present(engine, chunk)
            chunk = []
    if chunk:
        found |= await _present(engine, chunk)
    return found


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
        for t in blanks_of(q):
            if t in existing and t not in reached:
                raise unidentified(t)


async def _graph_changes(engine: EngineReader, delta: Delta) -> set[ox.NamedNode]:
    """The named graphs whose existence the write changes."""
    changed = set()
    for graph, alive in delta.graphs.items():
        if await engine.exists(graph) != alive:
            changed.add(graph)
    return changed


async def _present(reader: EngineReader, quads: Iterable[ox.Quad]) -> set[ox.Quad]:
    """Which of some quads of named graphs, without blank nodes, the store holds."""
    ordered = sorted(quads, key=str)
    query = rq.load("writes-present")
    found: set[ox.Quad] = set()
    for start in range(0, len(ordered), CHUNK):
        rows = [(q.subject, q.predicate, q.object, q.graph_name) for q in ordered[start : start + CHUNK]]
        found.update(await reader.select_quads(bind_values(query, ["s", "p", "o", "g"], rows)))  # type: ignore[arg-type]
    return found
