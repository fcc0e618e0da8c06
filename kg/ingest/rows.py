"""Mapping the rows of one sheet to quads, column by column, as the mapping declares.

A row's node is named by its key (or, in link sheets and statements, by a reference); its
quads go to the claim graph of the quote it names. Each column adds what its declaration says:
a property with a reference, an enumerated term or a typed literal as object (inverted, or
reached through ``#node`` hops, where declared), or the node's class. Every cell that does not
fit is a problem naming sheet, row, column and value; the row's other cells are still checked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from kg.ingest.collect import Output, literal
from kg.ingest.mapping_spec import Column, Mapping, SheetSpec
from kg.ingest.problems import CellError
from kg.ingest.values import RDF_LANG_STRING, XSD_PARSERS, Lit, language_tag, parse, parse_xsd, text_literal
from kg.ingest.workbook import Row, Sheet
from kg.terms import RDF_TYPE

Object = ox.NamedNode | ox.Literal


def split(text: str) -> list[str]:
    """The values of a multi-valued cell, separated by ``|``."""
    return [part.strip() for part in text.split("|") if part.strip()]


def _a(word: str) -> str:
    """The word with its indefinite article."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _maps(column: Column) -> bool:
    """Whether the column's cells become quads of their own (type and property columns)."""
    if column.role == "type":
        return True
    return column.role in ("property", "language") and bool(column.property or column.property_by_datatype)


@dataclass
class SheetMapper:
    """Maps rows of ``rows`` and ``sources`` sheets into an :class:`Output`."""

    mapping: Mapping
    out: Output
    case_graph: ox.NamedNode
    claims: dict[str, ox.NamedNode]
    """Quote IRI -> its claim graph."""
    quote_prefix: str | None
    provenance_required: bool
    tick: Callable[[], None] = lambda: None
    used_quotes: set[str] = field(default_factory=set)
    _unique: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    _sums: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)

    def keys(self, spec: SheetSpec, sheet: Sheet) -> dict[int, str]:
        """Define the node of each keyed row; returns row number -> IRI (rows with a bad key left out)."""
        column = spec.by_role("key")
        subjects: dict[int, str] = {}
        if column is None:
            return subjects
        for row in sheet.rows:
            text = row.get(column.name) or self._derived_key(spec, row)
            try:
                iri = self.out.iri(self.mapping.prefixes.key(text, spec.prefix))
            except CellError as exc:
                self.out.problem(spec.name, row.number, column.name, text, exc.expected)
                continue
            if self.out.define(iri, spec.name, row.number, column.name, text):
                subjects[row.number] = iri
        return subjects

    def _derived_key(self, spec: SheetSpec, row: Row) -> str:
        parts = [row.get(name).rpartition(":")[2] for name in spec.key_from]
        return "-".join(parts) if parts and all(parts) else ""

    def rows(self, spec: SheetSpec, sheet: Sheet, subjects: dict[int, str]) -> None:
        """Map every row of a sheet."""
        headers = set(sheet.headers)
        for row in sheet.rows:
            self.row(spec, row, subjects.get(row.number), headers)
            self.tick()

    def row(self, spec: SheetSpec, row: Row, subject: str | None, headers: Collection[str]) -> None:
        """Map one row (``subject`` is the IRI its key defines, if any)."""
        graph = self._graph(spec, row)
        keyed = spec.by_role("key") is not None
        node = ox.NamedNode(subject) if subject else None
        subject_column = spec.by_role("subject")
        if subject_column is not None and row.get(subject_column.name):
            node = self._reference(spec, row, subject_column, row.get(subject_column.name))
        if node is not None and keyed:
            for cls in spec.classes:
                self._add(node, RDF_TYPE, ox.NamedNode(cls), graph)
            self.out.flag(node, graph)
        for column in spec.columns:
            text = row.get(column.name) or (column.default or "")
            if not text:
                if column.required and column.role != "key" and column.name in headers:
                    self.out.problem(
                        spec.name, row.number, column.name, "", "a value: this column is required"
                    )
                continue
            if not _maps(column):
                continue
            for value in split(text) if column.multiple else [text]:
                try:
                    self._cell(spec, row, column, value, node, graph)
                except CellError as exc:
                    self.out.problem(spec.name, row.number, column.name, value, exc.expected)
        if spec.by_role("predicate") is not None:
            self._statement(spec, row, node, graph)

    def _graph(self, spec: SheetSpec, row: Row) -> ox.NamedNode:
        column = spec.by_role("quote")
        if column is None or not spec.provenance:
            return self.case_graph
        text = row.get(column.name)
        if not text:
            if self.provenance_required:
                expected = "the key of the quote that states this row (the case requires provenance)"
                self.out.problem(spec.name, row.number, column.name, "", expected)
            return self.case_graph
        try:
            iri = self.out.iri(self.mapping.prefixes.key(text, self.quote_prefix))
        except CellError as exc:
            self.out.problem(spec.name, row.number, column.name, text, exc.expected)
            return self.case_graph
        claim = self.claims.get(iri)
        if claim is None:
            self.out.problem(
                spec.name, row.number, column.name, text, "the key of a quote in the quotes sheet"
            )
            return self.case_graph
        self.used_quotes.add(iri)
        return claim

    def _add(self, s: ox.NamedNode | None, p: ox.NamedNode, o: Object | None, g: ox.NamedNode) -> None:
        if s is not None and o is not None:
            self.out.add(s, p, o, g)

    def _reference(self, spec: SheetSpec, row: Row, column: Column, text: str) -> ox.NamedNode | None:
        try:
            iri = self.out.reference(self.mapping.prefixes, text, column.ref)
        except CellError as exc:
            self.out.problem(spec.name, row.number, column.name, text, exc.expected)
            return None
        return self.out.refer(iri, spec.name, row.number, column.name, text)

    def _cell(
        self,
        spec: SheetSpec,
        row: Row,
        column: Column,
        text: str,
        node: ox.NamedNode | None,
        graph: ox.NamedNode,
    ) -> None:
        if column.role == "type":
            self._add(node, RDF_TYPE, ox.NamedNode(self._class(column, text)), graph)
            return
        predicate = column.property
        obj: Object | None
        if column.is_ref:
            obj = self._reference(spec, row, column, text)
        elif column.enum is not None:
            obj = ox.NamedNode(self.mapping.enumerations[column.enum].lookup(text, self.mapping.prefixes))
        elif column.lang is not None:
            obj = literal(text_literal(text, column.lang))
        else:
            lit = parse(text, column.datatype or "string")
            self._bounds(column, lit)
            self._checks(spec, row, column, text, lit)
            if column.property_by_datatype:
                predicate = column.property_by_datatype.get((lit.datatype or "").rpartition("#")[2])
                if predicate is None:
                    allowed = ", ".join(column.property_by_datatype)
                    raise CellError(f"a value of one of these kinds: {allowed}")
            obj = literal(lit)
        if predicate is None or node is None:
            return
        subject = node
        for step in column.path:
            hop = ox.NamedNode(f"{node.value}#{step.node}")
            self._add(subject, ox.NamedNode(step.property), hop, graph)
            for cls in step.classes:
                self._add(hop, RDF_TYPE, ox.NamedNode(cls), graph)
            self.out.flag(hop, graph)
            self.out.origins.setdefault(hop.value, (spec.name, row.number))
            subject = hop
        if column.inverse:
            if isinstance(obj, ox.NamedNode):
                self._add(obj, ox.NamedNode(predicate), subject, graph)
        else:
            self._add(subject, ox.NamedNode(predicate), obj, graph)

    def _class(self, column: Column, text: str) -> str:
        if column.enum is not None:
            return self.mapping.enumerations[column.enum].lookup(text, self.mapping.prefixes)
        iri = self.mapping.prefixes.reference(text, None)
        if not self.mapping.is_class(iri):
            raise CellError("a class of the ontology, written prefix:Name, such as ckg:RDTask")
        return iri

    def _bounds(self, column: Column, lit: Lit) -> None:
        number = lit.number()
        if number is None or (column.min is None and column.max is None):
            return
        if (column.min is not None and number < column.min) or (
            column.max is not None and number > column.max
        ):
            low = "" if column.min is None else f" of at least {column.min}"
            high = "" if column.max is None else f" of at most {column.max}"
            both = f" from {column.min} to {column.max}" if low and high else low or high
            raise CellError(f"a number{both}")

    def _group(self, spec: SheetSpec, row: Row, name: str) -> str:
        text = row.get(name)
        column = spec.column(name)
        if column is not None and column.is_ref and text:
            try:
                return self.mapping.prefixes.reference(text, column.ref)
            except CellError:
                return text
        return text

    def _checks(self, spec: SheetSpec, row: Row, column: Column, text: str, lit: Lit) -> None:
        if column.unique_within is not None:
            group = self._group(spec, row, column.unique_within)
            first = self._unique.setdefault((spec.name, column.name, group, lit.lexical), row.number)
            if first != row.number:
                within = self.mapping.prefixes.curie(group) if "://" in group else group
                raise CellError(
                    f"{_a(column.name)} not used by another row of the same {column.unique_within}"
                    f" (row {first} has {column.name} {lit.lexical} in {within})"
                )
        if column.sum_max is not None and (number := lit.number()) is not None:
            per, limit = column.sum_max
            key = (spec.name, column.name, self._group(spec, row, per))
            before = self._sums.get(key, Decimal(0))
            self._sums[key] = before + number
            if before <= limit < before + number:
                raise CellError(
                    f"values of {column.name} that sum to at most {limit} per {per}"
                    f" (those of {row.get(per)} sum to {before + number} with this row)"
                )

    def _statement(self, spec: SheetSpec, row: Row, node: ox.NamedNode | None, graph: ox.NamedNode) -> None:
        columns = {
            role: spec.by_role(role) for role in ("predicate", "object", "value", "datatype", "language")
        }
        texts = {role: row.get(c.name) if c else "" for role, c in columns.items()}
        predicate_column = columns["predicate"]
        if predicate_column is None or not texts["predicate"]:
            return
        vocabulary = self.mapping.vocabulary
        try:
            predicate = self.mapping.prefixes.reference(texts["predicate"], None)
            if not self.mapping.is_property(predicate):
                raise CellError("a property of the ontology, written prefix:name, such as ckg:sector")
        except CellError as exc:
            self.out.problem(spec.name, row.number, predicate_column.name, texts["predicate"], exc.expected)
            return
        kind = vocabulary.properties.get(predicate)
        name = self.mapping.prefixes.curie(predicate)
        object_column, value_column = columns["object"], columns["value"]
        if (texts["object"] and texts["value"]) or not (texts["object"] or texts["value"]):
            where = value_column if texts["object"] else object_column
            if where is not None:
                expected = (
                    "an object (prefix:slug) or a value, not both"
                    if texts["value"]
                    else "an object or a value"
                )
                self.out.problem(spec.name, row.number, where.name, row.get(where.name), expected)
            return
        if texts["object"] and object_column is not None:
            if kind == "datatype":
                expected = f"a value, not an object: {name} takes literal values"
                self.out.problem(spec.name, row.number, object_column.name, texts["object"], expected)
                return
            for text in split(texts["object"]):
                self._add(
                    node, ox.NamedNode(predicate), self._reference(spec, row, object_column, text), graph
                )
            return
        if value_column is None:
            return
        if kind == "object":
            expected = f"an object, not a value: {name} links to nodes"
            self.out.problem(spec.name, row.number, value_column.name, texts["value"], expected)
            return
        lit = self._statement_value(spec, row, columns, texts, vocabulary.ranges.get(predicate), name)
        if lit is not None:
            self._add(node, ox.NamedNode(predicate), literal(lit), graph)

    def _statement_value(
        self,
        spec: SheetSpec,
        row: Row,
        columns: dict[str, Column | None],
        texts: dict[str, str],
        range_: str | None,
        name: str,
    ) -> Lit | None:
        where = columns["value"]
        try:
            if texts["language"]:
                where = columns["language"]
                if texts["datatype"]:
                    raise CellError("no language when a datatype is given")
                return text_literal(texts["value"], language_tag(texts["language"]))
            datatype = range_ or ""
            if texts["datatype"]:
                where = columns["datatype"]
                datatype = self.mapping.prefixes.reference(texts["datatype"], None)
                if datatype not in XSD_PARSERS:
                    allowed = ", ".join(self.mapping.prefixes.curie(d) for d in XSD_PARSERS)
                    raise CellError(f"one of: {allowed}")
                where = columns["value"]
            elif range_ == RDF_LANG_STRING:
                where = columns["language"]
                raise CellError(f"a language tag such as ru: {name} takes text in a language")
            return (
                parse_xsd(texts["value"], datatype)
                if datatype in XSD_PARSERS
                else text_literal(texts["value"], None)
            )
        except CellError as exc:
            column = where.name if where is not None else None
            value = row.get(column) if column is not None else None
            self.out.problem(spec.name, row.number, column, value, exc.expected)
            return None
