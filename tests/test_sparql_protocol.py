"""The SPARQL 1.1 Protocol at ``/sparql`` over the real app and a real managed Oxigraph engine.

Queries by GET, form POST and direct POST; the dataset parameters; every result format with
negotiation by ``Accept`` and by ``format``-style parameters (as SPARQLWrapper sends them);
the errors (400, 403, 405, 406, 415) with their messages; the Service Description, VoID and
CORS. One app over a private copy of the built founding case serves the module (nothing here
writes). The W3C suite is replayed in ``test_w3c_protocol``; limits, timeouts and engine
restarts are in ``test_limits``; SERVICE and LOAD in ``test_federation``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from api import create_app
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.settings import Settings

with warnings.catch_warnings():
    # starlette warns on import that it wants httpx2; pytest turns warnings into errors.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from conftest import TOKEN, module_settings

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
CKG = "https://w3id.org/clusterkg/ontology#"
ORG = "http://www.w3.org/ns/org#"
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"
CLUSTER_CLAIM = "https://w3id.org/clusterkg/id/claim/biomed-cluster"
LABEL_EN = "BioMed industrial cluster of Penza Oblast"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

SELECT = f'SELECT ?label WHERE {{ <{BIOMED}> <{RDFS_LABEL}> ?label FILTER(lang(?label) = "en") }}'
ASK = f"ASK {{ <{BIOMED}> a <{CKG}Cluster> }}"
# No blank nodes, so answers in different formats compare as sets of triples.
CONSTRUCT = f"CONSTRUCT {{ <{BIOMED}> ?p ?o }} WHERE {{ <{BIOMED}> ?p ?o FILTER(!isBlank(?o)) }}"
DESCRIBE = f"DESCRIBE <{BIOMED}>"

QUERY_TYPE = {"Content-Type": "application/sparql-query"}
UPDATE_TYPE = {"Content-Type": "application/sparql-update"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "trig": "application/trig",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def served(
    engine: str, request: pytest.FixtureRequest, built_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app over a private copy of the built founding case or over Virtuoso, writes on
    (token ``TOKEN``)."""
    settings = module_settings(engine, request, built_store, tmp_path_factory)
    with TestClient(create_app(settings)) as client:
        yield client


def media_type(response: object) -> str:
    return response.headers["content-type"].split(";", 1)[0].strip()  # type: ignore[attr-defined]


def rows(response: object) -> list[dict[str, str]]:
    """The rows of a SELECT answer in any results format, as variable -> term (N-Triples style).

    CSV is lossy (no term types): its rows are read as plain literals, which is what it says.
    """
    if media_type(response) == "text/csv":
        reader = csv.DictReader(io.StringIO(response.text, newline=""))  # type: ignore[attr-defined]
        return [{k: str(ox.Literal(v)) for k, v in row.items() if v} for row in reader]
    parsed = ox.parse_query_results(
        response.content,  # type: ignore[attr-defined]
        format=ox.QueryResultsFormat.from_media_type(media_type(response)),
    )
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [{n: str(s[n]) for n in names if s[n] is not None} for s in parsed]


def boolean(response: object) -> bool:
    """The answer of an ASK in any results format (CSV and TSV: the bare word)."""
    if media_type(response) in ("text/csv", "text/tab-separated-values"):
        text = response.text  # type: ignore[attr-defined]
        assert text in ("true", "false")
        return text == "true"
    parsed = ox.parse_query_results(
        response.content,  # type: ignore[attr-defined]
        format=ox.QueryResultsFormat.from_media_type(media_type(response)),
    )
    assert isinstance(parsed, ox.QueryBoolean)
    return bool(parsed)


def triples(response: object) -> set[ox.Triple]:
    """The triples of a graph answer in any RDF format (all in the default graph)."""
    quads = ox.parse(
        response.content,  # type: ignore[attr-defined]
        format=ox.RdfFormat.from_media_type(media_type(response)),
    )
    found = set()
    for quad in quads:
        assert isinstance(quad.graph_name, ox.DefaultGraph)
        found.add(quad.triple)
    return found


def ask(client: TestClient, query: str, **params: str | list[str]) -> bool:
    response = client.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    return boolean(response)


# --- The three ways of sending a query ------------------------------------------------------------


def test_query_by_get_form_post_and_direct_post_give_the_same_answer(served: TestClient) -> None:
    by_get = served.get("/sparql", params={"query": SELECT})
    by_form = served.post("/sparql", data={"query": SELECT})
    by_direct = served.post("/sparql", content=SELECT.encode(), headers=QUERY_TYPE)
    for response in (by_get, by_form, by_direct):
        assert response.status_code == 200, response.text
        assert media_type(response) == "application/sparql-results+json"
        assert response.headers["vary"].startswith("Accept")
        assert rows(response) == [{"label": f'"{LABEL_EN}"@en'}]


def test_head_answers_like_get_without_a_body(served: TestClient) -> None:
    response = served.head("/sparql", params={"query": ASK})
    assert response.status_code == 200
    assert media_type(response) == "application/sparql-results+json"


def test_the_default_dataset_is_the_union_of_all_graphs(served: TestClient) -> None:
    # Asserted in a claim graph, and inferred in the inferred graph: both seen without GRAPH.
    assert ask(served, ASK)
    assert ask(served, f"ASK {{ <{BIOMED}> a <{CKG}StatisticSubject> }}")


def test_default_graph_uri_selects_the_default_graph(served: TestClient) -> None:
    assert ask(served, ASK, **{"default-graph-uri": CLUSTER_CLAIM})
    assert not ask(served, ASK, **{"default-graph-uri": str(ONTOLOGY_GRAPH)})
    inferred = f"ASK {{ <{BIOMED}> a <{CKG}StatisticSubject> }}"  # inferred from ckg:statisticAbout
    assert not ask(served, inferred, **{"default-graph-uri": CLUSTER_CLAIM})
    assert ask(served, inferred, **{"default-graph-uri": [CLUSTER_CLAIM, str(INFERRED_GRAPH)]})
    # The same by form POST and with the parameter in the URL of a direct POST.
    form = served.post("/sparql", data={"query": inferred, "default-graph-uri": CLUSTER_CLAIM})
    assert not boolean(form)
    direct = served.post(
        "/sparql", params={"default-graph-uri": str(INFERRED_GRAPH)}, content=inferred, headers=QUERY_TYPE
    )
    assert boolean(direct)


def test_named_graph_uri_selects_the_named_graphs(served: TestClient) -> None:
    query = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{BIOMED}> ?p ?o }} }}"
    everything = rows(served.get("/sparql", params={"query": query}))
    assert {"g": f"<{CLUSTER_CLAIM}>"} in everything
    assert {"g": f"<{INFERRED_GRAPH}>"} in everything
    assert len(everything) > 2
    chosen = served.get(
        "/sparql", params={"query": query, "named-graph-uri": [CLUSTER_CLAIM, str(ONTOLOGY_GRAPH)]}
    )
    assert rows(chosen) == [{"g": f"<{CLUSTER_CLAIM}>"}]
    # With only named graphs given, the default graph is empty.
    both = served.get("/sparql", params={"query": ASK, "named-graph-uri": CLUSTER_CLAIM})
    assert boolean(both) is False
    both = served.get(
        "/sparql",
        params={"query": ASK, "named-graph-uri": CLUSTER_CLAIM, "default-graph-uri": CLUSTER_CLAIM},
    )
    assert boolean(both) is True


# --- Updates: only the protocol layer -----------------------------------------------------------


def test_update_without_the_token_is_refused(served: TestClient) -> None:
    update = f'INSERT DATA {{ GRAPH <{CLUSTER_CLAIM}> {{ <{BIOMED}> <{RDFS_LABEL}> "x"@en }} }}'
    for response in (
        served.post("/sparql", data={"update": update}),
        served.post("/sparql", content=update, headers=UPDATE_TYPE),
        served.post("/sparql", content=update, headers={**UPDATE_TYPE, "Authorization": "Bearer wrong"}),
        served.post("/sparql", content=update, headers={**UPDATE_TYPE, "Authorization": f"Basic {TOKEN}"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == "write-forbidden"
        assert "Bearer" in response.json()["message"]
    assert not ask(served, f'ASK {{ <{BIOMED}> <{RDFS_LABEL}> "x"@en }}')


def test_update_by_get_is_405_with_allow(served: TestClient) -> None:
    response = served.get("/sparql", params={"update": "CLEAR ALL"}, headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert "POST" in response.json()["message"]


def test_a_query_sent_as_update_and_the_reverse_are_400(served: TestClient) -> None:
    as_query = served.post("/sparql", data={"query": "CLEAR ALL"})
    assert as_query.status_code == 400
    assert "update" in as_query.json()["message"]
    as_update = served.post("/sparql", content=ASK, headers={**UPDATE_TYPE, **AUTH})
    assert as_update.status_code == 400
    assert "query" in as_update.json()["message"]


# --- Result formats -----------------------------------------------------------------------------


@pytest.mark.parametrize("short", list(RESULT_TYPES))
def test_select_in_every_results_format(served: TestClient, short: str) -> None:
    by_accept = served.get("/sparql", params={"query": SELECT}, headers={"Accept": RESULT_TYPES[short]})
    by_name = served.get("/sparql", params={"query": SELECT, "format": short})
    for response in (by_accept, by_name):
        assert response.status_code == 200, response.text
        assert media_type(response) == RESULT_TYPES[short]
        label = f'"{LABEL_EN}"' if short == "csv" else f'"{LABEL_EN}"@en'  # CSV has no language tags
        assert rows(response) == [{"label": label}]


@pytest.mark.parametrize("short", list(RESULT_TYPES))
def test_ask_in_every_results_format(served: TestClient, short: str) -> None:
    response = served.get("/sparql", params={"query": ASK}, headers={"Accept": RESULT_TYPES[short]})
    assert response.status_code == 200, response.text
    assert media_type(response) == RESULT_TYPES[short]
    assert boolean(response) is True


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_graph_answers_in_every_rdf_format(served: TestClient, query: str) -> None:
    expected = triples(served.get("/sparql", params={"query": query, "format": "nt"}))
    label = ox.Triple(ox.NamedNode(BIOMED), ox.NamedNode(RDFS_LABEL), ox.Literal(LABEL_EN, language="en"))
    assert label in expected
    for short, mime in GRAPH_TYPES.items():
        by_accept = served.get("/sparql", params={"query": query}, headers={"Accept": mime})
        by_name = served.get("/sparql", params={"query": query, "format": short})
        by_type = served.get("/sparql", params={"query": query, "format": mime})
        for response in (by_accept, by_name, by_type):
            assert response.status_code == 200, (short, response.text)
            assert media_type(response) == mime
            assert triples(response) == expected, short


def test_turtle_uses_the_query_prefixes(served: TestClient) -> None:
    query = f"PREFIX label: <http://www.w3.org/2000/01/rdf-schema#> {CONSTRUCT}"
    body = served.get("/sparql", params={"query": query}).text
    assert "@prefix label: <http://www.w3.org/2000/01/rdf-schema#> ." in body
    assert "label:label" in body


# --- Negotiation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv;q=0.5, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
        ("application/json", "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
        ("text/*", "text/csv"),
    ],
)
def test_results_negotiation_by_accept(served: TestClient, accept: str | None, expected: str) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = served.get("/sparql", params={"query": SELECT}, headers=headers)
    assert response.status_code == 200, response.text
    assert media_type(response) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.5", "application/rdf+xml"),
        ("application/n-triples, application/ld+json;q=0.2", "application/n-triples"),
        ("text/plain", "text/plain"),
        ("application/json", "application/json"),
    ],
)
def test_graph_negotiation_by_accept(served: TestClient, accept: str | None, expected: str) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = served.get("/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 200, response.text
    assert media_type(response) == expected


@pytest.mark.parametrize(
    ("params", "query", "expected"),
    [
        # SPARQLWrapper sends its return format three ways, sometimes format twice, and a list.
        (
            [("format", "json"), ("output", "json"), ("results", "json")],
            SELECT,
            "application/sparql-results+json",
        ),
        (
            [("format", "xml"), ("output", "xml"), ("results", "xml")],
            SELECT,
            "application/sparql-results+xml",
        ),
        (
            [("format", "csv"), ("format", "text/csv,application/sparql-results+json")],
            SELECT,
            "text/csv",
        ),
        (
            [("format", "application/sparql-results+xml,application/xml"), ("output", "json")],
            SELECT,
            "application/sparql-results+xml",
        ),
        ([("output", "tsv")], SELECT, "text/tab-separated-values"),
        ([("results", "xml")], ASK, "application/sparql-results+xml"),
        ([("format", "json"), ("output", "json"), ("results", "json")], CONSTRUCT, "application/ld+json"),
        ([("format", "xml")], CONSTRUCT, "application/rdf+xml"),
        ([("format", "turtle"), ("format", "n3")], DESCRIBE, "text/turtle"),
        (
            [("format", "rdf+xml"), ("output", "rdf+xml"), ("results", "rdf+xml")],
            DESCRIBE,
            "application/rdf+xml",
        ),
        # Names that do not fit the query fall back to Accept (here: none, so the default).
        ([("format", "csv")], CONSTRUCT, "text/turtle"),
        ([("format", "ttl")], SELECT, "application/sparql-results+json"),
        ([("format", "nonsense"), ("output", "")], SELECT, "application/sparql-results+json"),
    ],
)
def test_format_parameters_never_fail_the_request(
    served: TestClient, params: list[tuple[str, str]], query: str, expected: str
) -> None:
    form: dict[str, list[str]] = {"query": [query]}
    for name, value in params:
        form.setdefault(name, []).append(value)
    by_get = served.get("/sparql", params=[("query", query), *params])
    by_form = served.post("/sparql", data=form)  # SPARQLWrapper's POST sends them in the body
    for response in (by_get, by_form):
        assert response.status_code == 200, response.text
        assert media_type(response) == expected


def test_format_parameters_in_a_form_body_and_beside_a_direct_post(served: TestClient) -> None:
    # SPARQLWrapper's POST puts them in the form body; a direct POST has them in the URL.
    body = "&".join(
        f"{k}={v}" for k, v in [("query", SELECT.replace("&", "%26")), ("format", "xml"), ("format", "csv")]
    )
    form = served.post(
        "/sparql", content=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert form.status_code == 200, form.text
    assert media_type(form) == "application/sparql-results+xml"
    direct = served.post("/sparql", params={"output": "tsv"}, content=SELECT, headers=QUERY_TYPE)
    assert media_type(direct) == "text/tab-separated-values"


def test_an_unencoded_plus_in_a_format_media_type_is_read(served: TestClient) -> None:
    # '+' in a query string is a space when not percent-encoded, as clients often send it.
    response = served.get(f"/sparql?query={quote(ASK, safe='')}&format=application/sparql-results+xml")
    assert response.status_code == 200, response.text
    assert media_type(response) == "application/sparql-results+xml"


def test_format_parameters_win_over_accept(served: TestClient) -> None:
    response = served.get(
        "/sparql", params={"query": SELECT, "format": "csv"}, headers={"Accept": "application/xml"}
    )
    assert media_type(response) == "text/csv"


# --- Errors ---------------------------------------------------------------------------------------


def test_a_malformed_query_is_400_naming_the_problem_and_its_place(served: TestClient, engine: str) -> None:
    # Found by the policy layer's reader:
    unclosed = served.get("/sparql", params={"query": "ASK {"})
    assert unclosed.status_code == 400
    assert unclosed.json() == {"error": "query-error", "message": "unclosed '{' opened at line 1, column 5"}
    # Found by the engine's parser: the position is in the client's text (the server puts a BASE
    # in front of it), as line and column, where Oxigraph's parser in-process puts it.
    for query in ("SELECT ?x WHERE { ?x ?y }", "SELECT ?x WHERE {\n  ?x ?y ?z .\n  ?x ?y }"):
        with pytest.raises(SyntaxError) as reference:
            ox.Store().query(query)
        line, column = re.match(r"error at (\d+):(\d+)", str(reference.value)).groups()  # type: ignore[union-attr]
        response = served.post("/sparql", content=query.encode(), headers=QUERY_TYPE)
        assert response.status_code == 400
        assert response.json()["error"] == "query-error"
        message = response.json()["message"]
        if engine == "virtuoso":  # its own wording, without the text it echoes (our pragmas)
            assert "SP030" in message and "syntax error" in message, message
            assert "define" not in message and "SPARQL query" not in message, message
            continue
        assert f"error at line {line}, column {column}: expected one of" in message, message
    plain = served.get("/sparql", params={"query": "SELEC * {}"}, headers={"Accept": "text/plain"})
    assert plain.status_code == 400
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text.startswith("query-error: expected SELECT, CONSTRUCT, DESCRIBE, ASK")
    assert "line 1, column 1" in plain.text


def test_relative_iris_resolve_against_the_endpoint_not_the_engine(served: TestClient) -> None:
    response = served.get("/sparql", params={"query": "CONSTRUCT { <s> <p> <o> } WHERE {}", "format": "nt"})
    assert response.text == "<http://testserver/s> <http://testserver/p> <http://testserver/o> .\n"
    based = served.get("/sparql", params={"query": "BASE <http://example.org/a/> SELECT (<b> AS ?x) {}"})
    assert rows(based) == [{"x": "<http://example.org/a/b>"}]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(served: TestClient, method: str) -> None:
    response = served.request(method, "/sparql", params={"query": ASK})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.json()["error"] == "method-not-allowed"


def test_an_unsatisfiable_accept_is_406_listing_what_is_served(served: TestClient) -> None:
    response = served.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.json()["message"]
    graph = served.get(
        "/sparql", params={"query": CONSTRUCT}, headers={"Accept": "application/sparql-results+json"}
    )
    assert graph.status_code == 406
    assert "text/turtle" in graph.json()["message"]
    refused = served.get(
        "/sparql", params={"query": SELECT}, headers={"Accept": "application/sparql-results+json;q=0"}
    )
    assert refused.status_code == 406


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", ASK),
        ("application/json", json.dumps({"query": ASK})),
        (None, ASK),
        (None, f"query={ASK}"),
        ("multipart/form-data; boundary=x", ASK),
    ],
)
def test_a_wrong_content_type_is_415(served: TestClient, content_type: str | None, body: str) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = served.post("/sparql", content=body.encode(), headers=headers)
    assert response.status_code == 415
    assert "application/sparql-query" in response.json()["message"]


def test_protocol_misuse_is_400(served: TestClient) -> None:
    for response in (
        served.get("/sparql", params=[("query", ASK), ("query", SELECT)]),
        served.post("/sparql", params={"query": ASK}, content=ASK, headers=QUERY_TYPE),
        served.post("/sparql", content=b"\xff\xfeA\x00S\x00K\x00", headers=QUERY_TYPE),
        served.post("/sparql", data={"query": ASK, "update": "CLEAR ALL"}),
        served.post("/sparql", data={"format": "json"}),
        served.get("/sparql", params={"query": ASK, "timeout": "soon"}),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "request-error"


# --- Service Description and VoID -----------------------------------------------------------------


def _graph(response: object) -> Graph:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}
    return Graph().parse(data=response.content, format=fmt.get(media_type(response), "xml"))  # type: ignore[attr-defined]


def test_get_without_a_query_is_the_service_description(served: TestClient) -> None:
    sd = _graph(served.get("/sparql"))
    service = URIRef("http://testserver/sparql")
    assert (service, RDF.type, SD.Service) in sd
    assert (service, SD.endpoint, service) in sd
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in sd
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) in sd  # the app has a token
    assert (service, SD.feature, SD.UnionDefaultGraph) in sd
    formats = set(sd.objects(service, SD.resultFormat))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV"):
        assert FORMATS[name] in formats
    for name in ("Turtle", "N-Triples", "N-Quads", "TriG", "RDF_XML", "JSON-LD"):
        assert FORMATS[name] in formats

    dataset = sd.value(service, SD.defaultDataset)
    default = sd.value(dataset, SD.defaultGraph)
    named = {str(sd.value(n, SD.name)): n for n in sd.objects(dataset, SD.namedGraph)}
    assert {str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH), CLUSTER_CLAIM} <= set(named)
    # The union default graph counts every triple of every named graph.
    counted = rows(
        served.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"})
    )
    total = int(ox.Literal(counted[0]["n"].split('"')[1]).value)
    assert sd.value(default, VOID.triples) == Literal(total)
    claim = rows(
        served.get(
            "/sparql",
            params={"query": f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{CLUSTER_CLAIM}> {{ ?s ?p ?o }} }}"},
        )
    )
    assert int(sd.value(sd.value(named[CLUSTER_CLAIM], SD.graph), VOID.triples)) == int(
        claim[0]["n"].split('"')[1]
    )
    # The inferred graph says what entailment made it.
    inferred = named[str(INFERRED_GRAPH)]
    assert sd.value(inferred, SD.entailmentRegime) == URIRef("http://www.w3.org/ns/entailment/OWL-RDF-Based")
    assert sd.value(inferred, SD.supportedEntailmentProfile) == URIRef("http://www.w3.org/ns/owl-profile/RL")
    assert sd.value(named[CLUSTER_CLAIM], SD.entailmentRegime) is None


@pytest.mark.parametrize(
    ("params", "headers", "expected"),
    [
        ({}, {"Accept": "application/ld+json"}, "application/ld+json"),
        ({"format": "nt"}, {}, "application/n-triples"),
        ({"format": "rdf"}, {}, "application/rdf+xml"),
        ({}, {"Accept": "application/rdf+xml;q=0.5, text/turtle"}, "text/turtle"),
    ],
)
def test_the_service_description_is_negotiated(
    served: TestClient, params: dict[str, str], headers: dict[str, str], expected: str
) -> None:
    response = served.get("/sparql", params=params, headers=headers)
    assert media_type(response) == expected
    assert (URIRef("http://testserver/sparql"), RDF.type, SD.Service) in _graph(response)


def _count(served: TestClient, query: str) -> int:
    [row] = rows(served.get("/sparql", params={"query": query}))
    return int(next(iter(row.values())).split('"')[1])


def test_void_has_class_and_property_partitions_with_counts(served: TestClient) -> None:
    void = _graph(served.get("/.well-known/void"))
    dataset = URIRef("https://w3id.org/clusterkg/dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef("http://testserver/sparql")
    assert int(void.value(dataset, VOID.triples)) == _count(served, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    classes = {
        void.value(part, VOID["class"]): int(void.value(part, VOID.entities))
        for part in void.objects(dataset, VOID.classPartition)
    }
    properties = {
        void.value(part, VOID.property): int(void.value(part, VOID.triples))
        for part in void.objects(dataset, VOID.propertyPartition)
    }
    cluster, organisation = URIRef(CKG + "Cluster"), URIRef(ORG + "Organization")
    assert (
        classes[cluster] == _count(served, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a <{cluster}> }}") >= 1
    )
    assert classes[organisation] == _count(
        served, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a <{organisation}> }}"
    )
    assert int(void.value(dataset, VOID.classes)) == len(classes)
    assert properties[RDF.type] == _count(served, f"SELECT (COUNT(*) AS ?n) {{ ?s <{RDF.type}> ?o }}")
    assert sum(properties.values()) == int(void.value(dataset, VOID.triples))
    assert media_type(served.get("/.well-known/void", params={"format": "jsonld"})) == "application/ld+json"


# --- CORS -----------------------------------------------------------------------------------------


def test_reads_are_allowed_cross_origin_without_credentials(served: TestClient) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    for response in (
        served.get("/sparql", params={"query": ASK}, headers=origin),
        served.post("/sparql", content=ASK, headers={**origin, **QUERY_TYPE}),
        served.get("/sparql", params={"query": "ASK {"}, headers=origin),  # errors too
        served.get("/.well-known/void", headers=origin),
    ):
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
    preflight = served.options(
        "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers


def test_cors_origins_are_configurable(fresh_store: Path) -> None:
    settings = Settings(store=fresh_store, cors_origins=["https://ui.example"])
    with TestClient(create_app(settings)) as client:
        allowed = client.get("/sparql", params={"query": ASK}, headers={"Origin": "https://ui.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://ui.example"
        assert "access-control-allow-credentials" not in allowed.headers
        other = client.get("/sparql", params={"query": ASK}, headers={"Origin": "https://elsewhere.example"})
        assert other.status_code == 200
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options(
            "/sparql",
            headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers
