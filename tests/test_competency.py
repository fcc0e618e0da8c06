"""Competency questions: every named query answers its question with exactly the expected rows.

Data-driven, like RDF-STaX's ``tests/uc1/cq*.yaml``: ``tests/data/competency/<query>.yaml``
holds the question in words and its cases: which data (``biomed``, the founding case; or
``synthetic``, the founding case plus ``synthetic-*.trig`` where the article gives no data),
the parameters, and the exact rows, each a mapping of variable to RDF term written
Turtle-style with the prefixes of ``prefixes.yaml``. Unbound variables are left out of a row.
Rows compare as a multiset unless the case says ``ordered: true``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from conftest import make_store

import ontology
import queries
from kg import provenance
from kg.sources import SOURCES_DIR, founding_case_files, load_sources

COMPETENCY = Path(__file__).resolve().parent / "data" / "competency"
PREFIXES: dict[str, str] = yaml.safe_load((COMPETENCY / "prefixes.yaml").read_text(encoding="utf-8"))
SYNTHETIC_FILES = sorted(COMPETENCY.glob("synthetic-*.trig"))
XSD = "http://www.w3.org/2001/XMLSchema#"
ARTICLE = SOURCES_DIR / "biomed-cluster-article.ru.txt"
_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")

Row = dict[str, str]


# --- Terms as the expectation files write them ------------------------------------------------


def render(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """An RDF term written as in the expectation files (prefixed name, "text"@lang, ...)."""
    if isinstance(term, ox.NamedNode):
        best = max(
            (p for p, ns in PREFIXES.items() if term.value.startswith(ns)),
            key=lambda p: len(PREFIXES[p]),
            default=None,
        )
        if best is not None:
            local = term.value[len(PREFIXES[best]) :]
            if _LOCAL.match(local):
                return f"{best}:{local}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'"{term.value}"@{term.language}'
        if term.datatype.value == XSD + "string":
            return f'"{term.value}"'
        return f'"{term.value}"^^{render(term.datatype)}'
    return str(term)


def expected_term(value: Any) -> str:
    """A term of an expectation file: YAML booleans and integers stand for typed literals."""
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^xsd:boolean'
    if isinstance(value, int):
        return f'"{value}"^^xsd:integer'
    return str(value)


# --- Running a named query as a client would ----------------------------------------------------


def solutions(store: ox.Store, name: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
    """Run a named query with typed parameters over the union of all graphs."""
    query = queries.get(name)
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = dict(
        queries.bind(query, params)
    )
    result = store.query(query.text, substitutions=substitutions, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in result]


def rows_of(store: ox.Store, name: str, params: Mapping[str, str]) -> list[Row]:
    return [{k: render(v) for k, v in row.items()} for row in solutions(store, name, params)]


def _key(row: Row) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(row.items()))


# --- The expectation files ----------------------------------------------------------------------


def _expectations() -> dict[str, dict[str, Any]]:
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(COMPETENCY.glob("*.yaml"))
        if path.name != "prefixes.yaml"
    }


EXPECTATIONS = _expectations()


def _cases() -> Iterator[Any]:
    for name, spec in EXPECTATIONS.items():
        for case in spec["cases"]:
            yield pytest.param(name, case, id=f"{name}[{case['name']}]")


@pytest.fixture(scope="session")
def synthetic_store() -> ox.Store:
    """The founding case plus the synthetic fixture, inferences materialised."""
    return make_store(load_sources([*founding_case_files(), *SYNTHETIC_FILES]))


def test_every_named_query_has_its_competency_question() -> None:
    assert sorted(EXPECTATIONS) == sorted(q.name for q in queries.list_queries())
    for name, spec in EXPECTATIONS.items():
        assert spec["query"] == name
        assert spec["question"] == queries.get(name).question, name
        assert spec["cases"], name


@pytest.mark.parametrize(("name", "case"), list(_cases()))
def test_competency_question(name: str, case: dict[str, Any], request: pytest.FixtureRequest) -> None:
    store = request.getfixturevalue({"biomed": "biomed_store", "synthetic": "synthetic_store"}[case["data"]])
    params = {k: str(v) for k, v in (case.get("params") or {}).items()}
    got = rows_of(store, name, params)
    expected = [{k: expected_term(v) for k, v in row.items()} for row in case["rows"] or []]
    if case.get("ordered", False):
        assert got == expected
    else:
        assert sorted(got, key=_key) == sorted(expected, key=_key)


# --- Every number of the founding case, with its quote -------------------------------------------

# (indicator, where the number is, its term, the words of the article that state it)
FOUNDING_NUMBERS = [
    ("ckg:participantCount", "value", '"28"^^xsd:integer', "28 участников"),
    ("ckg:highTechOutputShare", "minExclusive", '"60"^^xsd:integer', "более 60 процентов"),
    ("ckg:rdParticipantCount", "value", '"11"^^xsd:integer', "участвовали 11 компаний"),
    ("ckg:groupSize", "value", '"11"^^xsd:integer', "участвовали 11 компаний"),
    ("ckg:stageCount", "value", '"5"^^xsd:integer', "на 5 технологических переделах"),
    ("ckg:launchedWithin", "value", '"P3Y"^^xsd:duration', "в течении 3 лет"),
    ("ckg:startYear", "value", '"2015"^^xsd:gYear', "В 2015 году"),
    ("ckg:importShare", "minInclusive", '"60"^^xsd:integer', "от 60 до 80 процентов"),
    ("ckg:importShare", "maxInclusive", '"80"^^xsd:integer', "от 60 до 80 процентов"),
    ("dct:issued", "value", '"2009"^^xsd:gYear', "в 2009 году"),
]


def test_every_number_of_the_founding_case_is_found_with_its_quote(biomed_store: ox.Store) -> None:
    article = provenance.fold(ARTICLE.read_text(encoding="utf-8"))
    rows = solutions(biomed_store, "statistics", {})
    assert len(rows) == 9
    for row in rows:
        assert "quoteText" in row, row
        assert provenance.fold(row["quoteText"].value) in article, row["quoteText"].value
    for indicator, field, term, words in FOUNDING_NUMBERS:
        found = [
            r for r in rows if render(r["indicator"]) == indicator and field in r and render(r[field]) == term
        ]
        assert len(found) == 1, (indicator, field, term)
        assert words in provenance.fold(found[0]["quoteText"].value), (indicator, words)
    participants = next(r for r in rows if render(r["indicator"]) == "ckg:participantCount")
    assert render(participants["asOf"]) == '"2018-05"^^xsd:gYearMonth'
    assert "май 2018" in participants["quoteText"].value


@pytest.mark.parametrize("check", ["synthetic-leak-violation", "undefined-term-violation"])
def test_the_synthetic_fixture_passes_the_qc_check(synthetic_store: ox.Store, check: str) -> None:
    text = (ontology.CHECKS_DIR / f"{check}.rq").read_text(encoding="utf-8")
    result = synthetic_store.query(text)
    assert isinstance(result, ox.QuerySolutions)
    assert list(result) == []


def test_every_synthetic_node_is_marked_synthetic(synthetic_store: ox.Store) -> None:
    untagged = """
        SELECT DISTINCT ?node WHERE {
          GRAPH ?g { ?node ?p ?o }
          FILTER(STRSTARTS(STR(?g), "https://w3id.org/clusterkg/synthetic/graph/"))
          FILTER(STRSTARTS(STR(?node), "https://w3id.org/clusterkg/synthetic/"))
          FILTER NOT EXISTS { ?node <https://w3id.org/clusterkg/ontology#synthetic> true }
        }"""
    result = synthetic_store.query(untagged, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    assert list(result) == []
