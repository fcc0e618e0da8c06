"""Named queries over HTTP (``/api/queries``): listing, typed parameters, formats, pages, OpenAPI,
and values that try to break out of the query (bound literally, or refused naming the parameter)."""

from __future__ import annotations

import csv
import io
import re

import pyoxigraph as ox
import pytest
from conftest import make_store
from fastapi.testclient import TestClient

import queries
from kg import terms
from kg.engine import binding
from kg.sources import SourceSet

pytestmark = pytest.mark.engines  # against the managed Oxigraph and Virtuoso (tests/engines.py)

CKG = "https://w3id.org/clusterkg/ontology#"
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"
NAMED = queries.list_queries()
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
# FastAPI warns about the HEAD+GET route of /sparql while it builds the spec (not ours).


def examples(query: queries.NamedQuery) -> dict[str, str]:
    """The example value of every parameter that declares one."""
    return {p.name: p.example for p in query.params if p.example is not None}


def triple_count(client: TestClient) -> int:
    """Every triple of the store, asked through the SPARQL endpoint."""
    answer = client.get(
        "/sparql", params={"query": COUNT_ALL}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


# --- Binding: VALUES gives what pyoxigraph's substitution gives -------------------------------


@pytest.fixture(scope="module")
def union_store(biomed_sources: SourceSet) -> ox.Store:
    """The founding case in memory, for comparing the two ways of binding."""
    return make_store(biomed_sources)


def _rows(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> list[list[object]]:
    assert isinstance(result, ox.QuerySolutions)
    names = list(result.variables)
    return [[s[v] for v in names] for s in result]


@pytest.mark.parametrize("query", NAMED, ids=[q.name for q in NAMED])
@pytest.mark.parametrize("with_examples", [True, False], ids=["examples", "defaults"])
def test_values_binding_equals_substitution(
    union_store: ox.Store, query: queries.NamedQuery, with_examples: bool
) -> None:
    values = (
        examples(query)
        if with_examples
        else {p.name: p.example for p in query.params if p.required and p.example}
    )
    substitutions = queries.bind(query, values)
    expected = union_store.query(query.text, substitutions=substitutions, use_default_graph_as_union=True)
    terms = {v.value: t for v, t in substitutions.items() if isinstance(t, ox.NamedNode | ox.Literal)}
    bound = union_store.query(binding.bind_values(query.text, terms), use_default_graph_as_union=True)
    assert _rows(bound) == _rows(expected)


def test_bind_values_ignores_braces_in_strings_and_projection() -> None:
    text = 'SELECT (CONCAT("{", ?x) AS ?y) WHERE { ?s ?p "}" } ORDER BY ?y'
    bound = binding.bind_values(text, {"x": ox.Literal('a"} #\n')})
    assert (
        bound
        == 'SELECT (CONCAT("{", ?x) AS ?y) WHERE { VALUES (?x) { ("a\\"} #\\n") } ?s ?p "}" } ORDER BY ?y'
    )


def test_page_after_modifiers_or_none() -> None:
    assert (
        binding.page("SELECT * { ?s ?p ?o } ORDER BY ?s", 5, 10)
        == "SELECT * { ?s ?p ?o } ORDER BY ?s\nLIMIT 5 OFFSET 10\n"
    )
    assert binding.page("SELECT * { ?s ?p ?o } OFFSET 2", 5, 10) is None
    assert binding.page("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 3 } }", 5, 0) is not None


# --- Listing and running -----------------------------------------------------------------------


def test_listing(client: TestClient) -> None:
    answer = client.get("/api/queries")
    assert answer.status_code == 200
    listed = {q["name"]: q for q in answer.json()["queries"]}
    assert list(listed) == [q.name for q in NAMED]
    stats = listed["statistics"]
    assert stats["summary"].startswith("Every statistic")
    assert stats["question"]
    assert {p["name"] for p in stats["parameters"]} == {"subject", "indicator"}
    assert stats["links"]["self"].endswith("/api/queries/statistics")
    shared = {p["name"]: p for p in listed["shared-technology"]["parameters"]}
    assert shared["minOrganisations"] == {
        "name": "minOrganisations",
        "type": "integer",
        "required": False,
        "default": "2",
        "description": "The least number of organisations (and groups) that must use the technology.",
        "example": "2",
        "enum": [],
        "enum_from": None,
    }


@pytest.mark.parametrize("query", NAMED, ids=[q.name for q in NAMED])
def test_every_query_runs_with_its_examples(client: TestClient, query: queries.NamedQuery) -> None:
    answer = client.get(f"/api/queries/{query.name}", params=examples(query))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["query"] == query.name
    assert all(set(row) <= set(body["variables"]) for row in body["rows"])


def test_required_parameter_missing_is_422(client: TestClient) -> None:
    answer = client.get("/api/queries/project-stages")
    assert answer.status_code == 422
    assert answer.json()["parameter"] == "project"


def test_statistics_gives_28_participants(client: TestClient) -> None:
    answer = client.get(
        "/api/queries/statistics", params={"subject": BIOMED, "indicator": CKG + "participantCount"}
    )
    assert answer.status_code == 200
    (row,) = answer.json()["rows"]
    assert row["value"] == 28
    assert row["indicator"] == {"iri": CKG + "participantCount", "curie": "ckg:participantCount"}
    assert row["as_of"] == {"value": "2018-05", "datatype": "xsd:gYearMonth"}
    assert row["subject_label_en"] == {"value": "BioMed industrial cluster of Penza Oblast", "lang": "en"}


def test_clusters_gives_biomed(client: TestClient) -> None:
    answer = client.get("/api/queries/clusters")
    rows = answer.json()["rows"]
    biomed = [r for r in rows if r["cluster"]["iri"] == BIOMED]
    assert len(biomed) == 3  # one row per specialisation area
    assert {r["participants"] for r in biomed} == {28}
    assert {r["label_ru"]["value"] for r in biomed} == {"промышленный кластер Пензенской области «БиоМед»"}
    assert {r["region_code"] for r in biomed} == {"RU-PNZ"}


def test_booleans_are_json_booleans(client: TestClient) -> None:
    rows = client.get("/api/queries/cluster-participants", params={"cluster": BIOMED}).json()["rows"]
    assert rows
    assert {type(r["is_group"]) for r in rows} == {bool}


# --- Formats -----------------------------------------------------------------------------------


def test_csv_by_format_and_accept(client: TestClient) -> None:
    params = {"subject": BIOMED, "indicator": CKG + "participantCount"}
    by_format = client.get("/api/queries/statistics", params={**params, "format": "csv"})
    by_accept = client.get("/api/queries/statistics", params=params, headers={"Accept": "text/csv"})
    assert by_format.status_code == by_accept.status_code == 200
    assert by_format.headers["content-type"].startswith("text/csv")
    assert by_format.content == by_accept.content
    header, row = list(csv.reader(io.StringIO(by_format.text)))
    assert header[:4] == ["subject", "subjectLabelEn", "subjectLabelRu", "indicator"]
    assert dict(zip(header, row, strict=True))["value"] == "28"
    assert dict(zip(header, row, strict=True))["subject"] == BIOMED


def test_sparql_json_by_format_and_accept(client: TestClient) -> None:
    params = {"subject": BIOMED, "indicator": CKG + "participantCount"}
    by_format = client.get("/api/queries/statistics", params={**params, "format": "sparql-json"})
    accept = {"Accept": "application/sparql-results+json"}
    by_accept = client.get("/api/queries/statistics", params=params, headers=accept)
    assert by_format.headers["content-type"] == "application/sparql-results+json"
    assert by_format.json() == by_accept.json()
    (binding_,) = by_format.json()["results"]["bindings"]
    assert binding_["value"] == {
        "type": "literal",
        "value": "28",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }
    assert binding_["subjectLabelRu"]["xml:lang"] == "ru"
    assert binding_["subject"] == {"type": "uri", "value": BIOMED}
    assert "subject" in by_format.json()["head"]["vars"]


def test_refused_media_types_are_skipped(client: TestClient) -> None:
    answer = client.get("/api/queries/clusters", headers={"Accept": "text/csv;q=0.0, application/json"})
    assert answer.headers["content-type"] == "application/json"


def test_unknown_format_is_422(client: TestClient) -> None:
    answer = client.get("/api/queries/clusters", params={"format": "xml"})
    assert answer.status_code == 422
    assert answer.json()["parameter"] == "format"


# --- Pages -------------------------------------------------------------------------------------


def _link(answer: object, rel: str) -> str | None:
    header = answer.headers.get("link", "")  # type: ignore[attr-defined]
    match = re.search(rf'<([^>]*)>; rel="{rel}"', header)
    return match[1] if match else None


def test_pages_and_link_headers(client: TestClient) -> None:
    url = "/api/queries/claims-about"
    params = {"resource": BIOMED}
    everything = client.get(url, params=params).json()["rows"]
    assert len(everything) == 9
    assert _link(client.get(url, params=params), "next") is None

    first = client.get(url, params={**params, "limit": 4})
    assert [r["claim"] for r in first.json()["rows"]] == [r["claim"] for r in everything[:4]]
    assert _link(first, "prev") is None
    following = _link(first, "next")
    assert following is not None and "offset=4" in following and "limit=4" in following
    assert "resource=" in following

    second = client.get(following)
    assert second.json()["offset"] == 4
    assert second.json()["rows"] == everything[4:8]
    assert "offset=0" in (_link(second, "prev") or "")

    last = client.get(_link(second, "next") or "")
    assert last.json()["rows"] == everything[8:]
    assert _link(last, "next") is None
    assert _link(last, "prev") is not None


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "1001"}, {"offset": "-1"}, {"limit": "x"}])
def test_bad_pages_are_422(client: TestClient, params: dict[str, str]) -> None:
    answer = client.get("/api/queries/clusters", params=params)
    assert answer.status_code == 422
    assert answer.json()["parameter"] == next(iter(params))


# --- OpenAPI -----------------------------------------------------------------------------------


def test_openapi_documents_every_query(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/queries" in spec["paths"]
    for query in NAMED:
        operation = spec["paths"][f"/api/queries/{query.name}"]["get"]
        assert operation["summary"] == query.summary
        assert query.question.split()[0] in operation["description"]
        documented = {p["name"]: p for p in operation["parameters"]}
        for param in query.params:
            doc = documented[param.name]
            assert doc["required"] is param.required
            assert doc["in"] == "query"
            if param.example is not None:
                assert doc["examples"]["example"]["value"] is not None
        assert {"limit", "offset", "format"} <= set(documented)
    shared = {p["name"]: p for p in spec["paths"]["/api/queries/shared-technology"]["get"]["parameters"]}
    assert shared["minOrganisations"]["schema"]["type"] == "integer"
    assert shared["minOrganisations"]["schema"]["default"] == 2
    assert shared["minOrganisations"]["examples"]["example"]["value"] == 2
    assert shared["technology"]["schema"]["format"] == "iri"
    assert "ckg:ThroughTechnology" in shared["technology"]["description"]
    projects = {p["name"]: p for p in spec["paths"]["/api/queries/cluster-projects"]["get"]["parameters"]}
    assert projects["since"]["schema"]["pattern"] == f"^{terms.G_YEAR_PATTERN}$"
    assert projects["since"]["examples"]["example"]["value"] == "2015"
    stages = {p["name"]: p for p in spec["paths"]["/api/queries/project-stages"]["get"]["parameters"]}
    assert stages["project"]["required"] is True


# --- Values that try to escape the query -------------------------------------------------------

CLOSE_AND_UPDATE = '4" } } ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> "z" } #'
LITERAL_ATTACKS = [
    'quote " inside',
    "single ' quote",
    "brace } and { more",
    'backslash \\" quote',
    "new\nline",
    "# comment",
    "a > b",
    CLOSE_AND_UPDATE,
    '4"@en . } SELECT * { ?s ?p ?o } #',
]


@pytest.mark.parametrize("value", LITERAL_ATTACKS)
def test_string_values_are_bound_literally(client: TestClient, value: str) -> None:
    before = triple_count(client)
    answer = client.get("/api/queries/management-tasks", params={"notation": value})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == []  # no task has that notation
    assert triple_count(client) == before


def test_escaped_backslash_before_an_escape_is_refused(client: TestClient) -> None:
    # "\\u0022" reads as a quote to engines that decode escapes before parsing.
    before = triple_count(client)
    answer = client.get("/api/queries/management-tasks", params={"notation": "\\u0022 } ; DROP ALL #"})
    assert answer.status_code == 422
    assert answer.json()["parameter"] == "notation"
    assert triple_count(client) == before


def test_unicode_and_control_characters_are_bound_literally(client: TestClient) -> None:
    answer = client.get("/api/queries/management-tasks", params={"notation": "МедИнж\x01\t\u2028"})
    assert answer.status_code == 200
    assert answer.json()["rows"] == []


IRI_ATTACKS = [
    BIOMED + "> } ; DROP ALL ; SELECT * { <urn:x",
    BIOMED + '" }',
    BIOMED + "\n}",
    BIOMED + "}",
    BIOMED + " #",
    "not an iri",
    "",
]


@pytest.mark.parametrize("value", IRI_ATTACKS)
def test_bad_iris_are_refused_naming_the_parameter(client: TestClient, value: str) -> None:
    before = triple_count(client)
    answer = client.get("/api/queries/cluster-participants", params={"cluster": value})
    assert answer.status_code == 422
    assert answer.json()["parameter"] == "cluster"
    assert triple_count(client) == before


def test_iri_with_escape_text_is_bound_literally(client: TestClient) -> None:
    before = triple_count(client)
    answer = client.get("/api/queries/statistics", params={"subject": BIOMED + "\\u003E%7D#x"})
    assert answer.status_code in (200, 422)
    if answer.status_code == 200:
        assert answer.json()["rows"] == []
    else:
        assert answer.json()["parameter"] == "subject"
    assert triple_count(client) == before


def test_iri_outside_the_enumeration_is_refused(client: TestClient) -> None:
    answer = client.get(
        "/api/queries/cluster-participants", params={"cluster": "https://example.org/no-such-cluster"}
    )
    assert answer.status_code == 422
    assert answer.json()["parameter"] == "cluster"
    assert "ckg:Cluster" in answer.json()["message"]


@pytest.mark.parametrize(
    ("query", "name", "value"),
    [
        ("cluster-projects", "since", '2015" } ; DROP ALL #'),
        ("cluster-projects", "since", "15"),
        ("shared-technology", "minOrganisations", "2 } ; DROP ALL"),
        ("shared-technology", "minOrganisations", "2.5"),
    ],
)
def test_typed_values_that_do_not_fit_are_422(client: TestClient, query: str, name: str, value: str) -> None:
    before = triple_count(client)
    answer = client.get(f"/api/queries/{query}", params={name: value})
    assert answer.status_code == 422
    assert answer.json()["parameter"] == name
    assert triple_count(client) == before


def test_typed_values_are_bound(client: TestClient) -> None:
    rows = client.get("/api/queries/shared-technology", params={"minOrganisations": "1000"}).json()["rows"]
    assert rows == []
    rows = client.get("/api/queries/cluster-projects", params={"since": "2015"}).json()["rows"]
    assert rows
    assert {r["since"]["value"] for r in rows} == {"2015"}


# --- One REST style: unknown parameters, CURIEs, bad IRIs, snake_case keys ----------------------


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/queries/statistics", {"foo": "bar"}),
        ("/api/queries/statistics", {"subjet": BIOMED}),
        ("/api/queries/clusters", {"limit": "5", "Limit": "5"}),
        ("/api/queries", {"foo": "bar"}),
    ],
)
def test_an_unknown_parameter_is_422_naming_it(client: TestClient, url: str, params: dict[str, str]) -> None:
    answer = client.get(url, params=params)
    assert answer.status_code == 422
    body = answer.json()
    unknown = next(name for name in params if name not in ("limit",))
    assert body["error"] == "parameter-error"
    assert body["parameter"] == unknown
    assert body["message"].startswith(f"parameter {unknown!r}: unknown parameter; accepted: ")


def test_the_accepted_parameters_are_listed(client: TestClient) -> None:
    message = client.get("/api/queries/statistics", params={"foo": "1"}).json()["message"]
    assert message.endswith("accepted: format, indicator, limit, offset, subject")
    assert client.get("/api/queries", params={"x": "1"}).json()["message"].endswith("accepted: none")


def test_a_curie_is_taken_wherever_an_iri_is(client: TestClient) -> None:
    by_iri = client.get(
        "/api/queries/cluster-participants", params={"cluster": BIOMED, "role": CKG + "anchorRole"}
    )
    by_curie = client.get(
        "/api/queries/cluster-participants", params={"cluster": BIOMED, "role": "ckg:anchorRole"}
    )
    assert by_iri.status_code == by_curie.status_code == 200, by_curie.text
    assert by_curie.json()["rows"] == by_iri.json()["rows"] != []
    assert {r["role"]["curie"] for r in by_curie.json()["rows"]} == {"ckg:anchorRole"}
    stats = client.get("/api/queries/statistics", params={"indicator": "ckg:participantCount"})
    assert [r["value"] for r in stats.json()["rows"]] == [28]


@pytest.mark.parametrize("value", ["_:b0", ":x", "1:x", "http://[x", "a%:b", "é:x", "ckg:", "ckg:a b"])
@pytest.mark.parametrize(
    ("query", "name"),
    [("claims-about", "resource"), ("cluster-participants", "cluster"), ("statistics", "subject")],
)
def test_a_malformed_iri_is_422_never_500(client: TestClient, query: str, name: str, value: str) -> None:
    answer = client.get(f"/api/queries/{query}", params={name: value})
    assert answer.status_code == 422, answer.text
    assert answer.json()["parameter"] == name
    assert "IRI" in answer.json()["message"] or "CURIE" in answer.json()["message"]


def test_every_json_key_of_the_rows_is_snake_case(client: TestClient) -> None:
    for query in NAMED:
        body = client.get(f"/api/queries/{query.name}", params=examples(query)).json()
        for key in body["variables"]:
            assert re.fullmatch(r"[a-z0-9_]+", key), (query.name, key)
        assert all(set(row) <= set(body["variables"]) for row in body["rows"])


def test_pages_link_to_the_first(client: TestClient) -> None:
    answer = client.get("/api/queries/claims-about", params={"resource": BIOMED, "limit": 4, "offset": 4})
    first = _link(answer, "first")
    assert first is not None and "offset=0" in first and "resource=" in first
    assert client.get(first).json()["offset"] == 0
