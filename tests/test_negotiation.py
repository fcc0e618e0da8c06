"""Content negotiation: format parameters, Accept (RFC 9110), defaults and 406 refusals."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from api.negotiation import Kind, Negotiated, negotiate, negotiate_rdf, parse_accept
from kg.errors import NotAcceptable
from kg.formats import RDF_FORMATS, RESULT_FORMATS, Format

pytestmark = pytest.mark.engines  # against the managed Oxigraph and Virtuoso (tests/engines.py)

SRJ = "application/sparql-results+json"
SRX = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
JAVA = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"
# The Accept headers SPARQLWrapper sends for each return format.
SW_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
SW_N3 = "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3"
SW_DEFAULT = "application/sparql-results+xml,application/rdf+xml,*/*"

# (Accept, expected media type, expected format) for SELECT/ASK results, no format parameter.
RESULTS_ACCEPT = [
    # default
    (None, SRJ, "json"),
    ("", SRJ, "json"),
    ("   ", SRJ, "json"),
    ("*/*", SRJ, "json"),
    ("*", SRJ, "json"),
    # exact types and aliases
    (SRJ, SRJ, "json"),
    (SRX, SRX, "xml"),
    (CSV, CSV, "csv"),
    (TSV, TSV, "tsv"),
    ("application/json", "application/json", "json"),
    ("application/xml", "application/xml", "xml"),
    # q-values
    ("text/csv;q=0.5, application/sparql-results+xml", SRX, "xml"),
    ("text/csv;q=0.9, text/tab-separated-values;q=0.8", CSV, "csv"),
    ("application/sparql-results+json;q=0.1, text/csv;q=0.2", CSV, "csv"),
    ("text/csv;q=1.0, application/sparql-results+xml;q=0.999", CSV, "csv"),
    ("text/csv;q=0.001, image/png", CSV, "csv"),
    # q=0: not acceptable, even under a wildcard
    ("application/sparql-results+json;q=0, */*", SRX, "xml"),
    ("application/sparql-results+json;q=0.0, application/json;q=0, */*", SRX, "xml"),
    ("*/*, application/sparql-results+json;q=0, application/sparql-results+xml;q=0", CSV, "csv"),
    ("application/sparql-results+json;q=0, application/json", "application/json", "json"),
    # wildcards: our preference among what they cover
    ("text/*", CSV, "csv"),
    ("application/*", SRJ, "json"),
    ("text/*;q=0.5, application/sparql-results+xml;q=0.4", CSV, "csv"),
    ("image/*, text/*;q=0.1", CSV, "csv"),
    # specificity: the most specific range gives the weight
    ("text/*;q=0.1, text/tab-separated-values", TSV, "tsv"),
    ("text/*, text/csv;q=0", TSV, "tsv"),
    ("*/*;q=0.1, application/sparql-results+xml;q=0.5", SRX, "xml"),
    ("text/tab-separated-values;q=0.2, text/*;q=0.9, */*;q=0.1", CSV, "csv"),
    ("text/csv;q=0.3, */*;q=0.9", SRJ, "json"),
    # ties: the client's order, then ours
    ("text/csv, application/sparql-results+json", CSV, "csv"),
    ("application/sparql-results+xml, application/sparql-results+json", SRX, "xml"),
    ("text/tab-separated-values, text/csv", TSV, "tsv"),
    ("text/csv;q=0.5, text/tab-separated-values;q=0.5", CSV, "csv"),
    ("application/json, application/sparql-results+json", SRJ, "json"),  # same format: canonical
    ("application/xml, application/sparql-results+json", "application/xml", "xml"),
    ("application/xml, application/sparql-results+xml", SRX, "xml"),
    # parameters tolerated, case and spaces ignored
    ("application/sparql-results+json; charset=utf-8", SRJ, "json"),
    ('text/csv;charset="utf-8";q=0.5, application/sparql-results+xml;q=0.4', CSV, "csv"),
    ("text/csv;q=0.5;ext=1, text/tab-separated-values;q=0.4", CSV, "csv"),
    ("Application/SPARQL-Results+XML", SRX, "xml"),
    ("  text/csv ;  Q=0.5 ,  text/tab-separated-values ; q=0.4 ", CSV, "csv"),
    ('text/csv;foo="a,b;c", application/sparql-results+xml;q=0.5', CSV, "csv"),
    ('text/csv;foo="a\\"b,c", application/sparql-results+xml;q=0.5', CSV, "csv"),
    # malformed elements skipped
    ("garbage, text/csv", CSV, "csv"),
    ("text/csv;q=abc, application/sparql-results+xml", SRX, "xml"),
    ("text/csv;q=2, text/tab-separated-values;q=0.5", TSV, "tsv"),
    ("text/csv;q=-1, text/tab-separated-values;q=0.5", TSV, "tsv"),
    ("text/, /csv, */csv, text/tab-separated-values", TSV, "tsv"),
    ("text/csv;level, application/sparql-results+xml;q=0.5", CSV, "csv"),
    ("garbage", SRJ, "json"),
    (",,, ;;", SRJ, "json"),
    # what real clients send
    (SW_JSON, SRJ, "json"),
    (SW_DEFAULT, SRX, "xml"),
    (JAVA, SRJ, "json"),
    (BROWSER, "application/xml", "xml"),
    ("application/sparql-results+json, */*;q=0.1", SRJ, "json"),
]


@pytest.mark.parametrize(("accept", "media_type", "key"), RESULTS_ACCEPT)
def test_results_accept(accept: str | None, media_type: str, key: str) -> None:
    assert negotiate("results", accept, []) == Negotiated(media_type, key)


GRAPH_ACCEPT = [
    (None, "text/turtle", "turtle"),
    ("*/*", "text/turtle", "turtle"),
    ("text/*", "text/turtle", "turtle"),
    ("application/*", "application/n-triples", "ntriples"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "ntriples"),
    ("application/n-quads", "application/n-quads", "nquads"),
    ("application/trig", "application/trig", "trig"),
    ("application/rdf+xml", "application/rdf+xml", "rdfxml"),
    ("application/ld+json", "application/ld+json", "jsonld"),
    ("application/json", "application/json", "jsonld"),
    ("application/x-turtle", "application/x-turtle", "turtle"),
    ("text/plain", "text/plain", "ntriples"),
    ("text/plain;q=0.5, text/turtle;q=0.4", "text/plain", "ntriples"),
    ("text/plain, text/*", "text/plain", "ntriples"),
    ("text/*, text/plain", "text/turtle", "turtle"),
    ("application/ld+json;q=0.9, application/rdf+xml", "application/rdf+xml", "rdfxml"),
    ("application/n-triples, text/turtle", "application/n-triples", "ntriples"),
    ("*/*;q=0.5, application/trig", "application/trig", "trig"),
    ("text/turtle;q=0, */*", "application/n-triples", "ntriples"),
    (SW_N3, "text/turtle", "turtle"),  # application/turtle and text/turtle tie: the canonical type
    ("application/turtle,text/turtle", "text/turtle", "turtle"),
    ("application/rdf+xml", "application/rdf+xml", "rdfxml"),
    ("application/ld+json,application/x-json+ld", "application/ld+json", "jsonld"),
    (SW_DEFAULT, "application/rdf+xml", "rdfxml"),
    (BROWSER, "text/turtle", "turtle"),  # application/xml is not RDF/XML
    (JAVA, "text/turtle", "turtle"),
]


@pytest.mark.parametrize(("accept", "media_type", "key"), GRAPH_ACCEPT)
def test_graph_accept(accept: str | None, media_type: str, key: str) -> None:
    assert negotiate("graph", accept, []) == Negotiated(media_type, key)


# (format parameter values, Accept, kind, expected media type, expected format)
FORMAT_PARAMS = [
    # SPARQLWrapper: format=json&output=json&results=json
    (["json", "json", "json"], SW_JSON, "results", SRJ, "json"),
    (["json", "json", "json"], None, "results", SRJ, "json"),
    # ... and a comma-separated list of media types, twice
    ([SW_JSON, SW_JSON], None, "results", SRJ, "json"),
    ([SW_JSON, SW_JSON, "json"], "text/csv", "results", SRJ, "json"),
    (["application/sparql-results+json,application/json"] * 2, None, "results", SRJ, "json"),
    # the first recognised item wins, across and within values
    (["foo", "xml"], None, "results", SRX, "xml"),
    (["text/javascript,application/xml", "json"], None, "results", "application/xml", "xml"),
    (["csv", "tsv"], None, "results", CSV, "csv"),
    # a parameter overrides Accept, even an Accept we could not serve
    (["csv"], SRJ, "results", CSV, "csv"),
    (["tsv"], "image/png", "results", TSV, "tsv"),
    # short names and media types, any case, with parameters, with '+' arrived as a space
    (["JSON"], None, "results", SRJ, "json"),
    (["Tsv"], None, "results", TSV, "tsv"),
    (["srx"], None, "results", SRX, "xml"),
    (["application/sparql-results+xml"], None, "results", SRX, "xml"),
    (["application/sparql-results json"], None, "results", SRJ, "json"),
    (["text/csv; charset=utf-8"], None, "results", CSV, "csv"),
    ([" csv "], None, "results", CSV, "csv"),
    # unknown values are ignored: Accept decides
    (["foo"], "text/csv", "results", CSV, "csv"),
    (["foo"], None, "results", SRJ, "json"),
    ([""], TSV, "results", TSV, "tsv"),
    (["*/*"], TSV, "results", TSV, "tsv"),
    (["text/javascript"], CSV, "results", CSV, "csv"),
    (["turtle"], None, "results", SRJ, "json"),  # a graph format for results: ignored
    (["csv"], None, "graph", "text/turtle", "turtle"),  # a results format for a graph: ignored
    # graphs: SPARQLWrapper's names and common ones
    (["xml", "xml", "xml"], "application/rdf+xml", "graph", "application/rdf+xml", "rdfxml"),
    (["rdf"], None, "graph", "application/rdf+xml", "rdfxml"),
    (["rdf+xml"], None, "graph", "application/rdf+xml", "rdfxml"),
    (["rdf xml"], None, "graph", "application/rdf+xml", "rdfxml"),
    (["json"], None, "graph", "application/ld+json", "jsonld"),
    (["json-ld"], None, "graph", "application/ld+json", "jsonld"),
    (["jsonld"], None, "graph", "application/ld+json", "jsonld"),
    (["turtle", "turtle", "turtle"], "application/turtle,text/turtle", "graph", "text/turtle", "turtle"),
    (["ttl"], None, "graph", "text/turtle", "turtle"),
    (["n3"], None, "graph", "text/turtle", "turtle"),
    (["nt"], None, "graph", "application/n-triples", "ntriples"),
    (["ntriples"], None, "graph", "application/n-triples", "ntriples"),
    (["nq"], None, "graph", "application/n-quads", "nquads"),
    (["trig"], None, "graph", "application/trig", "trig"),
    (["text/plain"], None, "graph", "text/plain", "ntriples"),
    (["application/json"], None, "graph", "application/json", "jsonld"),
    (["foo"], "application/n-triples", "graph", "application/n-triples", "ntriples"),
]


@pytest.mark.parametrize(("params", "accept", "kind", "media_type", "key"), FORMAT_PARAMS)
def test_format_parameters(
    params: list[str], accept: str | None, kind: Kind, media_type: str, key: str
) -> None:
    assert negotiate(kind, accept, params) == Negotiated(media_type, key)


NOT_ACCEPTABLE = [
    ("results", "image/png"),
    ("results", "text/html"),
    ("results", "text/turtle, application/rdf+xml"),
    ("results", "application/sparql-results+json;q=0"),
    ("results", "*/*;q=0"),
    ("results", "text/*;q=0, application/*;q=0"),
    ("results", "image/*, text/csv;q=0, text/tab-separated-values;q=0"),
    ("graph", "application/sparql-results+json"),
    ("graph", "image/png, text/html"),
    ("graph", "application/xml"),
    ("graph", "*/*;q=0"),
    ("graph", "text/*, text/turtle;q=0"),  # text/plain only when named
    ("results", "application/*, application/sparql-results+json;q=0, application/sparql-results+xml;q=0"),
]


@pytest.mark.parametrize(("kind", "accept"), NOT_ACCEPTABLE)
def test_not_acceptable(kind: Kind, accept: str) -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate(kind, accept, [])
    message = str(caught.value)
    assert accept in message
    served = [SRJ, SRX, CSV, TSV] if kind == "results" else ["text/turtle", "application/ld+json"]
    assert all(media_type in message for media_type in served)


def test_not_acceptable_with_an_unknown_format_parameter() -> None:
    with pytest.raises(NotAcceptable):
        negotiate("results", "image/png", ["foo", "bar"])


def test_not_acceptable_message_is_bounded() -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate("results", "image/png, " * 1000, [])
    assert len(str(caught.value)) < 600


RDF_CASES = [
    # (Accept, params, html, expected media type, expected format)
    (BROWSER, [], True, "text/html", "html"),
    (BROWSER, [], False, "text/turtle", "turtle"),
    ("*/*", [], True, "text/turtle", "turtle"),
    (None, [], True, "text/turtle", "turtle"),
    ("text/*", [], True, "text/turtle", "turtle"),
    ("text/html;q=0.5, text/turtle", [], True, "text/turtle", "turtle"),
    ("text/html, text/turtle", [], True, "text/html", "html"),
    ("application/ld+json", [], True, "application/ld+json", "jsonld"),
    (BROWSER, ["ttl"], True, "text/turtle", "turtle"),
    ("text/turtle", ["html"], True, "text/html", "html"),
    ("text/turtle", ["text/html"], True, "text/html", "html"),
    ("text/turtle", ["html"], False, "text/turtle", "turtle"),  # no HTML here: ignored
    ("application/n-quads", [], False, "application/n-quads", "nquads"),
]


@pytest.mark.parametrize(("accept", "params", "html", "media_type", "key"), RDF_CASES)
def test_negotiate_rdf(accept: str | None, params: list[str], html: bool, media_type: str, key: str) -> None:
    assert negotiate_rdf(accept, params, html=html) == Negotiated(media_type, key)


def test_negotiate_rdf_not_acceptable() -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate_rdf("text/html", [], html=False)
    with pytest.raises(NotAcceptable) as caught:
        negotiate_rdf("image/png", [], html=True)
    assert "text/html" in str(caught.value)


def test_content_type() -> None:
    assert Negotiated("text/turtle", "turtle").content_type == "text/turtle; charset=utf-8"
    assert Negotiated("text/csv", "csv").content_type == "text/csv; charset=utf-8"
    assert Negotiated(SRJ, "json").content_type == SRJ
    assert Negotiated("application/n-triples", "ntriples").content_type == "application/n-triples"


def test_parse_accept() -> None:
    ranges = parse_accept('Text/HTML;level=1;q=0.7, */*;q=0, image/*, bad, a/b;q=1.5, x/y;q="0.5", *')
    assert [(r.type, r.subtype, r.q, r.position) for r in ranges] == [
        ("text", "html", 0.7, 0),
        ("*", "*", 0.0, 1),
        ("image", "*", 1.0, 2),
        ("*", "*", 1.0, 6),
    ]
    assert parse_accept("") == []


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        negotiate("table", None, [])  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "family"), [("results", RESULT_FORMATS), ("graph", RDF_FORMATS)])
def test_every_format_of_the_table_is_served_by_each_of_its_names_and_media_types(
    kind: Kind, family: Mapping[str, Format]
) -> None:
    for fmt in family.values():
        for media_type in fmt.media_types:
            assert negotiate(kind, media_type, []) == Negotiated(media_type, fmt.name)
            assert negotiate(kind, None, [media_type]) == Negotiated(media_type, fmt.name)
        for name in fmt.names:
            assert negotiate(kind, None, [name.upper()]) == Negotiated(fmt.media_type, fmt.name)
