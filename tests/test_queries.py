"""The named queries: every file loads, declares its parameters well, binds them as typed RDF
terms, and cannot be turned into something else by a parameter value.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import make_store
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

import queries
from kg.errors import ParameterError, UnknownQuery
from kg.namespaces import CKG, PREFIXES
from kg.sources import load_ontology, load_sources

XSD = "http://www.w3.org/2001/XMLSchema#"
NAMES = [
    "claims-about",
    "cluster-participants",
    "cluster-projects",
    "clusters",
    "import-shares",
    "ip-rights",
    "management-tasks",
    "project-stages",
    "shared-technology",
    "statistics",
    "time-to-production",
]
ALL = queries.list_queries()
PARAMS = [pytest.param(q, p, id=f"{q.name}.{p.name}") for q in ALL for p in q.params]
ENUM_PARAMS = [pytest.param(q, p, id=f"{q.name}.{p.name}") for q in ALL for p in q.params if p.enum_from]
Substitutions = dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]


def _run(store: ox.Store, query: queries.NamedQuery, values: dict[str, str]) -> list[ox.QuerySolution]:
    substitutions: Substitutions = dict(queries.bind(query, values))
    result = store.query(query.text, substitutions=substitutions, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


def _examples(query: queries.NamedQuery) -> dict[str, str]:
    return {p.name: p.example for p in query.params if p.example is not None}


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return load_ontology()


# --- The folder ------------------------------------------------------------------------------


def test_the_folder_holds_one_query_per_competency_question() -> None:
    assert set(NAMES) <= {q.name for q in ALL}
    assert all(q.path.parent == Path(queries.HERE) for q in ALL)


def test_an_unknown_query_is_refused_with_the_known_names() -> None:
    with pytest.raises(UnknownQuery, match="clusters"):
        queries.get("no-such-query")


@pytest.mark.parametrize("query", ALL, ids=lambda q: q.name)
def test_every_query_has_a_summary_and_a_question(query: queries.NamedQuery) -> None:
    assert query.summary and query.summary != query.name
    assert query.question.endswith("?")
    assert query.description


@pytest.mark.parametrize("query", ALL, ids=lambda q: q.name)
def test_every_query_parses_and_is_a_select(query: queries.NamedQuery) -> None:
    result = ox.Store().query(query.text)
    assert isinstance(result, ox.QuerySolutions)


@pytest.mark.parametrize("query", ALL, ids=lambda q: q.name)
def test_every_query_declares_the_prefixes_it_uses(query: queries.NamedQuery) -> None:
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    declared = set(re.findall(r"^PREFIX\s+([a-z]*):", body, flags=re.MULTILINE))
    body = re.sub(r'"[^"\n]*"', '""', body)  # prefixed names inside strings are not names
    used = set(re.findall(r"(?<![\w<?:/#])([a-z][a-z0-9]*):[A-Za-z]", body))
    assert used <= declared, used - declared
    assert declared <= set(PREFIXES), declared - set(PREFIXES)


@pytest.mark.parametrize(("query", "param"), PARAMS)
def test_every_parameter_is_a_projected_variable(query: queries.NamedQuery, param: queries.Param) -> None:
    assert re.search(rf"\?{param.name}\b", query.text), f"?{param.name} is not in the query"
    result = ox.Store().query(query.text)
    assert isinstance(result, ox.QuerySolutions)
    projected = [v.value for v in result.variables]
    assert param.name in projected


@pytest.mark.parametrize(("query", "param"), PARAMS)
def test_every_parameter_is_documented_with_an_example_that_binds(
    query: queries.NamedQuery, param: queries.Param
) -> None:
    assert param.description
    assert param.example is not None
    term = queries.to_term(param, param.example)
    assert isinstance(term, ox.NamedNode if param.type == "iri" else ox.Literal)


@pytest.mark.parametrize(("query", "param"), ENUM_PARAMS)
def test_enum_from_names_a_class_of_the_ontology(
    query: queries.NamedQuery, param: queries.Param, ontology_graph: Graph
) -> None:
    assert param.type == "iri"
    prefix, _, local = str(param.enum_from).partition(":")
    assert prefix == "ckg"
    assert (URIRef(CKG[local]), RDF.type, OWL.Class) in ontology_graph


def test_required_parameters_are_refused_when_missing() -> None:
    for name, param in [("project-stages", "project"), ("claims-about", "resource")]:
        with pytest.raises(ParameterError) as err:
            queries.bind(queries.get(name), {})
        assert err.value.parameter == param
        assert "required" in str(err.value)


def test_bind_types_the_values_of_a_real_query() -> None:
    assert queries.bind(queries.get("cluster-projects"), {"since": "2015", "cluster": "urn:x:c"}) == {
        ox.Variable("cluster"): ox.NamedNode("urn:x:c"),
        ox.Variable("since"): ox.Literal("2015", datatype=ox.NamedNode(XSD + "gYear")),
    }
    assert queries.bind(queries.get("management-tasks"), {"notation": "4"}) == {
        ox.Variable("notation"): ox.Literal("4")
    }


def test_defaults_fill_missing_optional_parameters() -> None:
    bound = queries.bind(queries.get("shared-technology"), {})
    assert bound == {ox.Variable("minOrganisations"): ox.Literal("2", datatype=ox.NamedNode(XSD + "integer"))}


def test_an_unknown_parameter_is_refused_by_name() -> None:
    with pytest.raises(ParameterError) as err:
        queries.bind(queries.get("clusters"), {"clustre": "https://w3id.org/clusterkg/id/cluster/biomed"})
    assert err.value.parameter == "clustre"


# --- Typed binding --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "term"),
    [
        (
            "iri",
            "https://w3id.org/clusterkg/id/cluster/biomed",
            ox.NamedNode("https://w3id.org/clusterkg/id/cluster/biomed"),
        ),
        ("iri", "urn:isbn:9780000000000", ox.NamedNode("urn:isbn:9780000000000")),
        ("string", "RU-PNZ", ox.Literal("RU-PNZ")),
        ("string", "", ox.Literal("")),
        ("langstring", "МедИнж@ru", ox.Literal("МедИнж", language="ru")),
        ("langstring", "user@example.org@en-GB", ox.Literal("user@example.org", language="en-GB")),
        ("integer", "28", ox.Literal("28", datatype=ox.NamedNode(XSD + "integer"))),
        ("integer", "+007", ox.Literal("7", datatype=ox.NamedNode(XSD + "integer"))),
        ("integer", "-3", ox.Literal("-3", datatype=ox.NamedNode(XSD + "integer"))),
        ("decimal", "60.5", ox.Literal("60.5", datatype=ox.NamedNode(XSD + "decimal"))),
        ("year", "2015", ox.Literal("2015", datatype=ox.NamedNode(XSD + "gYear"))),
        ("date", "2018-05-01", ox.Literal("2018-05-01", datatype=ox.NamedNode(XSD + "date"))),
        ("boolean", "true", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
    ],
)
def test_values_bind_as_typed_terms(kind: str, raw: str, term: ox.NamedNode | ox.Literal) -> None:
    assert queries.to_term(queries.Param("p", kind), raw) == term


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("iri", ""),
        ("iri", "biomed"),
        ("iri", "https://w3id.org/clusterkg/id/cluster/bio med"),
        ("iri", "https://w3id.org/clusterkg/id/cluster/biomed>"),
        ("iri", "<https://w3id.org/clusterkg/id/cluster/biomed>"),
        ("iri", 'https://w3id.org/"x'),
        ("iri", "https://w3id.org/{x}"),
        ("iri", "https://w3id.org/x\nhttps://w3id.org/y"),
        ("iri", "https://w3id.org/x\\u003E"),
        ("langstring", "МедИнж"),
        ("langstring", "МедИнж@"),
        ("langstring", "МедИнж@ru } DROP ALL"),
        ("integer", "1.5"),
        ("integer", "28 participants"),
        ("integer", ""),
        ("decimal", "NaN"),
        ("decimal", "Infinity"),
        ("decimal", "sixty"),
        ("year", "15"),
        ("year", "2015-05"),
        ("year", '2015" } DROP ALL #'),
        ("date", "2018-5-1"),
        ("date", "May 2018"),
        ("boolean", "yes"),
        ("boolean", "True"),
    ],
)
def test_values_that_do_not_fit_are_refused_naming_the_parameter(kind: str, raw: str) -> None:
    with pytest.raises(ParameterError) as err:
        queries.to_term(queries.Param("the_param", kind), raw)
    assert err.value.parameter == "the_param"
    assert "the_param" in str(err.value)


def test_enum_values_are_enforced() -> None:
    param = queries.Param("lang", "string", enum=("en", "ru"))
    assert queries.to_term(param, "ru") == ox.Literal("ru")
    with pytest.raises(ParameterError) as err:
        queries.to_term(param, "de")
    assert err.value.parameter == "lang"


# --- Running against the founding case ----------------------------------------------------------

# Queries whose honest answer on the founding case is empty (their answers on synthetic data
# are in tests/data/competency). Every other query must answer something with its examples:
# shared-technology, for one, because MedInzh (a participant of its project) and the group of
# enterprises acting at the project platform's 5 stages both use its through-technology.
EMPTY_ON_THE_FOUNDING_CASE = {
    "ip-rights": "the article names no IP right",
    "task-inter-cluster": "the article describes one cluster",
    "task-ip-joint-use": "the article names no IP right",
    "task-outsourcing": "the only actor the article gives at the stages is a group of unnamed firms",
    "task-shared-services": "the article states no service relation and no service firm at a stage",
}


def test_the_queries_expected_empty_on_the_founding_case_exist() -> None:
    assert set(EMPTY_ON_THE_FOUNDING_CASE) <= {q.name for q in ALL}


@pytest.mark.parametrize("query", ALL, ids=lambda q: q.name)
def test_every_query_runs_with_its_examples_and_changes_nothing(
    query: queries.NamedQuery, biomed_store: ox.Store
) -> None:
    before = len(biomed_store)
    rows = _run(biomed_store, query, _examples(query))
    assert bool(rows) != (query.name in EMPTY_ON_THE_FOUNDING_CASE), query.name
    assert len(biomed_store) == before


# --- Injection ------------------------------------------------------------------------------------

# Values a caller might send to close the literal or the group and append an update.
HOSTILE_STRINGS = [
    '4" } ; DROP ALL ; #',
    "4' } DROP ALL #",
    '4"} } INSERT DATA { <https://x/s> <https://x/p> <https://x/o> } #',
    "4\\u0022 } DROP ALL #",
    "\\u0022",
    "}",
    "4\n} DROP ALL",
    "# 4",
    '4"^^<http://www.w3.org/2001/XMLSchema#string> } ; CLEAR DEFAULT',
    "4\x00",
]
HOSTILE_IRIS = [
    "https://w3id.org/clusterkg/id/cluster/biomed> } ; DROP ALL ; #",
    "https://w3id.org/clusterkg/id/cluster/biomed }"
    " INSERT DATA { <https://x/s> <https://x/p> <https://x/o> }",
    "https://w3id.org/clusterkg/id/cluster/bio med",
    'https://w3id.org/clusterkg/id/cluster/biomed"',
    "https://w3id.org/clusterkg/id/cluster/biomed\n}",
    "https://w3id.org/clusterkg/id/cluster/biomed\\u003E } DROP ALL",
    "<https://w3id.org/clusterkg/id/cluster/biomed>",
]


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_a_hostile_string_is_bound_as_the_exact_literal(value: str, biomed_store: ox.Store) -> None:
    query = queries.get("management-tasks")
    bound = queries.bind(query, {"notation": value})
    assert bound == {ox.Variable("notation"): ox.Literal(value)}
    before = len(biomed_store)
    assert _run(biomed_store, query, {"notation": value}) == []
    assert len(biomed_store) == before


@pytest.mark.parametrize("value", HOSTILE_IRIS)
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("claims-about", "resource"),
        ("project-stages", "project"),
        ("clusters", "cluster"),
        ("statistics", "subject"),
    ],
)
def test_a_hostile_iri_is_refused_naming_the_parameter(
    value: str, name: str, param: str, biomed_store: ox.Store
) -> None:
    before = len(biomed_store)
    with pytest.raises(ParameterError) as err:
        _run(biomed_store, queries.get(name), {param: value})
    assert err.value.parameter == param
    assert len(biomed_store) == before


@pytest.mark.parametrize(
    ("name", "param", "value"),
    [
        ("cluster-projects", "since", '2015" } DROP ALL #'),
        ("shared-technology", "minOrganisations", "1) } DROP ALL #"),
        ("shared-technology", "minOrganisations", "1 || true"),
    ],
)
def test_a_hostile_typed_value_is_refused_naming_the_parameter(
    name: str, param: str, value: str, biomed_store: ox.Store
) -> None:
    before = len(biomed_store)
    with pytest.raises(ParameterError) as err:
        _run(biomed_store, queries.get(name), {param: value})
    assert err.value.parameter == param
    assert len(biomed_store) == before


@pytest.mark.parametrize(
    ("kind", "raw"), [("year", "2015\n"), ("date", "2018-05-01\n"), ("langstring", "x@ru\n")]
)
def test_a_trailing_newline_is_refused_naming_the_parameter(kind: str, raw: str) -> None:
    with pytest.raises(ParameterError) as err:
        queries.to_term(queries.Param("the_param", kind), raw)
    assert err.value.parameter == "the_param"


def test_a_well_formed_iri_that_names_nothing_answers_nothing(biomed_store: ox.Store) -> None:
    before = len(biomed_store)
    odd = "urn:x:DROP%20ALL;INSERT%20DATA%7B%7D"
    assert _run(biomed_store, queries.get("claims-about"), {"resource": odd}) == []
    assert _run(biomed_store, queries.get("project-stages"), {"project": odd}) == []
    assert len(biomed_store) == before


# --- "As of a date": members on a date, an indicator over time (synthetic fixture) -----------------

DATED = Path(__file__).parent / "data" / "queries" / "dated.trig"
SYN = "https://w3id.org/clusterkg/synthetic/id/"


@pytest.fixture(scope="module")
def dated_store() -> ox.Store:
    return make_store(load_sources([DATED]))


def _as_of(store: ox.Store, name: str, params: dict[str, str]) -> list[dict[str, str]]:
    query = queries.get(name)
    result = store.query(
        query.text, substitutions=dict(queries.bind(query, params)), use_default_graph_as_union=True
    )
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


@pytest.mark.parametrize(
    ("date", "dated_members"),
    [
        ("2015-12-31", {"org-c"}),  # C has no beginning; A and E begin with 2016, B in March 2017
        ("2016-01-01", {"org-a", "org-c", "org-e"}),  # a year-only beginning counts from 1 January
        ("2017-02-28", {"org-a", "org-c", "org-e"}),
        ("2017-03-01", {"org-a", "org-b", "org-c", "org-e"}),  # a month-only beginning: its first day
        ("2018-05-31", {"org-a", "org-b", "org-c", "org-e"}),  # a month-only end: its last day
        ("2018-06-01", {"org-a", "org-b", "org-c"}),
        ("2018-06-30", {"org-a", "org-b", "org-c"}),  # a date end: that day still counts
        ("2018-07-01", {"org-b", "org-c"}),
        ("2019-12-31", {"org-b", "org-c"}),  # a year-only end counts to 31 December
        ("2020-01-01", {"org-b"}),
    ],
)
def test_members_on_a_date(dated_store: ox.Store, date: str, dated_members: set[str]) -> None:
    rows = _as_of(dated_store, "members-on-date", {"cluster": SYN + "cluster-gamma", "date": date})
    dated = {r["member"].removeprefix(SYN) for r in rows if r["dated"] == "true"}
    undated = {r["member"].removeprefix(SYN) for r in rows if r["dated"] == "false"}
    assert dated == dated_members
    assert undated == {"org-d"}  # listed on every date, flagged
    assert [r["dated"] for r in rows] == sorted((r["dated"] for r in rows), reverse=True)  # dated first


def test_members_of_another_cluster_are_not_listed(dated_store: ox.Store) -> None:
    params = {"cluster": SYN + "no-such-cluster", "date": "2018-01-01"}
    assert _as_of(dated_store, "members-on-date", params) == []


def test_a_date_parameter_must_be_a_date() -> None:
    query = queries.get("members-on-date")
    with pytest.raises(ParameterError):
        queries.bind(query, {"cluster": SYN + "cluster-gamma", "date": "May 2018"})


def test_an_indicator_over_time_is_ordered_with_the_undated_last(dated_store: ox.Store) -> None:
    rows = _as_of(
        dated_store,
        "indicator-series",
        {"subject": SYN + "cluster-gamma", "indicator": "https://w3id.org/clusterkg/ontology#employment"},
    )
    assert [r["statistic"].removeprefix(SYN) for r in rows] == [
        "emp-2019",
        "emp-2019-06",
        "emp-2020-01-15",
        "emp-undated",
    ]
    assert [r.get("asOf") for r in rows] == ["2019", "2019-06", "2020-01-15", None]
    assert [r["dated"] for r in rows] == ["true", "true", "true", "false"]
    assert rows[1]["minInclusive"] == "1100" and rows[1]["maxInclusive"] == "1200"
    assert rows[3]["minExclusive"] == "1000" and "value" not in rows[3]
    assert {r["dataset"] for r in rows} == {SYN + "dataset-gamma"}
    assert {r["claim"] for r in rows} == {"https://w3id.org/clusterkg/synthetic/graph/claim/gamma-employment"}


def test_an_indicator_series_without_an_indicator_gives_every_indicator(dated_store: ox.Store) -> None:
    rows = _as_of(dated_store, "indicator-series", {"subject": SYN + "cluster-gamma"})
    indicators = [r["indicator"].rsplit("#", 1)[1] for r in rows]
    assert indicators == ["employment"] * 4 + ["locationQuotient"]
