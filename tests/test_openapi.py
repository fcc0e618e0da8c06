"""The OpenAPI description of the REST routes (``/api/queries*``, ``/api/clusters*``,
``/api/organizations*``, ``/api/projects*``, ``/api/technologies*``) lists every answer they
give: a bounded, deterministic schemathesis run against the real app and engine finds no server
error, no undocumented status and no undocumented media type, and no body that breaks its schema.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import serve
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import queries
from api.openapi import ERRORS
from kg.settings import Settings

OWNED = r"^/api/(queries|clusters|organizations|projects|technologies)(/|$)"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def served(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over a private copy of the built store, under uvicorn (read-only requests)."""
    store = tmp_path_factory.mktemp("openapi") / "store"
    shutil.copytree(built_store, store)
    with serve(Settings(store=store, query_timeout_s=10)) as base:
        yield base


@pytest.fixture(scope="module")
def spec(served: str) -> dict[str, Any]:
    import httpx

    answer = httpx.get(served + "/openapi.json")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _owned(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    import re

    return {path: item["get"] for path, item in spec["paths"].items() if re.match(OWNED, path)}


# --- What the description says ---------------------------------------------------------------------


def test_every_owned_route_documents_its_errors_with_the_error_body(spec: dict[str, Any]) -> None:
    owned = _owned(spec)
    assert len(owned) >= 20
    for path, operation in owned.items():
        responses = operation["responses"]
        engine = path != "/api/queries"
        expected = {"200", "422"} | ({"400", "413", "502", "503"} if engine else set())
        if path.endswith("{id}"):
            expected.add("404")
        assert set(responses) == expected, path
        for status in expected - {"200"}:
            assert responses[status]["description"] == ERRORS[int(status)]
            content = responses[status]["content"]
            assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
            assert content["text/plain"]["schema"] == {"type": "string"}
    error = spec["components"]["schemas"]["ErrorBody"]
    assert {"error", "message", "parameter", "problems"} <= set(error["properties"])


def test_lists_document_their_pages(spec: dict[str, Any]) -> None:
    owned = _owned(spec)
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


# --- A bounded schemathesis run -------------------------------------------------------------------

# schemathesis' own pytest plugin (``@schema.parametrize()`` on a lazy fixture) reads a private
# attribute of pytest's nodes that pytest 9 no longer has, so each operation's case strategy
# (``APIOperation.as_strategy``) is driven by hypothesis' ``@given`` here instead.
OPERATIONS = [
    "/api/queries",
    *(f"/api/queries/{q.name}" for q in queries.list_queries()),
    *(
        f"/api/{kind}{tail}"
        for kind in ("clusters", "organizations", "projects", "technologies")
        for tail in ("", "/{id}")
    ),
]
# Invalid input can be made for every operation with a constrained parameter (the listing has
# none, and any text is a valid ``{id}``, whose path answers 404 when it names nothing).
RUNS = [(path, GenerationMode.POSITIVE) for path in OPERATIONS] + [
    (path, GenerationMode.NEGATIVE) for path in OPERATIONS if path != "/api/queries" and "{id}" not in path
]


@pytest.fixture(scope="module")
def api_schema(served: str) -> BaseSchema:
    """The app's own description, restricted to the REST routes."""
    config = SchemathesisConfig.from_dict({"seed": 20240601, "generation": {"deterministic": True}})
    return schemathesis.openapi.from_url(served + "/openapi.json", config=config).include(path_regex=OWNED)


def test_the_run_covers_every_owned_operation(spec: dict[str, Any]) -> None:
    assert sorted(OPERATIONS) == sorted(_owned(spec))


@pytest.mark.parametrize(("path", "mode"), RUNS, ids=[f"{p}-{m.value}" for p, m in RUNS])
def test_the_rest_routes_answer_only_what_they_document(
    api_schema: BaseSchema, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=5,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    def answer(case: Case) -> None:
        case.call_and_validate(checks=CHECKS)

    answer()


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
