"""Checking and converting the engine's answers: round trips, truncation, limits, JSON-LD."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.query import Result

from kg.engine.results import convert_graph, convert_results, count_rows, prefix_context
from kg.errors import EngineError, NotAcceptable, QueryTimeout, RequestError, ResultTooLarge
from kg.namespaces import PREFIXES

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
CKG = PREFIXES["ckg"]
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
RESULT_TARGETS = ["json", "xml", "csv", "tsv"]
GRAPH_TARGETS = ["turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"]
RDFLIB_FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "rdfxml": "xml",
    "jsonld": "json-ld",
}
OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}

OBJECTS: list[ox.NamedNode | ox.BlankNode | ox.Literal] = [
    ox.Literal("plain"),
    ox.Literal(""),
    ox.Literal("with \"quotes\", commas; a \\ backslash and 'single' quotes"),
    ox.Literal("line1\nline2\r\nline3\ttab\rcarriage return"),
    ox.Literal("trailing newline\n"),
    ox.Literal("unicode: Кластер ✓ 𝔘 e\u0301 \u2028 \u00a0 日本語"),
    ox.Literal("<result>markup</result> & <![CDATA[x]]> --> &amp;"),
    ox.Literal("hello", language="en"),
    ox.Literal("colour", language="en-GB"),
    ox.Literal("привет\nмир", language="ru"),
    ox.Literal("12", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("-0012", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("NaN", datatype=ox.NamedNode(XSD + "double")),
    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("2024-01-31T12:00:00+03:00", datatype=ox.NamedNode(XSD + "dateTime")),
    ox.Literal("odd value", datatype=ox.NamedNode(EX + "customType")),
    ox.Literal('{"a": [1, "x"]}', datatype=ox.NamedNode(RDF + "JSON")),
    ox.NamedNode(EX + "o?a=1&b=2#frag"),
    ox.NamedNode(EX + "ü/ä"),
    ox.NamedNode("urn:isbn:0451450523"),
    ox.NamedNode(CKG + "Cluster"),
    ox.BlankNode("b1"),
]


def edge_triples() -> list[ox.Triple]:
    """One triple per edge-case object, typed subjects, and blank-node subjects."""
    triples = [ox.Triple(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), o) for i, o in enumerate(OBJECTS)]
    triples += [
        ox.Triple(ox.NamedNode(EX + "s0"), ox.NamedNode(RDF + "type"), ox.NamedNode(CKG + "Cluster")),
        ox.Triple(ox.NamedNode(EX + "s0"), ox.NamedNode(RDF + "type"), ox.NamedNode(EX + "Thing")),
        ox.Triple(
            ox.NamedNode(EX + "s0"), ox.NamedNode(RDFS + "label"), ox.Literal("Кластер", language="ru")
        ),
        ox.Triple(
            ox.NamedNode(EX + "s0"), ox.NamedNode(RDFS + "label"), ox.Literal("Cluster", language="en")
        ),
        ox.Triple(
            ox.NamedNode(EX + "s0"),
            ox.NamedNode(CKG + "members"),
            ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")),
        ),
        ox.Triple(ox.BlankNode("b1"), ox.NamedNode(EX + "p"), ox.BlankNode("b2")),
        ox.Triple(ox.BlankNode("b2"), ox.NamedNode(RDF + "type"), ox.BlankNode("b3")),
        ox.Triple(ox.BlankNode("b2"), ox.NamedNode(RDFS + "label"), ox.Literal("anonymous")),
    ]
    return triples


def nt_body(triples: list[ox.Triple]) -> bytes:
    out = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert out is not None
    return out


EDGE_NT = nt_body(edge_triples())
GRAPHS_NQ = (
    EDGE_NT
    + b'<http://example.org/a> <http://example.org/p> "in g1"@en <http://example.org/g1> .\n'
    + b"<http://example.org/g1> <http://example.org/p> <http://example.org/a> <http://example.org/g1> .\n"
    + b'_:b9 <http://example.org/p> "in a blank-node graph" _:g2 .\n'
    + b'<http://example.org/g1> <http://example.org/about> "the graph itself" .\n'
)


def edge_store() -> ox.Store:
    store = ox.Store()
    store.load(EDGE_NT, ox.RdfFormat.N_TRIPLES)
    return store


def engine_json(query: str) -> bytes:
    """What the Oxigraph server answers for a SELECT or ASK: Oxigraph's own JSON writer."""
    result = edge_store().query(query)
    assert isinstance(result, ox.QuerySolutions | ox.QueryBoolean)
    out = result.serialize(format=ox.QueryResultsFormat.JSON)
    assert out is not None
    return out


SELECT_ALL = engine_json(
    "SELECT ?s ?p ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?unbound } }"
)
N_ROWS = len(edge_triples())
ASK_TRUE = engine_json("ASK { ?s ?p ?o }")
ASK_FALSE = engine_json("ASK { ?s <http://example.org/none> ?o }")
NO_VARIABLES = engine_json("SELECT * WHERE { } ")  # one row, no variables
EMPTY = engine_json("SELECT ?s WHERE { ?s <http://example.org/none> ?o }")


def rows(parsed: ox.QuerySolutions | ox.QueryBoolean) -> tuple[list[str], list[tuple[Term | None, ...]]]:
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return names, [tuple(solution[name] for name in names) for solution in parsed]


def parse_json(body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)


WRITERS = pytest.mark.parametrize("engine_writer", [False, True], ids=["read-by-pyoxigraph", "shape-checked"])
"""Both checks of a JSON answer (:func:`convert_results`' ``engine_writer``) refuse the same."""


# --- SELECT / ASK results ------------------------------------------------------------------


def test_the_fixture_has_every_kind_of_term() -> None:
    names, table = rows(parse_json(SELECT_ALL))
    assert names == ["s", "p", "o", "unbound"]
    assert len(table) == N_ROWS
    assert all(row[3] is None for row in table)
    objects = {row[2] for row in table}
    # The store writes numbers in canonical form ("-0012" as "-12"); the graph tests keep them.
    canonicalised = {o for o in OBJECTS if isinstance(o, ox.Literal) and o.value in ("-0012", "1.50")}
    assert set(OBJECTS) - canonicalised - {ox.BlankNode("b1")} <= objects


@pytest.mark.parametrize(
    ("target", "fmt"),
    [
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("tsv", ox.QueryResultsFormat.TSV),
    ],
)
def test_results_round_trip(target: str, fmt: ox.QueryResultsFormat) -> None:
    out = convert_results(SELECT_ALL, target)
    assert rows(ox.parse_query_results(out, fmt)) == rows(parse_json(SELECT_ALL))


@WRITERS
def test_json_is_passed_through_once_checked(engine_writer: bool) -> None:
    assert convert_results(SELECT_ALL, "json", engine_writer=engine_writer) is SELECT_ALL


def to_rdflib(term: Term | None) -> rdflib.term.Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    assert isinstance(term, ox.Literal)
    if term.language is not None:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


@pytest.mark.parametrize(("target", "rdflib_format"), [("json", "json"), ("xml", "xml")])
def test_results_read_by_rdflib(target: str, rdflib_format: str) -> None:
    out = convert_results(SELECT_ALL, target)
    result = Result.parse(io.BytesIO(out), format=rdflib_format)
    names, table = rows(parse_json(SELECT_ALL))
    assert [str(v) for v in result.vars or []] == names
    assert [tuple(row.get(rdflib.Variable(name)) for name in names) for row in result.bindings] == [
        tuple(to_rdflib(term) for term in row) for row in table
    ]


def csv_cell(term: Term | None) -> str:
    """SPARQL 1.1 CSV: IRIs and lexical forms bare, blank nodes as _:label, unbound empty."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    assert isinstance(term, ox.NamedNode | ox.Literal)
    return term.value


def test_results_csv() -> None:
    out = convert_results(SELECT_ALL, "csv")
    table = list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))
    names, expected = rows(parse_json(SELECT_ALL))
    assert table[0] == names
    assert table[1:] == [[csv_cell(term) for term in row] for row in expected]
    assert out.endswith(b"\r\n")


@pytest.mark.parametrize("target", RESULT_TARGETS)
@pytest.mark.parametrize(("body", "value"), [(ASK_TRUE, True), (ASK_FALSE, False)])
def test_ask_in_every_format(body: bytes, value: bool, target: str) -> None:
    out = convert_results(body, target)
    if target == "csv":
        assert out == (b"true" if value else b"false")
        return
    fmt = {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "tsv": ox.QueryResultsFormat.TSV,
    }
    parsed = ox.parse_query_results(out, fmt[target])
    assert isinstance(parsed, ox.QueryBoolean)
    assert bool(parsed) is value


def test_ask_as_tsv_is_the_bare_word_like_oxigraph() -> None:
    assert convert_results(ASK_TRUE, "tsv") == b"true"
    assert convert_results(ASK_FALSE, "csv") == b"false"


@WRITERS
def test_ask_counts_no_rows(engine_writer: bool) -> None:
    assert count_rows(ASK_TRUE, engine_writer=engine_writer) == 0
    assert convert_results(ASK_TRUE, "xml", max_rows=0).endswith(b"</sparql>")


@pytest.mark.parametrize(
    ("body", "expected"), [(SELECT_ALL, N_ROWS), (NO_VARIABLES, 1), (EMPTY, 0), (ASK_FALSE, 0)]
)
@WRITERS
def test_count_rows(body: bytes, expected: int, engine_writer: bool) -> None:
    assert count_rows(body, engine_writer=engine_writer) == expected


TRICKY = json.dumps(
    {
        "head": {"vars": ["a", "b"]},
        "results": {
            "bindings": [
                {
                    "a": {"type": "literal", "value": 'x\r\ny "q" z'},
                    "b": {"type": "literal", "value": "<result>"},
                },
                {"a": {"type": "literal", "value": '"'}, "b": {"type": "literal", "value": "\r\n\r\n"}},
                {},
                {"b": {"type": "literal", "value": "a,b\nc", "xml:lang": "en"}},
                {"a": {"type": "uri", "value": "http://example.org/x"}},
            ]
        },
    }
).encode()


@pytest.mark.parametrize("target", RESULT_TARGETS)
@pytest.mark.parametrize(
    ("body", "n"),
    [(SELECT_ALL, N_ROWS), (TRICKY, 5), (NO_VARIABLES, 1), (EMPTY, 0)],
    ids=["all", "tricky", "novars", "empty"],
)
@WRITERS
def test_row_limit(body: bytes, n: int, target: str, engine_writer: bool) -> None:
    """Rows are counted exactly in every format, whatever the literals hold."""
    assert count_rows(body, engine_writer=engine_writer) == n
    limited = convert_results(body, target, max_rows=n, engine_writer=engine_writer)
    assert limited == convert_results(body, target)
    if n == 0:
        return
    with pytest.raises(ResultTooLarge) as caught:
        convert_results(body, target, max_rows=n - 1, engine_writer=engine_writer)
    assert f"more than {n - 1} rows" in str(caught.value)


# --- incomplete answers --------------------------------------------------------------------


@WRITERS
@pytest.mark.parametrize("target", RESULT_TARGETS)
def test_results_cut_in_the_middle_and_followed_by_text_are_refused(target: str, engine_writer: bool) -> None:
    body = SELECT_ALL[: len(SELECT_ALL) // 2] + b"Timeout"
    with pytest.raises(EngineError) as caught:
        convert_results(body, target, engine_writer=engine_writer)
    assert isinstance(caught.value, QueryTimeout)
    assert type(caught.value) is QueryTimeout
    assert "incomplete or malformed" in str(caught.value)


@pytest.mark.parametrize("target", RESULT_TARGETS)
@pytest.mark.parametrize(
    "body",
    [
        SELECT_ALL[: len(SELECT_ALL) // 2] + b"\nInternal server error",
        SELECT_ALL[:-1],
        SELECT_ALL + b"garbage",
        SELECT_ALL + b"\nerror: the server failed",
        SELECT_ALL + SELECT_ALL,
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        SELECT_ALL.replace(b'"type":"uri"', b'"type":"url"', 1),
        ASK_TRUE[:-1],
        ASK_TRUE + b"x",
    ],
    ids=[
        "cut+text",
        "cut",
        "garbage",
        "error-line",
        "twice",
        "empty",
        "html",
        "bad-term",
        "ask-cut",
        "ask+x",
    ],
)
@WRITERS
def test_malformed_results_are_refused(body: bytes, target: str, engine_writer: bool) -> None:
    with pytest.raises(EngineError) as caught:
        convert_results(body, target, engine_writer=engine_writer)
    assert type(caught.value) is EngineError
    assert str(caught.value).startswith("the engine's answer was incomplete or malformed")
    with pytest.raises(EngineError):
        count_rows(body, engine_writer=engine_writer)


@WRITERS
@pytest.mark.parametrize("target", RESULT_TARGETS)
def test_results_cut_anywhere_are_refused(target: str, engine_writer: bool) -> None:
    """No proper prefix of a results document is a results document."""
    body = engine_json("SELECT ?s ?o WHERE { ?s ?p ?o } LIMIT 6")
    for end in range(len(body)):
        with pytest.raises(EngineError):
            convert_results(body[:end], target, engine_writer=engine_writer)
        with pytest.raises(EngineError):
            convert_results(
                body[:end] + b"Query timed out", target, max_rows=1000, engine_writer=engine_writer
            )


@WRITERS
def test_results_with_a_row_limit_refuse_truncation_too(engine_writer: bool) -> None:
    with pytest.raises(EngineError):
        body = SELECT_ALL[: len(SELECT_ALL) // 2] + b"Timeout"
        convert_results(body, "json", max_rows=10_000, engine_writer=engine_writer)


def test_unknown_results_format() -> None:
    with pytest.raises(ValueError, match="unknown results format"):
        convert_results(SELECT_ALL, "html")


# --- graphs --------------------------------------------------------------------------------


def ox_quads(body: bytes, fmt: ox.RdfFormat) -> set[ox.Quad]:
    return set(ox.parse(body, fmt))


@pytest.mark.parametrize("target", GRAPH_TARGETS)
def test_graph_round_trip(target: str) -> None:
    out = convert_graph(EDGE_NT, "ntriples", target, prefixes=PREFIXES)
    assert ox_quads(out, OX_FORMATS[target]) == ox_quads(EDGE_NT, ox.RdfFormat.N_TRIPLES)


@pytest.mark.parametrize("target", GRAPH_TARGETS)
def test_graph_read_by_rdflib(target: str) -> None:
    out = convert_graph(EDGE_NT, "ntriples", target, prefixes=PREFIXES)
    expected = rdflib.Graph().parse(data=EDGE_NT, format="nt")
    if target in ("nquads", "trig"):
        got = rdflib.Dataset().parse(data=out, format=RDFLIB_FORMATS[target])
        assert isomorphic(expected, got.default_graph)
    else:
        assert isomorphic(expected, rdflib.Graph().parse(data=out, format=RDFLIB_FORMATS[target]))


@pytest.mark.parametrize("target", ["nquads", "trig", "jsonld"])
def test_named_graphs_round_trip(target: str) -> None:
    out = convert_graph(GRAPHS_NQ, "nquads", target, prefixes=PREFIXES)
    assert ox_quads(out, OX_FORMATS[target]) == ox_quads(GRAPHS_NQ, ox.RdfFormat.N_QUADS)


def test_named_graphs_round_trip_compacted() -> None:
    out = convert_graph(GRAPHS_NQ, "nquads", "jsonld", jsonld_context=prefix_context(PREFIXES))
    assert ox_quads(out, ox.RdfFormat.JSON_LD) == ox_quads(GRAPHS_NQ, ox.RdfFormat.N_QUADS)
    document = json.loads(out)
    holder = next(node for node in document["@graph"] if node["@id"] == "http://example.org/g1")
    assert holder["http://example.org/about"] == "the graph itself"  # the graph is also a subject
    assert {
        "@id": "http://example.org/a",
        "http://example.org/p": {"@value": "in g1", "@language": "en"},
    } in holder["@graph"]


@pytest.mark.parametrize("target", ["turtle", "ntriples", "rdfxml"])
def test_named_graphs_in_a_triple_format_are_not_acceptable(target: str) -> None:
    with pytest.raises(NotAcceptable):
        convert_graph(GRAPHS_NQ, "nquads", target)


def test_default_graph_quads_convert_to_triple_formats() -> None:
    out = convert_graph(EDGE_NT, "nquads", "turtle")
    assert ox_quads(out, ox.RdfFormat.TURTLE) == ox_quads(EDGE_NT, ox.RdfFormat.N_TRIPLES)


def test_turtle_declares_only_the_prefixes_it_uses() -> None:
    out = convert_graph(EDGE_NT, "ntriples", "turtle", prefixes=PREFIXES).decode()
    header = {line for line in out.splitlines() if line.startswith("@prefix")}
    assert header == {f"@prefix {name}: <{PREFIXES[name]}> ." for name in ("ckg", "rdf", "rdfs", "xsd")}
    assert "ckg:Cluster" in out
    assert "rdfs:label" in out
    assert '"NaN"^^xsd:double' in out


def test_trig_declares_only_the_prefixes_it_uses() -> None:
    out = convert_graph(GRAPHS_NQ, "nquads", "trig", prefixes={"ex": EX, "owl": PREFIXES["owl"]})
    assert out.startswith(b"@prefix ex: <http://example.org/> .\n")
    assert b"@prefix owl:" not in out


def test_rdfxml_uses_the_prefixes() -> None:
    out = convert_graph(EDGE_NT, "ntriples", "rdfxml", prefixes=PREFIXES)
    assert b'xmlns:ckg="https://w3id.org/clusterkg/ontology#"' in out


def test_rdfxml_refuses_a_predicate_it_cannot_name() -> None:
    body = b'<http://example.org/a> <http://example.org/p/> "x" .\n'
    with pytest.raises(NotAcceptable):
        convert_graph(body, "ntriples", "rdfxml")
    assert convert_graph(body, "ntriples", "turtle")


TRIPLE_TERM = (
    b"<http://example.org/a> <http://example.org/says> "
    b'<<( <http://example.org/a> <http://example.org/p> "x" )>> .\n'
)
DIRECTIONAL = (
    b'<http://example.org/a> <http://example.org/p> "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"@ar--rtl .\n'
)


@pytest.mark.parametrize("context", [None, {"ex": EX}], ids=["flat", "compacted"])
def test_jsonld_refuses_triple_terms(context: dict[str, Any] | None) -> None:
    with pytest.raises(NotAcceptable):
        convert_graph(TRIPLE_TERM, "ntriples", "jsonld", jsonld_context=context)


@pytest.mark.parametrize("context", [None, {"ex": EX}], ids=["flat", "compacted"])
def test_jsonld_writes_directions_as_pyoxigraph_does(context: dict[str, Any] | None) -> None:
    out = convert_graph(DIRECTIONAL, "ntriples", "jsonld", jsonld_context=context)
    assert ox_quads(out, ox.RdfFormat.JSON_LD) == ox_quads(DIRECTIONAL, ox.RdfFormat.N_TRIPLES)
    assert b'"@direction":"rtl"' in out


@pytest.mark.parametrize("body", [TRIPLE_TERM, DIRECTIONAL], ids=["triple-term", "directional"])
@pytest.mark.parametrize("target", ["turtle", "ntriples", "nquads", "trig"])
def test_rdf_1_2_in_formats_that_have_it(body: bytes, target: str) -> None:
    out = convert_graph(body, "ntriples", target)
    assert ox_quads(out, OX_FORMATS[target]) == ox_quads(body, ox.RdfFormat.N_TRIPLES)


@pytest.mark.parametrize("target", GRAPH_TARGETS)
@pytest.mark.parametrize(
    ("tail", "timeout"),
    [
        (b"Timeout", True),
        (b"Timeout\n", True),
        (b"\nTimeout\n", True),
        (b"Query evaluation timed out\n", True),
        (b"error: the engine failed\n", False),
        (b"<html>502</html>", False),
    ],
)
def test_ntriples_followed_by_an_error_text_are_refused(tail: bytes, timeout: bool, target: str) -> None:
    with pytest.raises(EngineError) as caught:
        convert_graph(EDGE_NT + tail, "ntriples", target, prefixes=PREFIXES)
    assert isinstance(caught.value, QueryTimeout) is timeout


@pytest.mark.parametrize("context", [None, {"ex": EX}], ids=["flat", "compacted"])
def test_ntriples_cut_and_followed_by_text_are_refused_as_jsonld(context: dict[str, Any] | None) -> None:
    with pytest.raises(EngineError):
        convert_graph(EDGE_NT[: len(EDGE_NT) // 2] + b"Timeout", "ntriples", "jsonld", jsonld_context=context)


@pytest.mark.parametrize("target", ["turtle", "ntriples", "jsonld"])
def test_ntriples_cut_anywhere_but_a_line_end_are_refused(target: str) -> None:
    """A cut inside a line is caught; a cut at a line end is a smaller, well-formed graph."""
    body = nt_body(edge_triples()[:6] + edge_triples()[-3:])
    ends = (
        {0}
        | {i + 1 for i, byte in enumerate(body) if byte == 0x0A}
        | {i for i, b in enumerate(body) if b == 0x0A}
    )
    for end in range(len(body)):
        if end in ends:
            convert_graph(body[:end], "ntriples", target)
        else:
            with pytest.raises(EngineError):
                convert_graph(body[:end], "ntriples", target)


def test_nquads_cut_are_refused() -> None:
    with pytest.raises(EngineError):
        convert_graph(GRAPHS_NQ[:-5] + b"Timeout", "nquads", "trig")


def test_graph_argument_errors() -> None:
    with pytest.raises(ValueError, match="unknown RDF format"):
        convert_graph(EDGE_NT, "ntriples", "n3")
    with pytest.raises(ValueError, match="unknown RDF format"):
        convert_graph(EDGE_NT, "rdfa", "turtle")
    with pytest.raises(ValueError, match="prefix name"):
        convert_graph(EDGE_NT, "ntriples", "turtle", prefixes={"a b": EX})
    with pytest.raises(ValueError):
        convert_graph(EDGE_NT, "ntriples", "turtle", prefixes={"ex": "not an iri"})


# --- JSON-LD compacted with a context ------------------------------------------------------

RICH_CONTEXT: dict[str, Any] = {
    **prefix_context(PREFIXES),
    "ex": EX,
    "label": {"@id": "rdfs:label", "@language": "en"},
    "labelRu": {"@id": "rdfs:label", "@language": "ru"},
    "members": {"@id": "ckg:members", "@type": "xsd:integer"},
    "link": {"@id": "ex:p", "@type": "@id"},
    "Cluster": "ckg:Cluster",
}
CONTEXTS: dict[str, dict[str, Any]] = {
    "prefixes": prefix_context(PREFIXES),
    "rich": RICH_CONTEXT,
    "document": {"@context": RICH_CONTEXT},
    "vocab": {"@vocab": EX, "rdfs": RDFS, "xsd": XSD},
    "default-language": {**RICH_CONTEXT, "@language": "ru"},
    "default-direction": {**RICH_CONTEXT, "@language": "ru", "@direction": "ltr"},
    "no-language-term": {**RICH_CONTEXT, "@language": "en", "text": {"@id": "ex:p", "@language": None}},
    "string-type-term": {"ex": EX, "typed": {"@id": "ex:p", "@type": "xsd:string"}, "xsd": XSD},
    "set-container": {"ex": EX, "p": {"@id": "ex:p", "@container": "@set"}},
    "list-container": {"ex": EX, "p": {"@id": "ex:p", "@container": "@list"}},
    "language-container": {"ex": EX, "p": {"@id": "ex:p", "@container": "@language"}},
    "reverse": {"ex": EX, "p": {"@reverse": "ex:p"}},
    "scoped": {"ex": EX, "p": {"@id": "ex:p", "@context": {"@language": "de"}}},
    "json-type": {"ex": EX, "p": {"@id": "ex:p", "@type": "@json"}},
    "vocab-type": {"ex": EX, "p": {"@id": "ex:p", "@type": "@vocab"}},
    "expanded-prefix": {"ex": {"@id": EX}, "xsd": {"@id": XSD, "@prefix": True}},
    "non-delimiter-prefix": {"exs": "http://example.org/s", "ex": EX},
    "list": {"@context": [{"ex": "http://wrong.example/"}, {"ex": EX, "p": "ex:p"}]},
    "reset": {"@context": [{"p": {"@id": "http://example.org/p", "@type": "@id"}}, None, {"ex": EX}]},
}


@pytest.mark.parametrize("name", list(CONTEXTS))
def test_compacted_jsonld_round_trip(name: str) -> None:
    context = CONTEXTS[name]
    out = convert_graph(EDGE_NT, "ntriples", "jsonld", jsonld_context=context)
    document = json.loads(out)
    assert document["@context"] == context.get("@context", context)
    expected = ox_quads(EDGE_NT, ox.RdfFormat.N_TRIPLES)
    assert ox_quads(out, ox.RdfFormat.JSON_LD) == expected
    graph = rdflib.Graph().parse(data=out, format="json-ld")
    assert isomorphic(graph, rdflib.Graph().parse(data=EDGE_NT, format="nt"))


def node(document: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in document["@graph"] if n["@id"] == node_id)


def test_compaction_uses_the_context() -> None:
    document = json.loads(convert_graph(EDGE_NT, "ntriples", "jsonld", jsonld_context=RICH_CONTEXT))
    s0 = node(document, "ex:s0")
    assert s0["@type"] == ["Cluster", "ex:Thing"]
    assert s0["label"] == "Cluster"
    assert s0["labelRu"] == "Кластер"
    assert s0["members"] == "7"
    assert s0["ex:p"] == "plain"
    assert node(document, "ex:s10")["ex:p"] == {"@value": "12", "@type": "xsd:integer"}
    assert node(document, "ex:s8")["ex:p"] == {"@value": "colour", "@language": "en-gb"}
    assert node(document, "ex:s21")["link"] == "ckg:Cluster"
    assert node(document, "ex:s20")["link"] == "urn:isbn:0451450523"
    assert node(document, "_:b2") == {"@id": "_:b2", "rdf:type": {"@id": "_:b3"}, "rdfs:label": "anonymous"}


def test_compaction_with_a_default_language() -> None:
    document = json.loads(
        convert_graph(EDGE_NT, "ntriples", "jsonld", jsonld_context=CONTEXTS["default-language"])
    )
    s0 = node(document, "ex:s0")
    assert s0["labelRu"] == "Кластер"
    assert s0["ex:p"] == {"@value": "plain"}  # a plain string would be Russian
    assert node(document, "ex:s9")["ex:p"] == "привет\nмир"


def test_compaction_never_uses_terms_that_change_meaning() -> None:
    for name in ("list-container", "language-container", "reverse", "scoped", "json-type", "vocab-type"):
        document = json.loads(convert_graph(EDGE_NT, "ntriples", "jsonld", jsonld_context=CONTEXTS[name]))
        assert all("p" not in n for n in document["@graph"]), name


def test_compaction_prefix_rules() -> None:
    document = json.loads(
        convert_graph(EDGE_NT, "ntriples", "jsonld", jsonld_context=CONTEXTS["expanded-prefix"])
    )
    s10 = node(document, "http://example.org/s10")  # "ex" is not a prefix in JSON-LD 1.1
    assert s10["http://example.org/p"] == {"@value": "12", "@type": "xsd:integer"}  # "@prefix": true
    document = json.loads(
        convert_graph(EDGE_NT, "ntriples", "jsonld", jsonld_context=CONTEXTS["non-delimiter-prefix"])
    )
    assert node(document, "ex:s1")  # not "exs:1"


def test_compaction_with_vocab() -> None:
    document = json.loads(convert_graph(EDGE_NT, "ntriples", "jsonld", jsonld_context=CONTEXTS["vocab"]))
    assert node(document, "http://example.org/s0")["@type"][1] == "Thing"
    assert node(document, "http://example.org/s1")["p"] == ""


def test_context_errors() -> None:
    with pytest.raises(ValueError, match="inline"):
        convert_graph(
            EDGE_NT, "ntriples", "jsonld", jsonld_context={"@context": "https://example.org/context"}
        )
    with pytest.raises(ValueError, match="@import"):
        convert_graph(
            EDGE_NT, "ntriples", "jsonld", jsonld_context={"@import": "https://example.org/c", "ex": EX}
        )


def test_prefix_context() -> None:
    assert prefix_context({"ex": EX, "": "http://example.org/default#"}) == {"ex": EX}


# --- XML: what pyoxigraph's writers leave to the reader ------------------------------------

CONTROL = json.dumps(
    {"head": {"vars": ["a"]}, "results": {"bindings": [{"a": {"type": "literal", "value": "bell\x07"}}]}}
).encode()


def test_carriage_returns_survive_xml() -> None:
    body = convert_results(TRICKY, "xml")
    assert b"\r" not in body
    result = Result.parse(io.BytesIO(body), format="xml")  # expat normalises raw line ends
    assert str(result.bindings[0][rdflib.Variable("a")]) == 'x\r\ny "q" z'
    graph = convert_graph(EDGE_NT, "ntriples", "rdfxml")
    assert b"\r" not in graph
    parsed = rdflib.Graph().parse(data=graph, format="xml")
    assert rdflib.Literal("line1\nline2\r\nline3\ttab\rcarriage return") in set(parsed.objects())


def test_xml_refuses_control_characters() -> None:
    with pytest.raises(NotAcceptable):
        convert_results(CONTROL, "xml")
    assert rows(ox.parse_query_results(convert_results(CONTROL, "tsv"), ox.QueryResultsFormat.TSV))
    body = b'<http://example.org/a> <http://example.org/p> "bell\\u0007" .\n'
    with pytest.raises(RequestError):
        convert_graph(body, "ntriples", "rdfxml")
    assert ox_quads(convert_graph(body, "ntriples", "turtle"), ox.RdfFormat.TURTLE) == ox_quads(
        body, ox.RdfFormat.N_TRIPLES
    )
