"""The OpenAPI description lists every answer of every route: a bounded, deterministic
schemathesis run against the real app and engine finds no server error, no undocumented status,
no undocumented media type, no header or JSON body that breaks its schema.

Two runs: every operation of ``/openapi.json`` without the update token (writes answer 403,
documented), with ``Accept`` headers drawn from what clients send; and the writes (``/store``,
SPARQL Update, ``/api/ingest``) with the token, on a private store copy, with hostile bodies.
Then the answers a random run seldom reaches (a 405, a 415, a 404 in each negotiated format, a
SHACL refusal as Turtle...), sent on purpose and checked the same way.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from conftest import TOKEN, serve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.hypothesis.builder import generate_example_cases
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import queries
from api import create_app
from api.schema.openapi import ERRORS, RDF_TYPES, RESULTS_TYPES
from api.schema.protocols import FORM, NQUADS, QUERY_TYPE, UPDATE_TYPE
from kg.settings import Settings

REST = r"^/api/(queries|clusters|organizations|projects|technologies)(/|$)"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SEED = 20240601
EXAMPLES = int(os.environ.get("CLUSTERKG_FUZZ_EXAMPLES", "8"))
"""Examples per operation: 8 in the suite; `make soak` runs hundreds."""
"""Cases drawn per operation and generation mode (after the description's own examples)."""
HOSTILE = 40
"""Hostile writes drawn per protocol (Graph Store, SPARQL Protocol)."""
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TIMEOUT_S = 30
"""No single request of the run may take longer (requests has no timeout of its own)."""


def _description() -> dict[str, Any]:
    """The app's description as ``create_app`` makes it (no engine is started for it)."""
    return create_app(Settings(store=Path("unused-store"))).openapi()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [(path, method.upper()) for path, item in spec["paths"].items() for method in item]


OPERATIONS = _operations(_description())


@pytest.fixture(scope="module", autouse=True)
def _bodies_as_text() -> None:
    """The protocols' text bodies (SPARQL, RDF) go on the wire as the generated text."""
    schemathesis.serializer.alias(
        [
            "application/sparql-query",
            "application/sparql-update",
            "application/n-triples",
            "application/n-quads",
            "application/trig",
            "application/rdf+xml",
        ],
        "text/plain",
    )


@pytest.fixture(scope="module")
def served(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over a private copy of the built store, under uvicorn, writes off."""
    store = tmp_path_factory.mktemp("openapi") / "store"
    shutil.copytree(built_store, store)
    with serve(Settings(store=store, query_timeout_s=10)) as base:
        yield base


@pytest.fixture(scope="module")
def spec(served: str) -> dict[str, Any]:
    answer = httpx.get(served + "/openapi.json")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _rest(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {path: item["get"] for path, item in spec["paths"].items() if re.match(REST, path)}


# --- What the description says ---------------------------------------------------------------------


def test_every_rest_route_documents_its_errors_with_the_error_body(spec: dict[str, Any]) -> None:
    owned = _rest(spec)
    assert len(owned) >= 20
    for path, operation in owned.items():
        responses = operation["responses"]
        engine = path != "/api/queries"
        expected = {"200", "422"} | ({"400", "413", "502", "503"} if engine else set())
        if "{id}" in path:
            expected.add("404")
        assert set(responses) == expected, path
        for status in expected - {"200"}:
            assert responses[status]["description"] == ERRORS[int(status)]
            content = responses[status]["content"]
            assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
            assert content["text/plain"]["schema"] == {"type": "string"}
    error = spec["components"]["schemas"]["ErrorBody"]
    assert {"error", "message", "parameter", "problems", "violations"} <= set(error["properties"])


def test_every_error_of_every_route_is_the_error_body(spec: dict[str, Any]) -> None:
    """No route documents FastAPI's own 422 body (``HTTPValidationError``), which is never sent;
    every 4xx and 5xx is the one error body (the explorer's and /health's pages aside)."""
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, method in OPERATIONS:
        for status, response in spec["paths"][path][method.lower()]["responses"].items():
            if int(status) < 400 or (path.startswith("/explore/") and status == "404") or path == "/health":
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)


def test_the_protocols_document_their_media_types(spec: dict[str, Any]) -> None:
    sparql = spec["paths"]["/sparql"]
    for method in ("get", "post"):
        assert set(sparql[method]["responses"]["200"]["content"]) == {*RESULTS_TYPES, *RDF_TYPES}
    assert set(sparql["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/sparql-query",
        "application/sparql-update",
    }
    assert set(sparql["post"]["responses"]) == {*map(str, (200, 204, 400, 403, 406, 413, 415, 422, 502, 503))}
    assert "405" in sparql["get"]["responses"]
    assert "text/turtle" in sparql["post"]["responses"]["422"]["content"]  # the SHACL report
    store = spec["paths"]["/store"]
    assert {"graph", "default", "format"} <= {p["name"] for p in store["get"]["parameters"]}
    assert "application/n-quads" in store["post"]["requestBody"]["content"]
    assert "application/n-quads" not in store["put"]["requestBody"]["content"]
    assert {"201", "204", "403", "415", "422"} <= set(store["put"]["responses"])
    resource = spec["paths"]["/id/{path}"]["get"]["responses"]
    assert {"text/html", "text/turtle", "application/json"} <= set(resource["404"]["content"])
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain; version=0.0.4"]


def test_lists_document_their_pages(spec: dict[str, Any]) -> None:
    owned = _rest(spec)
    lists = [p for p in owned if p.startswith("/api/queries/") or (p.count("/") == 2 and p != "/api/queries")]
    assert {"/api/clusters", "/api/organizations", "/api/projects", "/api/technologies"} <= set(lists)
    for path in lists:
        operation = owned[path]
        assert "Link" in operation["responses"]["200"]["headers"], path
        params = {p["name"]: p for p in operation["parameters"]}
        assert params["limit"]["schema"]["maximum"] == 1000, path
        assert params["limit"]["schema"]["minimum"] == 1, path
        assert params["offset"]["schema"]["minimum"] == 0, path


def test_named_queries_say_how_a_variable_becomes_a_key(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/api/queries/statistics"]["get"]
    assert "`labelEn` becomes `label_en`" in operation["description"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv", "application/sparql-results+json"}
    answer = spec["components"]["schemas"]["QueryAnswer"]
    assert set(answer["required"]) == {"query", "variables", "limit", "offset", "rows"}


# --- A bounded schemathesis run over every operation ------------------------------------------------

# schemathesis' own pytest plugin (``@schema.parametrize()`` on a lazy fixture) reads a private
# attribute of pytest's nodes that pytest 9 no longer has, so each operation's case strategy
# (``APIOperation.as_strategy``) is driven by hypothesis' ``@given`` here instead, after the
# description's own examples (``generate_example_cases``, as the plugin finds them).

ACCEPTS = [
    None,
    "*/*",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
    "application/json",
    "text/plain",
    "text/turtle",
    "application/ld+json",
    "application/sparql-results+xml, text/csv;q=0.5",
    "application/n-quads",
    "image/png",  # nothing we serve: 406 where the answer is negotiated
    "text/*;q=0.3, application/rdf+xml",
]
"""``Accept`` headers a run draws from: what clients send, none, and what we cannot serve."""


NO_NEGATIVE = {
    ("/health", "GET"),
    ("/metrics", "GET"),
    ("/", "GET"),
    ("/context.jsonld", "GET"),
    ("/api/queries", "GET"),
    ("/dumps/{name}", "GET"),
}
"""Operations with nothing to make invalid data of: no parameter, or only a path segment that any
text fits (``/dumps/{name}``; the REST ``{id}``s below)."""


def _no_negative(path: str, method: str) -> bool:
    return (path, method) in NO_NEGATIVE or "{id}" in path


RUNS = [(path, method, GenerationMode.POSITIVE) for path, method in OPERATIONS] + [
    (path, method, GenerationMode.NEGATIVE) for path, method in OPERATIONS if not _no_negative(path, method)
]


def _config(**more: Any) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({"seed": SEED, "generation": {"deterministic": True}, **more})


@pytest.fixture(scope="module")
def api_schema(served: str) -> BaseSchema:
    """The app's own description, every operation."""
    return schemathesis.openapi.from_url(served + "/openapi.json", config=_config())


def test_the_run_covers_every_operation(spec: dict[str, Any]) -> None:
    assert sorted(OPERATIONS) == sorted(_operations(spec))
    assert len(OPERATIONS) >= len(queries.list_queries()) + 25
    covered = {(path, method) for path, method, _ in RUNS}
    assert covered == set(OPERATIONS)


def _run(
    operation: Any,
    mode: GenerationMode,
    *,
    examples: int,
    headers: dict[str, str] | None = None,
    accepts: list[str | None] | None = None,
) -> None:
    """Send the description's examples of an operation (positive runs), then ``examples`` drawn
    cases with an ``Accept`` header each, and check every answer."""

    def send(case: Case, accept: str | None) -> None:
        sent = dict(headers or {})
        if accept is not None:
            sent["Accept"] = accept
        case.call_and_validate(headers=sent, checks=CHECKS, timeout=TIMEOUT_S)

    if mode is GenerationMode.POSITIVE:
        for case in generate_example_cases(test=send, operation=operation, fill_missing=False):
            send(case, None)

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: a failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), accept=st.sampled_from(accepts or [None]))
    def answer(case: Case, accept: str | None) -> None:
        send(case, accept)

    answer()


@pytest.mark.parametrize(("path", "method", "mode"), RUNS, ids=[f"{m} {p}-{g.value}" for p, m, g in RUNS])
def test_every_operation_answers_only_what_it_documents(
    api_schema: BaseSchema, path: str, method: str, mode: GenerationMode
) -> None:
    _run(api_schema[path][method], mode, examples=EXAMPLES, accepts=ACCEPTS)


def test_the_checks_catch_an_undocumented_answer(spec: dict[str, Any], served: str) -> None:
    """The run is not vacuous: the same checks fail once the 422 of a route is left out."""
    import copy

    stripped = copy.deepcopy(spec)
    del stripped["paths"]["/api/queries/statistics"]["get"]["responses"]["422"]
    config = SchemathesisConfig.from_dict({"base-url": served})
    operation = schemathesis.openapi.from_dict(stripped, config=config)["/api/queries/statistics"]["GET"]
    case = operation.Case(query={"foo": "bar"})
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        case.call_and_validate(checks=CHECKS)


def test_the_checks_catch_an_undocumented_media_type(spec: dict[str, Any], served: str) -> None:
    """... and once a media type the route negotiates is left out."""
    import copy

    stripped = copy.deepcopy(spec)
    del stripped["paths"]["/ontology"]["get"]["responses"]["200"]["content"]["application/rdf+xml"]
    config = SchemathesisConfig.from_dict({"base-url": served})
    operation = schemathesis.openapi.from_dict(stripped, config=config)["/ontology"]["GET"]
    case = operation.Case(query={"format": "rdfxml"})
    with pytest.raises(FailureGroup, match="Undocumented Content-Type"):
        case.call_and_validate(checks=CHECKS)


# --- Writes with the token, hostile bodies --------------------------------------------------------

CKG = "https://w3id.org/clusterkg/"
GRAPHS = [
    "urn:x:g1",
    "urn:x:g2",
    CKG + "graph/provenance",  # holds claims: changing it may break the shapes (422)
    CKG + "graph/ontology",  # kept by the server: 403
    "relative",  # not an absolute IRI: 400
]
SUBJECTS = [
    "<urn:x:a>",
    f"<{CKG}id/cluster/biomed>",
    "<a>",  # relative: resolved against the graph or the endpoint, else an error
    "_:b",
    "[]",
    "[ <urn:x:p> [ <urn:x:p> <urn:x:o> ] ]",
    "<< <urn:x:a> <urn:x:p> <urn:x:o> >>",  # RDF 1.2 reifier: a triple term inside
]
PREDICATES = [
    "<urn:x:p>",
    "a",
    "<http://www.w3.org/2000/01/rdf-schema#label>",
    f"<{CKG}ontology#participantCount>",
    f"<{CKG}ontology#hasMember>",
    "<http://www.w3.org/2002/07/owl#sameAs>",
    "<http://www.w3.org/2000/01/rdf-schema#subClassOf>",
]
OBJECTS = [
    *SUBJECTS[:3],
    f"<{CKG}ontology#Cluster>",
    f"<{CKG}ontology#Organization>",
    '"x"',
    '"x"@en',
    '"х"@ru',
    '"x"@en--rtl',
    '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
    '"one"^^<http://www.w3.org/2001/XMLSchema#integer>',  # ill-typed
    '"-1"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>',
    '"\\u0000\\u0007"',
    "( <urn:x:a> ( ( ) ) )",
    "<<( <urn:x:a> <urn:x:p> <urn:x:o> )>>",  # RDF 1.2 triple term: refused with a 422
    '"' + "x" * 3000 + '"',
]
JUNK = [" .", "}", "{", "<", '"', "@prefix", "\x00", "\ufffd", "[" * 300]
"""What may end a body, to make it malformed (half of the bodies are not)."""

statements = st.lists(
    st.builds(
        "{} {} {} .".format, st.sampled_from(SUBJECTS), st.sampled_from(PREDICATES), st.sampled_from(OBJECTS)
    ),
    min_size=0,
    max_size=4,
).map("\n".join)
turtle = st.builds("{}{}".format, statements, st.one_of(st.just(""), st.sampled_from(JUNK)))
"""Turtle documents: mostly well-formed, often refused by the shapes or the policy, sometimes broken."""


TERM = "TRIPLE(<urn:x:a>, <urn:x:p>, <urn:x:o>)"


UPDATES = {
    "insert": "INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}",
    "delete": "DELETE DATA {{ GRAPH <{graph}> {{ {body} }} }}",
    "delete-where": "DELETE WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
    "modify": "WITH <{graph}> DELETE {{ ?s ?p ?o }} INSERT {{ ?o ?p ?s }} WHERE {{ ?s ?p ?o }}",
    "copy": "COPY SILENT <{graph}> TO <{other}>",
    "move": "MOVE <{graph}> TO <{other}>",
    "add": "ADD <{graph}> TO DEFAULT",
    "clear": "CLEAR GRAPH <{graph}>",
    "drop": "DROP GRAPH <{graph}>",
    "create": "CREATE GRAPH <{graph}>",
    "load": "LOAD <http://127.0.0.1:9/{graph}> INTO GRAPH <{other}>",  # not allow-listed: 403
    "default": "INSERT DATA {{ {body} }}",
    "triple": "INSERT {{ GRAPH <{graph}> {{ <urn:x:a> <urn:x:p> ?t }} }} WHERE {{ BIND("
    + TERM
    + " AS ?t) }}",
}
"""One update operation of each kind, on a graph (and another), with a body of statements."""


def _update(kind: str, graph: str, body: str, other: str) -> str:
    return UPDATES[kind].format(graph=graph, body=body, other=other)


updates = st.lists(
    st.builds(
        _update,
        st.sampled_from(["insert", *UPDATES]),
        st.sampled_from(GRAPHS),
        statements,
        st.sampled_from(GRAPHS),
    ),
    min_size=1,
    max_size=3,
).map(" ;\n".join)
"""SPARQL Updates: every operation, on graphs the server keeps, new ones and bad IRIs."""

PATTERNS = ["?s ?p ?o .", "?s a ?c .", "GRAPH ?g { ?s ?p ?o }", "?s <urn:x:p>* ?o .", "FILTER(isLiteral(?o))"]
PATTERNS += ["OPTIONAL { ?o ?q ?s }", "BIND(STR(?o) AS ?t)", 'VALUES ?x { 1 UNDEF "\\u0007" }']
PATTERNS += ["BIND(TRIPLE(?s, ?p, ?o) AS ?t)", '?s ?p "x"@en--rtl .', "?s ?p ?o FILTER(isTRIPLE(?o))"]
FORMS = ["SELECT *", "ASK", "CONSTRUCT", "DESCRIBE ?s", "SELECT (COUNT(*) AS ?n)"]
queries_text = st.builds(
    "{} WHERE {{ {} }} {}".format,
    st.sampled_from(FORMS),
    st.lists(st.sampled_from(PATTERNS), max_size=3).map(" ".join),
    st.sampled_from(["LIMIT 5", "LIMIT 0", "OFFSET 3 LIMIT 2", ""]),
)
"""SPARQL queries of every form, over everything, with terms the result formats find hard."""

WRITE_ACCEPTS = [None, "text/turtle", "text/plain", "application/json", "image/png"]
RDF_UPLOADS = ["text/turtle", "application/n-triples", "application/trig", "application/n-quads"]


@pytest.fixture(scope="module")
def writable(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over another private copy of the built store, writes on (token ``TOKEN``)."""
    store = tmp_path_factory.mktemp("openapi-writes") / "store"
    shutil.copytree(built_store, store)
    with serve(Settings(store=store, update_token=TOKEN, query_timeout_s=10)) as base:
        yield base


@pytest.fixture(scope="module")
def writable_schema(writable: str) -> BaseSchema:
    return schemathesis.openapi.from_url(writable + "/openapi.json", config=_config())


WRITES = [
    ("/store", "PUT"),
    ("/store", "POST"),
    ("/store", "DELETE"),
    ("/sparql", "POST"),
    ("/api/ingest", "POST"),
]


@pytest.mark.parametrize(("path", "method"), WRITES, ids=[f"{m} {p}" for p, m in WRITES])
def test_writes_with_the_token_answer_only_what_they_document(
    writable_schema: BaseSchema, path: str, method: str
) -> None:
    """schemathesis' own cases of every write, with the token: bodies that mostly do not parse."""
    _run(
        writable_schema[path][method],
        GenerationMode.POSITIVE,
        examples=4,
        headers=AUTH,
        accepts=WRITE_ACCEPTS,
    )


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def test_graph_store_writes_of_hostile_documents_answer_only_what_they_document(
    writable_schema: BaseSchema,
) -> None:
    """Turtle, N-Triples, TriG and N-Quads with every kind of term, to graphs the server keeps,
    new graphs and bad IRIs: each answer is documented, none is a server error; some writes are
    committed and some refused by the checks, so the bodies reach the whole write path."""
    put, post = writable_schema["/store"]["PUT"], writable_schema["/store"]["POST"]
    target = st.sampled_from([*({"graph": g} for g in GRAPHS), {"default": ""}, {}])
    statuses: set[int] = set()

    @_settings(HOSTILE)
    @given(
        replace=st.booleans(),
        body=turtle,
        media_type=st.sampled_from(RDF_UPLOADS),
        query=target,
        accept=st.sampled_from(WRITE_ACCEPTS),
    )
    def write(replace: bool, body: str, media_type: str, query: dict[str, str], accept: str | None) -> None:
        if replace and media_type == NQUADS:
            media_type = "application/n-triples"  # PUT takes no dataset: a 415 the run need not repeat
        case = (put if replace else post).Case(query=query, body=body, media_type=media_type)
        sent = {**AUTH, **({"Accept": accept} if accept else {})}
        statuses.add(case.call_and_validate(headers=sent, checks=CHECKS, timeout=TIMEOUT_S).status_code)

    write()
    assert {201, 204} & statuses and {400, 422} <= statuses, statuses


def test_sparql_updates_and_queries_of_hostile_texts_answer_only_what_they_document(
    writable_schema: BaseSchema,
) -> None:
    """Updates of every operation and queries of every form, sent directly and as a form, with
    the token: each answer is documented, none is a server error; some updates are committed,
    some refused by the checks and some by the policy."""
    post = writable_schema["/sparql"]["POST"]
    statuses: set[int] = set()

    @_settings(HOSTILE)
    @given(
        text=st.one_of(updates, queries_text),
        way=st.sampled_from(["direct", "form"]),
        accept=st.sampled_from(
            [*WRITE_ACCEPTS, "text/csv", "application/sparql-results+xml", "application/rdf+xml"]
        ),
    )
    def send(text: str, way: str, accept: str | None) -> None:
        update = not text.lstrip().startswith(("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"))
        if way == "form":
            case = post.Case(body={"update" if update else "query": text}, media_type=FORM)
        else:
            case = post.Case(body=text, media_type=UPDATE_TYPE if update else QUERY_TYPE)
        sent = {**AUTH, **({"Accept": accept} if accept else {})}
        statuses.add(case.call_and_validate(headers=sent, checks=CHECKS, timeout=TIMEOUT_S).status_code)

    send()
    assert {200, 204, 400, 422} <= statuses, statuses


# --- Answers a random run seldom reaches, sent on purpose ------------------------------------------

NOTHING = "nothing/here"
TRIPLE_TERM = "<<( <urn:x:a> <urn:x:p> <urn:x:o> )>>"
DEEP_JSON_LD = ('{"@id": "urn:x:a", "urn:x:p": ' + "[" * 3000 + "]" * 3000 + "}").encode()
PUT_CLUSTER = f"<urn:x:a> a <{CKG}ontology#Cluster> ."  # a cluster without a label: the shapes refuse it
# (operation, path parameters, query, body, media type, headers, the status it must be)
ON_PURPOSE: list[tuple[str, dict[str, str], dict[str, str], str | None, str | None, dict[str, str], int]] = [
    ("GET /sparql", {}, {"update": "CLEAR ALL"}, None, None, {}, 405),
    ("GET /sparql", {}, {"query": "ASK {}", "timeout": "0.01"}, None, None, {}, 400),
    ("GET /sparql", {}, {"query": "ASK {}"}, None, None, {"Accept": "text/tab-separated-values"}, 200),
    (
        "GET /sparql",
        {},
        {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"},
        None,
        None,
        {"Accept": "text/plain"},
        200,
    ),
    ("GET /sparql", {}, {}, None, None, {"Accept": "application/trig"}, 200),  # the Service Description
    ("POST /sparql", {}, {}, "ASK {}", "text/plain", {}, 415),
    ("POST /sparql", {}, {}, "CLEAR ALL", UPDATE_TYPE, {"Accept": "text/plain"}, 403),
    ("GET /id/{path}", {"path": NOTHING}, {}, None, None, {"Accept": "text/html"}, 404),
    ("GET /id/{path}", {"path": NOTHING}, {}, None, None, {"Accept": "application/ld+json"}, 404),
    ("GET /id/{path}", {"path": NOTHING}, {}, None, None, {"Accept": "application/rdf+xml"}, 404),
    ("GET /id/{path}", {"path": NOTHING}, {"format": "nt"}, None, None, {}, 404),
    ("GET /id/{path}", {"path": "cluster/biomed"}, {}, None, None, {"Accept": "application/json"}, 200),
    ("GET /dumps/{name}", {"name": "everything.zip"}, {}, None, None, {"Accept": "text/plain"}, 404),
    ("GET /dumps/{name}", {"name": "clusterkg.nq.gz"}, {}, None, None, {}, 200),
    ("GET /ontology/{version}", {"version": "0.0.0"}, {}, None, None, {}, 404),
    ("GET /store", {}, {"graph": "urn:x:none"}, None, None, {}, 404),
    ("PUT /store", {}, {"graph": "urn:x:g"}, PUT_CLUSTER, "text/turtle", {}, 403),
    ("GET /metrics", {}, {}, None, None, {}, 200),
]
WRITES_ON_PURPOSE: list[tuple[str, dict[str, str], dict[str, str], Any, str | None, dict[str, str], int]] = [
    ("PUT /store", {}, {"graph": "urn:x:g"}, PUT_CLUSTER, "text/turtle", {"Accept": "text/turtle"}, 422),
    ("PUT /store", {}, {"graph": "urn:x:g"}, PUT_CLUSTER, "text/turtle", {}, 422),
    ("POST /sparql", {}, {}, f"INSERT DATA {{ GRAPH <urn:x:g> {{ {PUT_CLUSTER} }} }}", UPDATE_TYPE, {}, 422),
    ("PUT /store", {}, {"graph": "urn:x:t"}, f"<urn:x:a> <urn:x:p> {TRIPLE_TERM} .", "text/turtle", {}, 422),
    ("PUT /store", {}, {"graph": "urn:x:t"}, DEEP_JSON_LD, "application/ld+json", {}, 400),
    ("POST /sparql", {}, {}, UPDATES["triple"].format(graph="urn:x:t"), UPDATE_TYPE, {}, 422),
    ("POST /api/ingest", {}, {}, ("t.xlsx", b"not a workbook"), None, {}, 422),
    ("POST /api/ingest", {}, {"graph": "not an IRI"}, ("case.csv", b"a,b\n"), None, {}, 422),
    ("POST /api/ingest", {}, {"dry-run": "true"}, ("case.csv", b"a,b\n"), None, {}, 422),
    ("POST /api/ingest", {}, {}, ("case.csv", b"a,b\n"), None, {"Accept": "text/plain"}, 422),
]


def _on_purpose(schema: BaseSchema, case: tuple[Any, ...], auth: dict[str, str]) -> None:
    operation, path_parameters, query, body, media_type, headers, status = case
    method, path = operation.split(" ")
    sent: dict[str, Any] = {"path_parameters": path_parameters, "query": query, "headers": dict(headers)}
    upload: dict[str, Any] = {}
    if isinstance(body, tuple):  # a file part with its name, which schemathesis cannot give
        upload = {"files": {"file": body}}
    elif isinstance(body, bytes):  # sent as it is: JSON-LD that schemathesis would quote as a string
        upload = {"data": body}
        sent["headers"]["Content-Type"] = media_type
    elif body is not None:
        sent |= {"body": body, "media_type": media_type}
    made = schema[path][method].Case(**sent)
    answer = made.call_and_validate(headers=auth, checks=CHECKS, timeout=TIMEOUT_S, **upload)
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize("case", ON_PURPOSE, ids=[f"{c[0]}-{c[-1]}" for c in ON_PURPOSE])
def test_answers_sent_on_purpose_are_documented(api_schema: BaseSchema, case: tuple[Any, ...]) -> None:
    _on_purpose(api_schema, case, {})


@pytest.mark.parametrize("case", WRITES_ON_PURPOSE, ids=[f"{c[0]}-{c[-1]}" for c in WRITES_ON_PURPOSE])
def test_refused_writes_sent_on_purpose_are_documented(
    writable_schema: BaseSchema, case: tuple[Any, ...]
) -> None:
    _on_purpose(writable_schema, case, AUTH)


@pytest.fixture(scope="module")
def limited_schema(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseSchema]:
    """The real app over a third copy of the store, with limits small enough for every answer."""
    store = tmp_path_factory.mktemp("openapi-limited") / "store"
    shutil.copytree(built_store, store)
    with serve(Settings(store=store, result_limit_bytes=2000, body_limit_bytes=1000)) as base:
        yield schemathesis.openapi.from_url(base + "/openapi.json", config=_config())


PROVENANCE = {"graph": CKG + "graph/provenance"}
OVER_THE_LIMITS: list[tuple[str, dict[str, str], dict[str, str], Any, str | None, dict[str, str], int]] = [
    ("GET /store", {}, PROVENANCE, None, None, {}, 413),
    ("HEAD /store", {}, PROVENANCE, None, None, {}, 413),
    ("GET /id/{path}", {"path": "cluster/biomed"}, {}, None, None, {}, 413),
    ("GET /.well-known/void", {}, {}, None, None, {}, 413),
    ("GET /explore/cluster/{slug}", {"slug": "biomed"}, {}, None, None, {}, 413),
    ("GET /sparql", {}, {}, None, None, {"Accept": "text/plain"}, 413),  # the Service Description
    ("POST /sparql", {}, {}, "ASK {} #" + "x" * 2000, QUERY_TYPE, {}, 413),  # the body
    ("GET /api/clusters", {}, {}, None, None, {}, 413),
]


@pytest.mark.parametrize("case", OVER_THE_LIMITS, ids=[c[0] for c in OVER_THE_LIMITS])
def test_answers_over_the_limits_are_documented(limited_schema: BaseSchema, case: tuple[Any, ...]) -> None:
    _on_purpose(limited_schema, case, {})
