"""Ingesting a case: a filled-in template becomes graphs in the store, or a list of problems.

:func:`ingest` reads the template (:mod:`kg.ingest`), maps it with the declarative mapping,
resolves the references the template does not define against the store, and then writes it
as one validated write (:func:`kg.write.pipeline.apply_steps`): the case's earlier graphs (the claim
graphs its case graph lists, their provenance, the case graph itself) are replaced by the new
ones, the result is validated with the SHACL shapes together with the graph around it, the
inferences are updated, and everything is committed in one engine transaction. Anything wrong
(a mapping problem, a claim graph that belongs to another case, a SHACL violation, reported
at the template's sheet and row where the focus node comes from) raises
:class:`~kg.errors.CaseRefused` with every problem, and nothing is written.

IRIs are derived from the template's keys, so ingesting the same file again finds nothing to
change; a corrected file replaces the case's graphs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import rq
from kg.engine.binding import bind_values
from kg.engine.runtime import Runtime
from kg.errors import CaseRefused, ParameterError, Unprocessable, ValidationFailed, Violation
from kg.ingest import (
    IngestFileError,
    MappedCase,
    Mapping,
    Problem,
    default_mapping,
    map_case,
    read_template,
)
from kg.write import pipeline
from kg.write.neighbourhood import CHUNK
from kg.write.readers import EngineReader
from kg.write.step import Step

Counter = Callable[[int, int], None]


@dataclass(frozen=True)
class IngestOutcome:
    """What an ingest did (or, with ``dry_run``, would do)."""

    case: str
    case_graph: str
    claim_graphs: int
    quads: int
    inserted: int
    deleted: int
    inferred_added: int
    inferred_removed: int
    dry_run: bool
    version: int | None = None
    """The dataset version the ingest made (None: a dry run, or nothing changed)."""

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {
            "case": self.case,
            "case_graph": self.case_graph,
            "claim_graphs": self.claim_graphs,
            "quads": self.quads,
            "inserted": self.inserted,
            "deleted": self.deleted,
            "inferred_added": self.inferred_added,
            "inferred_removed": self.inferred_removed,
            "dry_run": self.dry_run,
            "version": self.version,
        }


async def ingest(
    runtime: Runtime,
    path: Path,
    *,
    graph: str | None = None,
    dry_run: bool = False,
    timeout_s: float,
    progress: Counter | None = None,
    source: str | None = None,
    text_dirs: Sequence[Path] = (),
) -> IngestOutcome:
    """Map the template at ``path`` and load it as one validated write (nothing, with ``dry_run``).

    ``source`` names the template in messages (default: the path); ``text_dirs`` are more
    folders with source texts (after the template's own).

    :raises CaseRefused: with every problem of the template; nothing is written.
    :raises Unprocessable: when the template cannot be read at all (named by ``source``: an
        uploaded template's path on the server is nobody's business).
    :raises ParameterError: when ``graph`` is not an absolute IRI.
    """
    name = source or str(path)
    try:
        case = await map_template(
            runtime,
            path,
            graph=case_graph(graph),
            progress=progress,
            timeout_s=timeout_s,
            text_dirs=text_dirs,
        )
    except IngestFileError as exc:
        raise Unprocessable(f"{name}: {exc.message}") from None
    if case.problems:
        raise CaseRefused(name, case.problems)

    async def plan(engine: EngineReader) -> Sequence[Step]:
        return await _steps(engine, case, name)

    try:
        outcome = await pipeline.apply_steps(runtime, plan, timeout_s=timeout_s, dry_run=dry_run)
    except ValidationFailed as exc:
        mapping = default_mapping()
        raise CaseRefused(name, [violation_problem(v, case, mapping) for v in exc.violations]) from exc
    return IngestOutcome(
        case=case.key,
        case_graph=case.case_graph.value,
        claim_graphs=len(case.claim_graphs),
        quads=len(case.quads),
        inserted=outcome.inserted,
        deleted=outcome.deleted,
        inferred_added=outcome.inferred_added,
        inferred_removed=outcome.inferred_removed,
        dry_run=dry_run,
        version=outcome.version,
    )


def case_graph(graph: str | None) -> str | None:
    """The case graph's IRI as given (``None`` or empty: the default, ``graph/case/<key>``).

    >>> case_graph("not an IRI")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kg.errors.ParameterError: parameter 'graph': expected an absolute IRI, got 'not an IRI' (...)

    :raises ParameterError: for anything but an absolute IRI.
    """
    if not graph:
        return None
    try:
        return ox.NamedNode(graph).value
    except ValueError as exc:
        raise ParameterError("graph", f"expected an absolute IRI, got {graph!r} ({exc})") from None


async def map_template(
    runtime: Runtime,
    path: Path,
    *,
    graph: str | None,
    timeout_s: float,
    progress: Counter | None = None,
    text_dirs: Sequence[Path] = (),
) -> MappedCase:
    """Read and map a template; references it does not define are looked up in the store."""
    loop = asyncio.get_running_loop()
    engine = EngineReader(runtime.client, timeout_s=timeout_s, max_rows=runtime.settings.result_limit_rows)

    def known(iris: set[str]) -> set[str]:
        return asyncio.run_coroutine_threadsafe(known_iris(engine, iris), loop).result()

    def work() -> MappedCase:
        template = read_template(path, progress=progress)
        return map_case(
            template, default_mapping(), known=known, graph=graph, progress=progress, text_dirs=text_dirs
        )

    return await asyncio.to_thread(work)


async def known_iris(engine: EngineReader, iris: Iterable[str]) -> set[str]:
    """The IRIs among ``iris`` that the store describes (as the subject of some quad)."""
    found: set[str] = set()
    nodes = sorted(iris)
    for start in range(0, len(nodes), CHUNK):
        rows = [[ox.NamedNode(iri)] for iri in nodes[start : start + CHUNK]]
        query = bind_values(rq.load("cases-known"), ["iri"], rows)
        found |= {
            iri.value for row in await engine.select(query) if isinstance(iri := row.get("iri"), ox.NamedNode)
        }
    return found


async def _steps(engine: EngineReader, case: MappedCase, name: str) -> list[Step]:
    """Replace the case's earlier graphs and their provenance with the new quads."""
    await _refuse_foreign_graphs(engine, case, name)
    old_parts = await _parts(engine, case.case_graph)
    steps: list[Step] = []
    new_graphs = {q.graph_name for q in case.quads}
    for graph in sorted({*old_parts, case.case_graph}, key=lambda g: g.value):
        content = await engine.content(graph)
        if content:
            steps.append(Step(delete=tuple(content), drop=None if graph in new_graphs else graph))
    if old_parts:
        steps.append(Step(delete=tuple(await _provenance(engine, old_parts))))
    steps.append(Step(insert=case.quads))
    return steps


async def _parts(engine: EngineReader, case_graph: ox.NamedNode) -> list[ox.NamedNode]:
    query = bind_values(rq.load("cases-parts"), ["case"], [[case_graph]])
    return [part for row in await engine.select(query) if isinstance(part := row.get("part"), ox.NamedNode)]


async def _provenance(engine: EngineReader, claims: Sequence[ox.NamedNode]) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for start in range(0, len(claims), CHUNK):
        query = bind_values(
            rq.load("cases-provenance"), ["claim"], [[c] for c in claims[start : start + CHUNK]]
        )
        for row in await engine.select(query):
            quads.append(ox.Quad(row["s"], row["p"], row["o"], row["g"]))  # type: ignore[arg-type]
    return quads


async def _refuse_foreign_graphs(engine: EngineReader, case: MappedCase, name: str) -> None:
    """A claim graph of the case that exists and is not the case's own belongs to someone else."""
    problems: list[Problem] = []
    claims = sorted(case.claim_graphs, key=lambda g: g.value)
    for start in range(0, len(claims), CHUNK):
        query = bind_values(rq.load("cases-owners"), ["g"], [[g] for g in claims[start : start + CHUNK]])
        owners: dict[str, set[str]] = {}
        for row in await engine.select(query):
            found, owner = row.get("g"), row.get("case")
            if isinstance(found, ox.NamedNode):
                owners.setdefault(found.value, set()).add(
                    owner.value if isinstance(owner, ox.NamedNode) else ""
                )
        for graph, cases in sorted(owners.items()):
            if case.case_graph.value in cases:
                continue
            others = sorted(c for c in cases if c)
            held = f"the case {others[0]}" if others else "data loaded by `clusterkg build`"
            sheet, row_number = case.origins.get(graph, ("quotes", None))
            problems.append(
                Problem(
                    sheet,
                    row_number,
                    "key",
                    graph.rsplit("/", 1)[-1],
                    f"a quote key no other data uses: the claim graph {graph} already holds claims of {held}",
                )
            )
    if problems:
        raise CaseRefused(name, problems)


def violation_problem(violation: Violation, case: MappedCase, mapping: Mapping | None = None) -> Problem:
    """A SHACL violation, located at the template row that defines its focus node.

    With the ``mapping``, the violation's property is named by the sheet's column that fills it
    (``start_year``), or else by its prefixed name (``ckg:actsAtStage``).
    """
    sheet, row = case.origins.get(violation.focus_node, ("", None))
    where = "" if sheet else f"<{violation.focus_node}>: "
    return Problem(
        sheet,
        row,
        _column(mapping, sheet, violation.path),
        violation.value,
        f"{where}{violation.message} (SHACL)",
    )


def _column(mapping: Mapping | None, sheet: str, path: str | None) -> str | None:
    """The column of ``sheet`` whose values the property ``path`` holds, else the path's CURIE.

    An alternative path (``(<rdfs:label>|<skos:prefLabel>)``, as the name shape reads names) is
    named by the column of its first property that a column fills.
    """
    if mapping is None or path is None:
        return path
    alternatives = [path]
    if path.startswith("(<") and path.endswith(">)"):
        alternatives = path[2:-2].split(">|<")
    spec = mapping.sheet(sheet)
    for alternative in alternatives:
        for column in spec.columns if spec is not None else ():
            filled = {
                column.property,
                *column.property_by_datatype.values(),
                *(s.property for s in column.path),
            }
            if alternative in filled and not column.inverse:
                return column.name
    return " | ".join(mapping.prefixes.curie(a) for a in alternatives)
