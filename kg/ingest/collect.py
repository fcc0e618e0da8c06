"""What mapping a template collects: quads (in order, once each), problems, origins, references.

One :class:`Output` is filled by the sheet mappers and turned into a
:class:`kg.ingest.mapper.MappedCase` at the end. It also knows whether the case is synthetic,
and moves every clusterkg IRI it is given into the synthetic namespace if so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.ingest.problems import Problem
from kg.ingest.references import Prefixes, is_full_iri, synthetic_iri
from kg.ingest.values import Lit
from kg.namespaces import CKG

SYNTHETIC = ox.NamedNode(str(CKG.synthetic))
TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


@dataclass(frozen=True)
class Ref:
    """A reference written in a cell, to be resolved against the template, ontology and graph."""

    iri: str
    sheet: str
    row: int
    column: str
    value: str


@dataclass
class Output:
    """Quads, problems, origins of defined nodes and references, as a template is mapped."""

    synthetic: bool = False
    quads: dict[ox.Quad, None] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    origins: dict[str, tuple[str, int]] = field(default_factory=dict)
    refs: list[Ref] = field(default_factory=list)

    def iri(self, iri: str) -> str:
        """The IRI as this case uses it (moved into the synthetic namespace for synthetic cases)."""
        return synthetic_iri(iri) if self.synthetic else iri

    def reference(self, prefixes: Prefixes, text: str, default: str | None) -> str:
        """The IRI a reference cell names; full IRIs are taken as written, even in synthetic cases.

        :raises CellError: when the text is no reference.
        """
        iri = prefixes.reference(text, default)
        return iri if is_full_iri(text) else self.iri(iri)

    def node(self, iri: str) -> ox.NamedNode:
        """A named node for the IRI as this case uses it."""
        return ox.NamedNode(self.iri(iri))

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal, g: ox.NamedNode) -> None:
        """Add one quad (again is a no-op)."""
        self.quads[ox.Quad(s, p, o, g)] = None

    def flag(self, node: ox.NamedNode, graph: ox.NamedNode) -> None:
        """Mark a node defined by the template ``ckg:synthetic true`` when the case is synthetic."""
        if self.synthetic:
            self.add(node, SYNTHETIC, TRUE, graph)

    def problem(
        self, sheet: str, row: int | None, column: str | None, value: str | None, expected: str
    ) -> None:
        """Record a problem."""
        self.problems.append(Problem(sheet, row, column, value, expected))

    def define(self, iri: str, sheet: str, row: int, column: str, value: str) -> bool:
        """Record that a row defines a node; a node defined twice is a problem (returns False)."""
        if iri in self.origins:
            where, number = self.origins[iri]
            self.problem(
                sheet, row, column, value, f"a key used once in the template ({where} row {number} has it)"
            )
            return False
        self.origins[iri] = (sheet, row)
        return True

    def refer(self, iri: str, sheet: str, row: int, column: str, value: str) -> ox.NamedNode:
        """Record a reference to check later, and return its node."""
        self.refs.append(Ref(iri, sheet, row, column, value))
        return ox.NamedNode(iri)


def literal(lit: Lit) -> ox.Literal:
    """The pyoxigraph literal of a parsed cell."""
    if lit.language:
        return ox.Literal(lit.lexical, language=lit.language)
    if lit.datatype:
        return ox.Literal(lit.lexical, datatype=ox.NamedNode(lit.datatype))
    return ox.Literal(lit.lexical)
