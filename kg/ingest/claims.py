"""Sources and quotes: the claim graph and provenance record of each quote, checked against its text.

Quote key ``K`` names the claim graph ``id/claim/K``, the quote ``id/quote/K`` and its selector
``id/quote/K#selector`` (kg/data/README.md); the provenance triples go to the provenance graph.
A source row may name its text file (a plain file name, looked up next to the template, in the
folders the caller adds, then in ``kg/data/sources``): its SHA-256 is recorded on the source,
and every quote from it must be found there verbatim, white space folded
(:func:`kg.provenance.fold`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.ingest.collect import Output
from kg.ingest.mapping_spec import Mapping, SheetSpec
from kg.ingest.problems import CellError
from kg.ingest.references import SYNTHETIC_BASE
from kg.ingest.values import language_tag
from kg.ingest.workbook import Sheet
from kg.namespaces import CKG, OA, PROV
from kg.provenance import CLAIM_PREFIX, SourceText, fold
from kg.sources import SOURCES_DIR
from kg.terms import RDF_TYPE


def _n(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


@dataclass(frozen=True)
class SourceInfo:
    """What quoting needs to know of a source row: its language and its text, when given."""

    language: str | None
    text: SourceText | None


def find_text(name: str, folders: Sequence[Path]) -> Path | None:
    """The first existing file of that name in the folders."""
    for folder in (*folders, SOURCES_DIR):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def read_sources(
    spec: SheetSpec,
    sheet: Sheet,
    subjects: dict[int, str],
    out: Output,
    case_graph: ox.NamedNode,
    folders: Sequence[Path],
) -> dict[str, SourceInfo]:
    """Read the language and text file of each source row; records the text's SHA-256."""
    language_column, file_column = spec.by_role("language"), spec.by_role("text_file")
    infos: dict[str, SourceInfo] = {}
    for row in sheet.rows:
        iri = subjects.get(row.number)
        if iri is None:
            continue
        language = None
        if language_column is not None and row.get(language_column.name):
            try:
                language = language_tag(row.get(language_column.name))
            except CellError as exc:
                out.problem(
                    spec.name, row.number, language_column.name, row.get(language_column.name), exc.expected
                )
        text = None
        name = row.get(file_column.name) if file_column is not None else ""
        if file_column is not None and name:
            path = None if any(c in name for c in "/\\") or name.startswith(".") else find_text(name, folders)
            if path is None:
                expected = (
                    "the name of a UTF-8 text file (no folders) next to the template (in an upload: "
                    "a .txt part or a .txt file in the .zip) or among clusterkg's packaged source texts"
                )
                out.problem(spec.name, row.number, file_column.name, name, expected)
            else:
                raw = path.read_bytes()
                digest = hashlib.sha256(raw).hexdigest()
                text = SourceText(path, digest, fold(raw.decode("utf-8", errors="replace")))
                out.add(ox.NamedNode(iri), _n(CKG.textSha256), ox.Literal(digest), case_graph)
        infos[iri] = SourceInfo(language, text)
    return infos


@dataclass(frozen=True)
class QuoteRow:
    """A quote as read: its IRIs, source, text and where it was written."""

    iri: str
    claim: str
    source: str | None
    text: str
    language: str | None
    row: int


def read_quotes(
    mapping: Mapping, spec: SheetSpec, sheet: Sheet, subjects: dict[int, str], out: Output
) -> list[QuoteRow]:
    """Read the quotes sheet (keys already defined): each quote's claim graph, source and text."""
    source_column, text_column = spec.by_role("source"), spec.by_role("text")
    language_column = spec.by_role("language")
    quotes: list[QuoteRow] = []
    for row in sheet.rows:
        iri = subjects.get(row.number)
        if iri is None:
            continue
        key = iri.rpartition("/")[2]
        claim = f"{SYNTHETIC_BASE}graph/claim/{key}" if out.synthetic else CLAIM_PREFIX + key
        out.origins.setdefault(claim, (spec.name, row.number))
        out.origins.setdefault(iri + "#selector", (spec.name, row.number))
        source = None
        if source_column is not None and (text := row.get(source_column.name)):
            try:
                source = out.reference(mapping.prefixes, text, source_column.ref)
                out.refer(source, spec.name, row.number, source_column.name, text)
            except CellError as exc:
                out.problem(spec.name, row.number, source_column.name, text, exc.expected)
        language = None
        if language_column is not None and (text := row.get(language_column.name)):
            try:
                language = language_tag(text)
            except CellError as exc:
                out.problem(spec.name, row.number, language_column.name, text, exc.expected)
        body = row.get(text_column.name) if text_column is not None else ""
        quotes.append(QuoteRow(iri, claim, source, body, language, row.number))
    return quotes


def write_provenance(
    spec: SheetSpec,
    quotes: Sequence[QuoteRow],
    sources: dict[str, SourceInfo],
    used: set[str],
    out: Output,
    graph: ox.NamedNode,
) -> None:
    """Add each quote's provenance record; check its text, its language and that a row uses it."""
    names = {
        role: (c.name if (c := spec.by_role(role)) is not None else None)
        for role in ("key", "text", "language")
    }
    for quote in quotes:
        claim, node, selector = (
            ox.NamedNode(quote.claim),
            ox.NamedNode(quote.iri),
            ox.NamedNode(quote.iri + "#selector"),
        )
        if quote.iri not in used:
            key = quote.iri.rpartition("/")[2]
            expected = "a quote that some row names as its support (none does)"
            out.problem(spec.name, quote.row, names["key"], key, expected)
        info = sources.get(quote.source or "")
        language = quote.language or (info.language if info else None)
        if quote.text and language is None:
            expected = "the quote's language (its source gives none)"
            out.problem(spec.name, quote.row, names["language"], "", expected)
        if (
            quote.text
            and info is not None
            and info.text is not None
            and fold(quote.text) not in info.text.folded
        ):
            expected = f"a passage found verbatim in {info.text.path.name} (white space folded)"
            out.problem(spec.name, quote.row, names["text"], quote.text, expected)
        out.add(claim, RDF_TYPE, _n(CKG.Claim), graph)
        out.add(claim, _n(PROV.wasDerivedFrom), node, graph)
        out.add(node, RDF_TYPE, _n(CKG.Quote), graph)
        if quote.source is not None:
            out.add(node, _n(PROV.wasQuotedFrom), ox.NamedNode(quote.source), graph)
            out.add(node, _n(OA.hasSource), ox.NamedNode(quote.source), graph)
        out.add(node, _n(OA.hasSelector), selector, graph)
        out.add(selector, RDF_TYPE, _n(OA.TextQuoteSelector), graph)
        if quote.text:
            exact = (
                ox.Literal(fold(quote.text), language=language) if language else ox.Literal(fold(quote.text))
            )
            out.add(selector, _n(OA.exact), exact, graph)
        for each in (claim, node, selector):
            out.flag(each, graph)
