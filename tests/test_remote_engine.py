"""Remote mode: the app in front of a separate SPARQL 1.1 Protocol server (``CLUSTERKG_ENGINE_URL``).

A separate ``oxigraph serve`` process over a copy of the built store stands for a remote
store (Fuseki, GraphDB... would do the same), started as its administrator would:
``--location <store> --bind 127.0.0.1:<port> --union-default-graph``. The app does not manage
it. The endpoint checks of ``test_sparql_protocol`` are collected again here against it, with
the competency question of the statistics (every number of the founding case with its quote),
the policy that still applies (federation, tokens, limits), and what remote mode cannot do:
stop a query on the remote server (its own timeout must) or restart it.
"""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from engines import plain_oxigraph
from test_competency import EXPECTATIONS, expected_term, render

# The endpoint checks of the managed mode, collected again here against the remote engine
# (they use the `served` fixture, which this module defines).
from test_sparql_protocol import (  # noqa: F401
    ASK,
    test_a_malformed_query_is_400_naming_the_problem_and_its_place,
    test_a_query_sent_as_update_and_the_reverse_are_400,
    test_a_wrong_content_type_is_415,
    test_an_unsatisfiable_accept_is_406_listing_what_is_served,
    test_ask_in_every_results_format,
    test_default_graph_uri_selects_the_default_graph,
    test_format_parameters_never_fail_the_request,
    test_get_without_a_query_is_the_service_description,
    test_graph_answers_in_every_rdf_format,
    test_named_graph_uri_selects_the_named_graphs,
    test_other_methods_are_405_with_allow,
    test_query_by_get_form_post_and_direct_post_give_the_same_answer,
    test_relative_iris_resolve_against_the_endpoint_not_the_engine,
    test_results_negotiation_by_accept,
    test_select_in_every_results_format,
    test_the_default_dataset_is_the_union_of_all_graphs,
    test_update_by_get_is_405_with_allow,
    test_update_without_the_token_is_refused,
    test_void_has_class_and_property_partitions_with_counts,
)

import queries
from api import create_app
from kg.engine.process import free_port
from kg.settings import Settings

with warnings.catch_warnings():
    # starlette warns on import that it wants httpx2; pytest turns warnings into errors.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from conftest import TOKEN

STARTUP_S = 60.0  # a bound on waiting for the server to listen


@pytest.fixture(scope="module")
def remote_engine(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A separate ``oxigraph serve`` over a copy of the built store; its query endpoint."""
    store = tmp_path_factory.mktemp("remote") / "store"
    shutil.copytree(built_store, store)
    with plain_oxigraph(store, STARTUP_S) as url:
        yield f"{url}/query"


@pytest.fixture(scope="module")
def served(remote_engine: str) -> Iterator[TestClient]:
    """The app in remote mode (writes on, so that update refusals reach the policy)."""
    settings = Settings(engine_url=remote_engine, update_token=TOKEN, query_timeout_s=10)
    with TestClient(create_app(settings)) as client:
        yield client


def test_health_says_the_engine_is_remote(served: TestClient) -> None:
    health = served.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "engine": "remote", "engine_pid": None, "engine_restarts": 0}
    assert served.app.state.runtime.engine is None  # type: ignore[attr-defined]


# --- The competency question of the statistics, over HTTP -----------------------------------------


def _over_http(client: TestClient, name: str, params: dict[str, str]) -> list[dict[str, str]]:
    """Run a named query through /sparql; parameters bound by a trailing VALUES clause."""
    query = queries.get(name)
    text = query.text
    bound = queries.bind(query, params) if params else {}
    if bound:
        names = " ".join(f"?{v.value}" for v in bound)
        terms = " ".join(str(t) for t in bound.values())
        text += f"\nVALUES ({names}) {{ ({terms}) }}"
    response = client.post(
        "/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 200, response.text
    parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [{n: render(s[n]) for n in names if s[n] is not None} for s in parsed]  # type: ignore[arg-type]


def _key(row: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(row.items()))


STATISTICS = [case for case in EXPECTATIONS["statistics"]["cases"] if case["data"] == "biomed"]


@pytest.mark.parametrize("case", STATISTICS, ids=[c["name"] for c in STATISTICS])
def test_the_statistics_competency_question_in_remote_mode(served: TestClient, case: dict[str, Any]) -> None:
    params = {k: str(v) for k, v in (case.get("params") or {}).items()}
    got = _over_http(served, "statistics", params)
    expected = [{k: expected_term(v) for k, v in row.items()} for row in case["rows"] or []]
    assert sorted(got, key=_key) == sorted(expected, key=_key)
    if not params:
        assert len(got) == 9  # every number of the founding case


# --- Policy still applies; what remote mode cannot do ---------------------------------------------


def test_federation_is_refused_in_remote_mode(served: TestClient) -> None:
    response = served.get("/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> {} }"})
    assert response.status_code == 403
    assert response.json()["error"] == "federation-refused"


def test_a_timeout_is_a_503_and_the_remote_engine_is_left_running(served: TestClient) -> None:
    # About 37 million solutions to count: a few seconds of the remote server's time.
    query = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f VALUES ?k { 1 2 3 4 5 6 7 8 } }"
    started = time.monotonic()
    response = served.get("/sparql", params={"query": query, "timeout": "0.5"})
    assert response.status_code == 503
    assert response.json()["error"] == "query-timeout"
    assert time.monotonic() - started < 0.5 + 2.0  # answered at the limit, not when the server is done
    # Nothing restarts a remote engine: the answer was all the app could do. It serves on.
    assert served.get("/sparql", params={"query": ASK}).json()["boolean"] is True
    assert served.get("/health").json()["engine_restarts"] == 0


def test_an_unreachable_remote_engine_is_a_503(tmp_path: Path) -> None:
    settings = Settings(engine_url=f"http://127.0.0.1:{free_port()}/query")
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        response = client.get("/sparql", params={"query": "ASK {}"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"] == "engine-unavailable"


# --- Engine profiles: detection -------------------------------------------------------------------


def test_the_engine_kind_is_detected(remote_engine: str, request: pytest.FixtureRequest) -> None:
    with TestClient(create_app(Settings(engine_url=remote_engine))) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.engine_kind == "oxigraph"
        assert runtime.client.query_methods == ["direct", "form", "get"]
    from engines import PASSWORD

    virtuoso = request.getfixturevalue("virtuoso")
    virtuoso.reset()
    settings = Settings(engine_url=virtuoso.url, engine_user="dba", engine_password=PASSWORD)  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.engine_kind == "virtuoso"
        # The direct POST that Virtuoso never answers is not among the ways used.
        assert runtime.client.query_methods == ["form", "get"]
        assert runtime.client.endpoints.update.endswith("/sparql-auth")
        # Its own graphs are private: the default graph is the built store's quads only.
        count = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"})
        virtuoso_count = count.json()["results"]["bindings"][0]["n"]["value"]
        assert (
            "virtrdf"
            not in client.get(
                "/sparql", params={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"}
            ).text
        )
    with TestClient(create_app(Settings(engine_url=remote_engine))) as client:
        oxigraph_count = client.get(
            "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}
        )
        assert oxigraph_count.json()["results"]["bindings"][0]["n"]["value"] == virtuoso_count


# --- Virtuoso: the rewrites of query text (kg/engine/rewrites.py) ----------------------------------


def test_rewrites_change_syntax_not_literals_through_virtuoso(request: pytest.FixtureRequest) -> None:
    """The words of a rewritten construct inside a literal and a comment come back as written,
    while the same construct as syntax is rewritten (an empty graph pattern: Virtuoso 7.2.5
    would answer ``GRAPH <nowhere> { }`` true and ``GRAPH ?g { }`` with no graph)."""
    from conftest import virtuoso_settings

    settings = virtuoso_settings(request.getfixturevalue("virtuoso"), Path("no-store"))
    literal = 'GRAPH ?g { } FILTER EXISTS { VALUES ?v { <urn:a> } } "x"@en'
    query = (
        "SELECT ?text ?g ?tag { # GRAPH <urn:nowhere> { }\n"
        f"  BIND('''{literal}''' AS ?text) GRAPH ?g {{ }}"
        "  VALUES ?tag { 'GRAPH ?g { }'@en } } ORDER BY ?g LIMIT 1"
    )
    with TestClient(create_app(settings)) as client:
        answer = client.get(
            "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
        )
        assert answer.status_code == 200, answer.text
        rows = answer.json()["results"]["bindings"]
        assert len(rows) == 1  # a graph was found: the empty graph pattern was rewritten
        assert rows[0]["text"]["value"] == literal
        assert rows[0]["tag"] == {"type": "literal", "value": "GRAPH ?g { }", "xml:lang": "en"}
        assert rows[0]["g"]["value"].startswith("https://w3id.org/clusterkg/")
        nowhere = client.get("/sparql", params={"query": "ASK { GRAPH <urn:nowhere> { } }"})
        assert nowhere.json()["boolean"] is False


# --- the commit gate of engines without snapshot reads (kg/engine/gate.py) ------------------------


def test_a_dump_from_an_engine_without_snapshot_reads_waits_for_a_write(
    remote_engine: str, tmp_path: Path
) -> None:
    """A ``generic`` engine is not known to read a snapshot: a dump (one state of the whole
    dataset) waits while a write is sent, and is read once it is through."""
    import asyncio

    from kg.engine.client import EngineClient
    from kg.engine.profiles import PROFILES, Endpoints

    base = remote_engine.removesuffix("/query")
    target = tmp_path / "dump.nq"

    async def run() -> tuple[bool, bool]:
        client = EngineClient(lambda: Endpoints.oxigraph(base), profile=PROFILES["generic"])
        try:
            gate = client.gate
            assert gate is not None
            async with gate.hold(exclusive=True, timeout_s=5):
                dump = asyncio.ensure_future(client.dump_dataset(target, timeout_s=10))
                await asyncio.sleep(0.3)
                held_back = not dump.done() and not target.exists()
            await asyncio.wait_for(dump, 10)
            return held_back, dump.exception() is None
        finally:
            await client.aclose()

    assert asyncio.run(run()) == (True, True)
    assert len(ox.Dataset(ox.parse(target.read_bytes(), ox.RdfFormat.N_QUADS))) > 1000
    assert EngineClient(lambda: Endpoints.oxigraph(base), profile=PROFILES["oxigraph"]).gate is None
