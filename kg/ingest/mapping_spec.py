"""The declarative mapping from template sheets to RDF: its model and its validating loader.

Why not a standard mapping language: RML/R2RML via morph-kgc was the candidate (it reads
spreadsheets and CSV). morph-kgc 2.10.0, its latest release, requires ``rdflib<7.3.0,>=6.1.1``
and ``pyoxigraph<0.4.0,>=0.3.0`` (Requires-Dist of its wheel), while clusterkg runs on rdflib
7.6 and pyoxigraph 0.5.13; installing it would downgrade both. RML would also not express what
the template needs besides triples: problems located by sheet, row and column, allowed values
computed from the ontology, and the quote-per-row claim graphs. So the mapping is this small
YAML format, documented here and loaded with every reference in it checked.

The format (``kg/ingest/mapping/clusterkg.yaml``)::

    version: 1
    prefixes: {cl: https://w3id.org/clusterkg/id/cluster/, ...}   # added to kg.namespaces.PREFIXES
    external_terms: [rdfs:label, ...]      # terms usable though the ontology does not declare them
    enumerations:                          # allowed values of columns, one way each:
      cluster-role: {instances_of: ckg:ClusterRole}                 # individuals of a class
      ip-type: {subclasses_of: ckg:IntellectualPropertyRight}       # (include_self: true)
      organisation-type: {terms: [ckg:Enterprise, ...]}             # listed ontology terms
      unit: {values: [{term: unit:NUM, label: number}]}             # terms the ontology lacks
    sheets:                                # in template order
      memberships:
        kind: rows                         # rows (default) | case | sources | quotes
        prefix: mb                         # default prefix of keys (none: keys are prefix:slug)
        classes: [ckg:ClusterMembership]   # rdf:type of every row's node
        provenance: true                   # rows name a quote (default for kind rows)
        key_from: [right, holder]          # an empty key is made from these columns
        required: false                    # the sheet must be present
        about: "..."                       # shown in the template's README
        columns:
          role: {property: ckg:clusterRole, enum: cluster-role, required: true}

A column has a ``role`` (default ``property``): ``key`` (the row's node), ``subject`` (the row's
node is a reference: link sheets, statements), ``quote``, ``type`` (rdf:type: ``enum`` of classes,
or any ontology class), ``property``; statements use ``predicate``, ``object``, ``value``,
``datatype``, ``language``; sources use ``language`` and ``text_file``; quotes ``source``, ``text``
and ``language``; the case ``synthetic`` and ``provenance``. A property column's value is one of:
``ref: <prefix>`` (a node; ``ref: null`` when it must be prefix:slug), ``enum: <name>``, ``lang: ru``
(text in that language) or ``datatype:`` (``string integer decimal number boolean gYear
gYearMonth date dateTime duration temporal``; ``temporal`` picks its property from
``property_by_datatype``). Options: ``inverse`` (the value is the subject), ``multiple`` (values
separated by ``|``), ``required``, ``default``, ``choices`` (plain allowed words), ``min``/``max``,
``unique_within: <column>``, ``sum_max: {per: <column>, max: 100}``, ``path`` (hops through
nodes ``<row IRI>#<node>`` before the property, e.g. ``org:memberDuring`` -> ``time:hasBeginning``),
and ``note`` (help shown in the template).
"""

from __future__ import annotations

from collections import abc
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from kg.ingest.problems import CellError
from kg.ingest.references import Prefixes
from kg.ingest.vocabulary import Vocabulary


@dataclass(frozen=True)
class PathStep:
    """A hop from the row's node to ``<row IRI>#<node>`` through a property."""

    property: str
    node: str
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    """One column of a sheet and what its values become."""

    name: str
    role: str = "property"
    property: str | None = None
    inverse: bool = False
    is_ref: bool = False
    ref: str | None = None
    enum: str | None = None
    choices: tuple[str, ...] = ()
    datatype: str | None = None
    lang: str | None = None
    multiple: bool = False
    required: bool = False
    default: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    unique_within: str | None = None
    sum_max: tuple[str, Decimal] | None = None
    path: tuple[PathStep, ...] = ()
    property_by_datatype: abc.Mapping[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the template: its kind, its nodes' IRIs and classes, its columns."""

    name: str
    kind: str
    about: str
    prefix: str | None
    classes: tuple[str, ...]
    provenance: bool
    required: bool
    key_from: tuple[str, ...]
    columns: tuple[Column, ...]

    def by_role(self, role: str) -> Column | None:
        """The first column with that role."""
        return next((c for c in self.columns if c.role == role), None)

    def column(self, name: str) -> Column | None:
        """The column with that header."""
        return next((c for c in self.columns if c.name == name), None)

    def header_names(self) -> str:
        """The column headers, for messages."""
        return ", ".join(c.name for c in self.columns)


@dataclass(frozen=True)
class EnumValue:
    """An allowed value: what is written in the cell, the term's IRI, its English label."""

    short: str
    iri: str
    label: str


@dataclass(frozen=True)
class Enumeration:
    """The allowed values of enumerated columns."""

    name: str
    about: str
    values: tuple[EnumValue, ...]

    def lookup(self, text: str, prefixes: Prefixes) -> str:
        """The IRI of a value written by its short name, CURIE or IRI.

        :raises CellError: listing the allowed values.
        """
        for value in self.values:
            if text in (value.short, value.iri, prefixes.curie(value.iri)):
                return value.iri
        raise CellError(f"one of: {', '.join(v.short for v in self.values)}")


@dataclass(frozen=True)
class Mapping:
    """A loaded, checked mapping with the vocabulary of the ontology it refers to."""

    path: Path
    prefixes: Prefixes
    enumerations: abc.Mapping[str, Enumeration]
    sheets: tuple[SheetSpec, ...]
    vocabulary: Vocabulary
    external_terms: frozenset[str]

    def sheet(self, name: str) -> SheetSpec | None:
        """The sheet of that name."""
        return next((s for s in self.sheets if s.name == name), None)

    def is_term(self, iri: str) -> bool:
        """Whether the IRI is an ontology term, an external term or an enumerated value."""
        if iri in self.vocabulary.terms or iri in self.external_terms:
            return True
        return any(v.iri == iri for e in self.enumerations.values() for v in e.values)

    def is_class(self, iri: str) -> bool:
        """Whether the IRI is a class of the ontology (or an external term)."""
        return iri in self.vocabulary.classes or iri in self.external_terms

    def is_property(self, iri: str) -> bool:
        """Whether the IRI is a property of the ontology (or an external term)."""
        return iri in self.vocabulary.properties or iri in self.external_terms
