"""The formats clusterkg reads and writes: one table, and the views of it that callers use.

Each :class:`Format` has a name (the value of ``format=`` and of the CLI's ``--format``), its
media types (the preferred one first, then aliases), its file extensions, its kind, and the
ids that pyoxigraph and rdflib know it by. The table is in our order of preference: the first
results format and the first RDF format are the defaults of content negotiation.

Kinds: ``results`` (SPARQL SELECT/ASK results), ``graph`` (RDF triples) and ``dataset`` (RDF
that can hold named graphs). "RDF formats" are the graph and dataset formats together.

Generic media types and extensions (``application/json``, ``application/xml``, ``text/plain``;
``.json``, ``.xml``, ``.txt``) name several formats, so they are aliases with a limit: they
answer a client that names them (``Accept: application/json`` gets JSON-LD for a graph), but
an uploaded body is never read by its generic type: ``Content-Type: application/json`` is
refused rather than read as JSON-LD. A document fetched by LOAD may still be read by a
generic extension of its IRI (``.json`` as JSON-LD), as pyoxigraph guesses it.

>>> [f.name for f in RDF_FORMATS.values()]
['turtle', 'ntriples', 'jsonld', 'rdfxml', 'trig', 'nquads']
>>> get("turtle").media_types
('text/turtle', 'application/x-turtle', 'application/turtle')
>>> rdf_format("nquads")
<RdfFormat N-Quads>
>>> by_media_type("application/json", RDF_FORMATS).name
'jsonld'
>>> readable("application/json") is None, readable("application/x-turtle").name
(True, 'turtle')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

Kind = Literal["results", "graph", "dataset"]
W3C_FORMATS = "http://www.w3.org/ns/formats/"

GENERIC_MEDIA_TYPES = frozenset({"application/json", "application/xml", "text/plain"})
"""Media types that name more than one format: only ever an answer's, when a client names them."""
GENERIC_EXTENSIONS = frozenset({".json", ".xml", ".txt"})
"""Extensions that name more than one format: used only to guess a fetched document's format."""


@dataclass(frozen=True)
class Format:
    """One format: its names, media types, extensions, kind, and its parsers' and writers' ids.

    :param name: the ``format=`` value and ``--format`` choice (``turtle``, ``json``...).
    :param media_types: the preferred media type first, then the aliases we also accept.
    :param extensions: file extensions with their dot, the usual one first.
    :param oxigraph: pyoxigraph's id (an ``RdfFormat`` or a ``QueryResultsFormat``).
    :param rdflib: rdflib's name of the format (a parser or serializer plugin).
    :param w3c: the local name of the format's IRI under ``http://www.w3.org/ns/formats/``.
    :param aliases: other names accepted in ``format=`` (SPARQLWrapper's, Jena's...).
    """

    name: str
    kind: Kind
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat
    rdflib: str
    w3c: str
    aliases: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        """The preferred media type.

        >>> get("csv").media_type
        'text/csv'
        """
        return self.media_types[0]

    @property
    def label(self) -> str:
        """The format's name for people (pyoxigraph's).

        >>> get("rdfxml").label
        'RDF/XML'
        """
        return self.oxigraph.name

    @property
    def iri(self) -> str:
        """The format's IRI (``http://www.w3.org/ns/formats/...``), for service descriptions.

        >>> get("jsonld").iri
        'http://www.w3.org/ns/formats/JSON-LD'
        """
        return W3C_FORMATS + self.w3c

    @property
    def names(self) -> tuple[str, ...]:
        """The name and its aliases.

        >>> get("turtle").names
        ('turtle', 'ttl', 'n3')
        """
        return (self.name, *self.aliases)

    @property
    def rdf(self) -> ox.RdfFormat:
        """pyoxigraph's id of an RDF format.

        :raises ValueError: for a results format.
        """
        if not isinstance(self.oxigraph, ox.RdfFormat):
            raise ValueError(f"{self.name} is not an RDF format")
        return self.oxigraph

    @property
    def results(self) -> ox.QueryResultsFormat:
        """pyoxigraph's id of a results format.

        :raises ValueError: for an RDF format.
        """
        if not isinstance(self.oxigraph, ox.QueryResultsFormat):
            raise ValueError(f"{self.name} is not a results format")
        return self.oxigraph


FORMATS: tuple[Format, ...] = (
    Format(
        "json", "results", ("application/sparql-results+json", "application/json"), (".srj",),
        ox.QueryResultsFormat.JSON, "json", "SPARQL_Results_JSON", aliases=("srj",),
    ),
    Format(
        "xml", "results", ("application/sparql-results+xml", "application/xml"), (".srx",),
        ox.QueryResultsFormat.XML, "xml", "SPARQL_Results_XML", aliases=("srx",),
    ),
    Format(
        "csv", "results", ("text/csv",), (".csv",), ox.QueryResultsFormat.CSV, "csv", "SPARQL_Results_CSV",
    ),
    Format(
        "tsv", "results", ("text/tab-separated-values",), (".tsv",),
        ox.QueryResultsFormat.TSV, "tsv", "SPARQL_Results_TSV",
    ),
    Format(
        "turtle", "graph", ("text/turtle", "application/x-turtle", "application/turtle"), (".ttl",),
        ox.RdfFormat.TURTLE, "turtle", "Turtle",
        aliases=("ttl", "n3"),  # Turtle is N3; SPARQLWrapper's N3 means "Turtle, please"
    ),
    Format(
        "ntriples", "graph", ("application/n-triples", "text/plain"), (".nt", ".txt"),
        ox.RdfFormat.N_TRIPLES, "nt", "N-Triples", aliases=("nt", "n-triples"),
    ),
    Format(
        "jsonld", "dataset", ("application/ld+json", "application/json"), (".jsonld", ".json"),
        ox.RdfFormat.JSON_LD, "json-ld", "JSON-LD", aliases=("json-ld", "json"),
    ),
    Format(
        "rdfxml", "graph", ("application/rdf+xml",), (".rdf", ".xml"),
        ox.RdfFormat.RDF_XML, "xml", "RDF_XML", aliases=("xml", "rdf", "rdf+xml", "rdf/xml"),
    ),
    Format("trig", "dataset", ("application/trig",), (".trig",), ox.RdfFormat.TRIG, "trig", "TriG"),
    Format(
        "nquads", "dataset", ("application/n-quads",), (".nq",),
        ox.RdfFormat.N_QUADS, "nquads", "N-Quads", aliases=("nq", "n-quads"),
    ),
)  # fmt: skip
"""Every format, in our order of preference within results and within RDF."""

RESULT_FORMATS: Mapping[str, Format] = {f.name: f for f in FORMATS if f.kind == "results"}
"""The results formats (SELECT/ASK) by name: ``json``, ``xml``, ``csv``, ``tsv``."""
RDF_FORMATS: Mapping[str, Format] = {f.name: f for f in FORMATS if f.kind != "results"}
"""The RDF formats (graphs and datasets) by name."""


def get(name: str) -> Format:
    """A format by its name (``xml`` is the results format: RDF/XML is ``rdfxml``).

    :raises ValueError: for a name that is not in the table.
    """
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise ValueError(f"unknown format {name!r}; one of {', '.join(f.name for f in FORMATS)}")


def results_format(name: str) -> ox.QueryResultsFormat:
    """pyoxigraph's id of a results format, by name.

    :raises ValueError: for a name that is not a results format.

    >>> results_format("tsv")
    <QueryResultsFormat SPARQL Results in TSV>
    """
    fmt = RESULT_FORMATS.get(name)
    if fmt is None:
        raise ValueError(f"unknown results format {name!r}; one of {', '.join(RESULT_FORMATS)}")
    return fmt.results


def rdf_format(name: str) -> ox.RdfFormat:
    """pyoxigraph's id of an RDF format, by name.

    :raises ValueError: for a name that is not an RDF format.
    """
    fmt = RDF_FORMATS.get(name)
    if fmt is None:
        raise ValueError(f"unknown RDF format {name!r}; one of {', '.join(RDF_FORMATS)}")
    return fmt.rdf


def short_names(formats: Mapping[str, Format]) -> dict[str, str]:
    """Names and aliases (as ``format=`` takes them) to preferred media types, within a family.

    >>> short_names(RESULT_FORMATS)["srx"], short_names(RDF_FORMATS)["xml"]
    ('application/sparql-results+xml', 'application/rdf+xml')
    """
    return {name: f.media_type for f in formats.values() for name in f.names}


def by_media_type(media_type: str, formats: Mapping[str, Format]) -> Format | None:
    """The format of a family that a bare, lower-case media type names, generic aliases included."""
    for fmt in formats.values():
        if media_type in fmt.media_types:
            return fmt
    return None


def readable_types() -> tuple[str, ...]:
    """The media types an uploaded RDF document may be sent as (no generic ones).

    >>> readable_types()[:3]
    ('text/turtle', 'application/x-turtle', 'application/turtle')
    """
    return tuple(m for f in RDF_FORMATS.values() for m in f.media_types if m not in GENERIC_MEDIA_TYPES)


def readable(media_type: str) -> Format | None:
    """The RDF format to read a body of this bare, lower-case media type in (never a generic type)."""
    if media_type in GENERIC_MEDIA_TYPES:
        return None
    return by_media_type(media_type, RDF_FORMATS)


def by_extension(
    suffix: str, formats: Mapping[str, Format] | Iterable[Format] = RDF_FORMATS, *, generic: bool = False
) -> Format | None:
    """The format that a file extension (``.ttl``, any case) names, among ``formats``.

    :param generic: also take generic extensions (``.json``, ``.xml``, ``.txt``), to guess a
        fetched document's format from its IRI.

    >>> by_extension(".NQ").name
    'nquads'
    >>> by_extension(".json") is None, by_extension(".json", generic=True).name
    (True, 'jsonld')
    """
    suffix = suffix.lower()
    if suffix in GENERIC_EXTENSIONS and not generic:
        return None
    for fmt in formats.values() if isinstance(formats, Mapping) else formats:
        if suffix in fmt.extensions:
            return fmt
    return None
