"""Typed errors of the core package, by meaning. They carry data and no HTTP status: the API
maps each kind to a status in one place (``api/errors.py``).

KgError                        - base class of every error clusterkg raises on purpose
 +-- SettingsError             - a setting has a value that cannot be used
 +-- SourceError               - an input file cannot be read or parsed (file, line)
 +-- ValidationFailed          - data does not conform to the SHACL shapes (the report)
 +-- InconsistentOntology      - the OWL DL reasoner found the ontology + data inconsistent
 +-- ProvenanceError           - a claim lacks provenance or a quote is not in its source
 +-- CaseRefused               - an ingested case template has problems; nothing was loaded
 +-- StoreError                - the store directory is missing, locked or unusable
 +-- QueryError                - a SPARQL query is malformed or failed in the engine
 |    +-- ParameterError       - a named query's or route's parameter is missing, unknown or bad
 +-- UnknownQuery              - no named query has that name
 +-- ReasonerUnavailable       - the OWL DL reasoner (Java) cannot be run here
 +-- EngineError               - the SPARQL engine failed or answered with an error
 |    +-- EngineUnavailable    - the engine cannot be reached, or was restarted mid-request
 |    +-- QueryTimeout         - the query ran past its time limit and was stopped
 +-- RemoteError               - a server we fetch from (a LOAD source, a clusterkg server) failed
 +-- PolicyRefused             - the request asks for something the server's policy forbids
 |    +-- FederationRefused    - SERVICE or LOAD of an IRI that is not allow-listed
 |    +-- WriteForbidden       - a write without writes enabled, or without the right token
 +-- RequestError              - the request itself is invalid input (bad parameter, body, text)
      +-- NotFound             - the thing asked for (a graph, a resource, a version) is not there
      +-- Gone                 - it was there, and is no longer kept (an earlier version past retention)
      +-- MethodNotAllowed     - the operation is not offered on that target
      +-- NotAcceptable        - the answer cannot be given in any format the client accepts
      +-- TooLarge             - a body, document, query or result is over a size limit
      |    +-- ResultTooLarge  - the result is over the configured row or byte limit
      +-- UnsupportedMediaType - the body's media type is not one read here
      +-- Unprocessable        - well-formed, but it cannot be carried out as asked
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class KgError(Exception):
    """Base class of every error clusterkg raises on purpose."""


class SettingsError(KgError):
    """A setting has a value that cannot be used."""


@dataclass
class SourceError(KgError):
    """An input file cannot be read or parsed."""

    path: Path
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Violation:
    """One SHACL result: what failed, where, and why."""

    focus_node: str
    path: str | None
    message: str
    severity: str
    value: str | None = None
    source_shape: str | None = None
    constraint: str | None = None
    source_file: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The violation as a JSON-ready mapping (the shape of reports in the CLI and the API)."""
        return {
            "focus_node": self.focus_node,
            "path": self.path,
            "message": self.message,
            "severity": self.severity,
            "value": self.value,
            "source_shape": self.source_shape,
            "source_file": self.source_file,
        }

    def describe(self) -> str:
        """A one-line, human-readable account of the violation."""
        parts = [f"[{self.severity}]"]
        if self.source_file:
            parts.append(f"{self.source_file}:")
        parts.append(f"focus node <{self.focus_node}>")
        if self.path:
            parts.append(f"path {self.path}")
        if self.value is not None:
            parts.append(f"value {self.value}")
        parts.append(f"- {self.message}")
        return " ".join(parts)


@dataclass
class ValidationFailed(KgError):
    """Data does not conform to the SHACL shapes."""

    violations: list[Violation] = field(default_factory=list)
    report_turtle: str = ""
    cut: bool = False
    """Whether the checks stopped early, at a cap on results: more may follow."""

    def __str__(self) -> str:
        more = " (the checks stopped there: there may be more)" if self.cut else ""
        lines = [f"SHACL validation failed with {len(self.violations)} result(s){more}:"]
        lines += [f"  {v.describe()}" for v in self.violations]
        return "\n".join(lines)


class Located(Protocol):
    """A problem that says where it is (sheet, row, column) in one line and as JSON."""

    def line(self) -> str:  # pragma: no cover - protocol
        """One readable line."""
        ...

    def as_dict(self) -> dict[str, object]:  # pragma: no cover - protocol
        """A JSON-ready mapping."""
        ...


@dataclass
class CaseRefused(KgError):
    """An ingested case template has problems (every one is listed); nothing was loaded."""

    source: str
    problems: Sequence[Located]

    def __str__(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s); nothing was loaded"]
        lines += [f"  {p.line()}" for p in self.problems]
        return "\n".join(lines)


@dataclass
class InconsistentOntology(KgError):
    """The OWL DL reasoner found the ontology plus data inconsistent."""

    explanation: list[str] = field(default_factory=list)
    reasoner_output: str = ""

    def __str__(self) -> str:
        lines = ["The ontology and data are inconsistent (OWL DL reasoner):"]
        lines += [f"  {e}" for e in self.explanation]
        return "\n".join(lines)


@dataclass
class ProvenanceError(KgError):
    """A claim lacks provenance, or a quote is not a verbatim part of its source."""

    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "Provenance problems:\n" + "\n".join(f"  {p}" for p in self.problems)


class StoreError(KgError):
    """The store directory is missing, locked or unusable."""


class QueryError(KgError):
    """A SPARQL query is malformed or failed in the engine."""


@dataclass
class ParameterError(QueryError):
    """A named query's parameter is missing or its value does not fit the declared type."""

    parameter: str
    message: str

    def __str__(self) -> str:
        return f"parameter {self.parameter!r}: {self.message}"


class UnknownQuery(KgError):
    """No named query has that name."""


class ReasonerUnavailable(KgError):
    """The OWL DL reasoner (HermiT, on Java) cannot be run on this machine."""


@dataclass
class EngineError(KgError):
    """The SPARQL engine failed or answered with an error."""

    message: str

    def __str__(self) -> str:
        return self.message


class EngineUnavailable(EngineError):
    """The engine cannot be reached, or it was restarted while serving the request."""


class QueryTimeout(EngineError):
    """The query ran past its time limit and the engine stopped it."""


@dataclass
class RemoteError(KgError):
    """A server we fetch from on a client's behalf (a LOAD source, a clusterkg server) failed."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class PolicyRefused(KgError):
    """The request asks for something the server's policy forbids."""

    message: str

    def __str__(self) -> str:
        return self.message


class FederationRefused(PolicyRefused):
    """SERVICE or LOAD of an IRI that is not allow-listed (or a file: IRI, always)."""


class WriteForbidden(PolicyRefused):
    """A write while writes are off, or without the right bearer token."""


@dataclass
class RequestError(KgError):
    """The request is invalid input: a bad parameter, body or text."""

    message: str

    def __str__(self) -> str:
        return self.message


class NotFound(RequestError):
    """The thing asked for (a graph, a resource, a version) is not there."""


class Gone(RequestError):
    """The thing asked for existed and is no longer kept (an earlier dataset version past the
    retention policy)."""


class MethodNotAllowed(RequestError):
    """The operation is not offered on that target (an update by GET, PUT on /sparql)."""


class NotAcceptable(RequestError):
    """The answer cannot be given in any format the client accepts."""


class TooLarge(RequestError):
    """A body, document, query or result is over a size limit."""


class ResultTooLarge(TooLarge):
    """The result is over the configured row or byte limit (never cut: refused whole)."""


class UnsupportedMediaType(RequestError):
    """The body's media type is not one read here."""


class Unprocessable(RequestError):
    """The request is well-formed, but it cannot be carried out as asked."""
