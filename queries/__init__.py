"""Named queries: one ``.rq`` file each, with a ``#+`` YAML header, loaded on demand.

The header (lines starting with ``#+``) declares::

    #+ summary: Participants of a cluster by role
    #+ question: Which organisations take part in a cluster, and in which role?
    #+ description: Longer text (optional).
    #+ params:
    #+   - name: cluster            # the SPARQL variable ?cluster
    #+     type: iri                # iri, string, langstring, integer, decimal, year, date,
    #+                                  # duration, boolean
    #+     required: true
    #+     example: https://w3id.org/clusterkg/id/cluster/biomed
    #+     enum_from: ckg:Cluster   # optional: allowed values are the instances of a class
    #+     enum: [a, b]             # optional: a fixed list of allowed values

Parameters are bound as RDF terms (SPARQL variable substitution), never spliced into the
text: :func:`bind` turns raw strings into typed terms or raises :class:`ParameterError`. The
values are read by :mod:`kg.terms`, the parser the ingest uses too: an ``iri`` is an absolute
IRI or a CURIE with a published prefix (``ckg:anchorFinisherRole``), a ``year`` an
``xsd:gYear`` (``2015``, ``-0044``), a ``langstring`` ``text@tag`` with a BCP 47 tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from kg import terms
from kg.errors import ParameterError, QueryError, UnknownQuery

HERE = Path(__file__).resolve().parent
XSD = terms.XSD
DATATYPES = {
    "string": XSD + "string",
    "integer": XSD + "integer",
    "decimal": XSD + "decimal",
    "year": XSD + "gYear",
    "date": XSD + "date",
    "duration": XSD + "duration",
    "boolean": XSD + "boolean",
}
"""The literal parameter types and their datatypes (``iri`` and ``langstring`` are the others)."""
PARAM_TYPES = ("iri", "langstring", *DATATYPES)
_NAME = re.compile(r"[a-z][a-z0-9-]*")
_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str = "string"
    required: bool = False
    default: str | None = None
    description: str = ""
    example: str | None = None
    enum: tuple[str, ...] = ()
    enum_from: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    """A named query: its file, header and SPARQL text."""

    name: str
    path: Path
    summary: str
    question: str
    description: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    text: str = ""

    def param(self, name: str) -> Param:
        """The declared parameter of that name."""
        for p in self.params:
            if p.name == name:
                return p
        raise ParameterError(name, f"not a parameter of query {self.name!r}")


def _header(path: Path) -> dict[str, Any]:
    lines = [line[2:] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#+")]
    try:
        data = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as exc:
        raise QueryError(f"{path.name}: the #+ header is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise QueryError(f"{path.name}: the #+ header must be a mapping")
    return data


def parse(path: Path) -> NamedQuery:
    """Read one ``.rq`` file with its header.

    :raises QueryError: if the header is malformed or declares a parameter badly.
    """
    name = path.stem
    if not _NAME.fullmatch(name):
        raise QueryError(f"{path.name}: query names are lower-case words joined by '-'")
    head = _header(path)
    params = []
    for raw in head.get("params") or []:
        if not isinstance(raw, dict) or "name" not in raw:
            raise QueryError(f"{path.name}: every parameter needs a name")
        ptype = str(raw.get("type", "string"))
        pname = str(raw["name"])
        if ptype not in PARAM_TYPES:
            raise QueryError(f"{path.name}: parameter {pname!r} has unknown type {ptype!r}")
        if not _VAR.fullmatch(pname):
            raise QueryError(f"{path.name}: parameter {pname!r} is not a SPARQL variable name")
        params.append(
            Param(
                name=pname,
                type=ptype,
                required=bool(raw.get("required", False)),
                default=None if raw.get("default") is None else str(raw["default"]),
                description=str(raw.get("description", "")),
                example=None if raw.get("example") is None else str(raw["example"]),
                enum=tuple(str(v) for v in raw.get("enum") or ()),
                enum_from=raw.get("enum_from"),
            )
        )
    return NamedQuery(
        name=name,
        path=path,
        summary=str(head.get("summary", name)),
        question=str(head.get("question", "")),
        description=str(head.get("description", "")),
        params=tuple(params),
        text=path.read_text(encoding="utf-8"),
    )


@cache
def _all(folder: Path) -> dict[str, NamedQuery]:
    return {q.name: q for q in (parse(p) for p in sorted(folder.glob("*.rq")))}


def list_queries(folder: Path = HERE) -> list[NamedQuery]:
    """Every named query in the folder, sorted by name."""
    return list(_all(folder).values())


def get(name: str, folder: Path = HERE) -> NamedQuery:
    """The named query of that name.

    :raises UnknownQuery: if there is none.
    """
    try:
        return _all(folder)[name]
    except KeyError:
        raise UnknownQuery(f"no named query {name!r}; known: {', '.join(_all(folder))}") from None


def to_term(param: Param, raw: str) -> ox.NamedNode | ox.Literal:
    """Turn a raw string into the RDF term the parameter's type asks for (read by :mod:`kg.terms`).

    >>> to_term(Param("y", "year"), "2015")
    <Literal value=2015 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#gYear>>
    >>> to_term(Param("role", "iri"), "ckg:anchorFinisherRole")
    <NamedNode value=https://w3id.org/clusterkg/ontology#anchorFinisherRole>
    >>> to_term(Param("resource", "iri"), "_:b0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kg.errors.ParameterError: parameter 'resource': expected an absolute IRI ...; got '_:b0' (...)

    :raises ParameterError: naming the parameter when the value does not fit.
    """
    if param.enum and raw not in param.enum:
        raise ParameterError(param.name, f"must be one of {', '.join(param.enum)}; got {raw!r}")
    try:
        if param.type == "iri":
            return terms.iri(raw)
        if param.type == "langstring":
            return terms.lang_string(raw)
        return terms.literal(raw, DATATYPES[param.type])
    except terms.TermError as exc:
        raise ParameterError(param.name, str(exc)) from None


Substitutions = dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]


def bind(query: NamedQuery, values: Mapping[str, str]) -> Substitutions:
    """Typed substitutions for a query's parameters from raw strings.

    Unknown names are refused; missing required ones are refused; defaults fill the rest.

    :raises ParameterError: naming the first parameter that does not fit.
    """
    for key in values:
        query.param(key)
    bound: Substitutions = {}
    for param in query.params:
        raw = values.get(param.name, param.default)
        if raw is None:
            if param.required:
                raise ParameterError(param.name, "is required")
            continue
        bound[ox.Variable(param.name)] = to_term(param, raw)
    return bound
