"""Mapping a whole template to the quads of one case: claim graphs, provenance, the case graph.

The order: the case row (its key names the case graph; ``synthetic`` moves every IRI into
the synthetic namespace), then the keys of every sheet (so that rows may refer to nodes of
later sheets), the quotes (one claim graph each), the sources (described in the case graph),
the rows of every other sheet, the provenance records, the case graph's description (a
``void:Dataset`` with ``dct:hasPart`` each claim graph), and last the references: those not
defined in the template nor in the ontology are passed to ``known`` in one batch, and every one
it does not confirm is a problem. All problems are returned together, sorted by sheet and row.
"""

from __future__ import annotations

from collections import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.ingest.claims import read_quotes, read_sources, write_provenance
from kg.ingest.collect import Output
from kg.ingest.mapping_spec import Mapping, SheetSpec
from kg.ingest.problems import CellError, Problem
from kg.ingest.references import SHARED_REFERENCE, SYNTHETIC_BASE, is_full_iri, slug
from kg.ingest.rows import SheetMapper
from kg.ingest.structure import check_structure
from kg.ingest.values import parse
from kg.ingest.workbook import Row, Template
from kg.namespaces import BASE, DCT, GRAPH, PROVENANCE_GRAPH
from kg.terms import RDF_TYPE

VOID_DATASET = ox.NamedNode("http://rdfs.org/ns/void#Dataset")
HAS_PART = ox.NamedNode(str(DCT.hasPart))
UNNAMED = "unnamed-case"

Known = Callable[[set[str]], set[str]]


@dataclass(frozen=True)
class MappedCase:
    """The quads of one case, its graphs, and the problems found (quads are usable only without)."""

    key: str
    case_graph: ox.NamedNode
    quads: tuple[ox.Quad, ...]
    claim_graphs: frozenset[ox.NamedNode]
    provenance_graph: ox.NamedNode
    synthetic: bool
    problems: tuple[Problem, ...]
    origins: abc.Mapping[str, tuple[str, int]]
    """IRI of every node the template defines -> (sheet, row)."""


@dataclass(frozen=True)
class _Case:
    key: str
    synthetic: bool
    provenance_required: bool
    row: Row | None


def map_case(
    template: Template,
    mapping: Mapping,
    *,
    known: Known,
    graph: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    text_dirs: Sequence[Path] = (),
) -> MappedCase:
    """Map a template to the quads of its case, with every problem found.

    :param known: given the IRIs referenced but not defined by the template (nor ontology
        terms), returns those that exist in the target graph. Called at most once.
    :param graph: the case graph's IRI (default ``graph/case/<key>``).
    :param progress: called with (rows done, rows in all).
    :param text_dirs: more folders to look for source text files in (after the template's).
    """
    problems = [*template.problems, *check_structure(template, mapping)]
    case_spec = next((s for s in mapping.sheets if s.kind == "case"), None)
    case = _read_case(template, case_spec, problems)
    out = Output(synthetic=case.synthetic, problems=problems)
    case_graph = ox.NamedNode(graph) if graph else out.node(f"{GRAPH}case/{case.key}")
    provenance_graph = out.node(str(PROVENANCE_GRAPH))
    total, done = template.row_count(), 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    quotes_spec = next((s for s in mapping.sheets if s.kind == "quotes"), None)
    claims: dict[str, ox.NamedNode] = {}
    mapper = SheetMapper(
        mapping,
        out,
        case_graph,
        claims,
        quotes_spec.prefix if quotes_spec else None,
        case.provenance_required,
        tick,
    )
    present = [
        (spec, sheet) for spec in mapping.sheets if (sheet := template.sheets.get(spec.name)) is not None
    ]
    subjects = {spec.name: mapper.keys(spec, sheet) for spec, sheet in present if spec.kind != "case"}
    quotes = []
    for spec, sheet in present:
        if spec.kind == "quotes":
            quotes = read_quotes(mapping, spec, sheet, subjects[spec.name], out)
            claims.update((q.iri, ox.NamedNode(q.claim)) for q in quotes)
            for _ in sheet.rows:
                tick()
    if case_spec is not None and case.row is not None:
        out.origins[case_graph.value] = (case_spec.name, case.row.number)
        headers = set(template.sheets[case_spec.name].headers)
        mapper.row(case_spec, case.row, case_graph.value, headers)
        out.add(case_graph, RDF_TYPE, VOID_DATASET, case_graph)
    sources = {}
    for spec, sheet in present:
        if spec.kind == "sources":
            mapper.rows(spec, sheet, subjects[spec.name])
            folders = [template.folder, *text_dirs]
            sources.update(read_sources(spec, sheet, subjects[spec.name], out, case_graph, folders))
        elif spec.kind == "rows":
            mapper.rows(spec, sheet, subjects[spec.name])
    if quotes_spec is not None:
        write_provenance(quotes_spec, quotes, sources, mapper.used_quotes, out, provenance_graph)
    for quote in quotes:
        out.add(case_graph, HAS_PART, ox.NamedNode(quote.claim), case_graph)
    _resolve(out, mapping, known)
    if progress is not None:
        progress(total, total)
    return MappedCase(
        key=case.key,
        case_graph=case_graph,
        quads=tuple(out.quads),
        claim_graphs=frozenset(ox.NamedNode(q.claim) for q in quotes),
        provenance_graph=provenance_graph,
        synthetic=case.synthetic,
        problems=tuple(_sorted(out.problems, mapping)),
        origins=dict(out.origins),
    )


def _read_case(template: Template, spec: SheetSpec | None, problems: list[Problem]) -> _Case:
    sheet = template.sheets.get(spec.name) if spec is not None else None
    if spec is None or sheet is None or not sheet.rows:
        if spec is not None and sheet is not None and sheet.headers:
            problems.append(Problem(spec.name, 2, None, None, "one row that describes the case"))
        return _Case(UNNAMED, False, True, None)
    row = sheet.rows[0]
    for extra in sheet.rows[1:]:
        problems.append(
            Problem(spec.name, extra.number, None, None, "one row only: the sheet describes one case")
        )
    key, synthetic, required = UNNAMED, False, True
    for column in spec.columns:
        text = row.get(column.name)
        if not text:
            continue
        try:
            if column.role == "key":
                key = slug(text)
            elif column.role == "synthetic":
                synthetic = parse(text, column.datatype or "boolean").lexical == "true"
            elif column.role == "provenance":
                if column.choices and text not in column.choices:
                    raise CellError(f"one of: {', '.join(column.choices)}")
                required = text == (column.choices[0] if column.choices else "required")
        except CellError as exc:
            problems.append(Problem(spec.name, row.number, column.name, text, exc.expected))
    return _Case(key, synthetic, required, row)


def _resolve(out: Output, mapping: Mapping, known: Known) -> None:
    """Check every reference: defined here, an ontology term, an external link, or known."""
    pending: dict[str, list[tuple[str, int, str, str]]] = {}
    for ref in out.refs:
        iri = ref.iri
        if iri in out.origins or mapping.is_term(iri):
            continue
        if out.synthetic and not iri.startswith((SYNTHETIC_BASE, *SHARED_REFERENCE)):
            expected = (
                "a synthetic node or an ontology term, or an industry class "
                "(a synthetic case refers to nothing else)"
            )
            out.problem(ref.sheet, ref.row, ref.column, ref.value, expected)
            continue
        if not iri.startswith(BASE) and is_full_iri(ref.value):
            continue  # a link to the outside world, written as a full IRI
        pending.setdefault(iri, []).append((ref.sheet, ref.row, ref.column, ref.value))
    found = known(set(pending)) if pending else set()
    for iri, places in pending.items():
        if iri in found:
            continue
        # A synthetic IRI is named as written in the template (og:x, not <.../synthetic/id/...>).
        plain = BASE + iri[len(SYNTHETIC_BASE) :] if iri.startswith(SYNTHETIC_BASE) else iri
        name = mapping.prefixes.curie(plain)
        prefix = name.partition(":")[0]
        sheets = [s.name for s in mapping.sheets if s.prefix == prefix and s.kind != "quotes"]
        hint = f"; it would be a key of the {sheets[0]} sheet" if sheets else ""
        for sheet, row, column, value in places:
            expected = f"a node defined in this template or already in the graph ({name} is in neither{hint})"
            out.problem(sheet, row, column, value, expected)


def _sorted(problems: list[Problem], mapping: Mapping) -> list[Problem]:
    order = {spec.name: i for i, spec in enumerate(mapping.sheets)}
    return sorted(problems, key=lambda p: (order.get(p.sheet, len(order)), p.row or 0))
