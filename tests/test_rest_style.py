"""One REST style for ``/api/*``: snake_case JSON keys (a SPARQL variable becomes a key by one
function), and a query parameter a route does not declare refused with a 422 naming it (one
dependency, :mod:`api.rest.parameters`, that any router can adopt)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pyoxigraph as ox
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.testclient import TestClient

import queries
from api import create_app, errors
from api.rest.parameters import RejectUnknown, also_accept
from api.rest.query_models import json_key, json_keys
from kg.errors import QueryError
from kg.settings import Settings

SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
OWNED = re.compile(r"^/api/(queries|clusters|organizations|projects|technologies)(/|$)")

KEYS = [
    ("labelEn", "label_en"),
    ("isGroup", "is_group"),
    ("x", "x"),
    ("subjectLabelRu", "subject_label_ru"),
    ("minOrganisations", "min_organisations"),
    ("regionISOCode", "region_iso_code"),
    ("ISO", "iso"),
    ("label2En", "label2_en"),
    ("already_snake", "already_snake"),
    ("asOf", "as_of"),
]


@pytest.mark.parametrize(("variable", "key"), KEYS)
def test_a_variable_becomes_a_snake_case_key(variable: str, key: str) -> None:
    assert json_key(variable) == key
    assert json_key(key) == key  # idempotent


def test_two_variables_with_one_key_are_refused() -> None:
    with pytest.raises(QueryError, match="both become the JSON key 'label_en'"):
        json_keys(["labelEn", "label_en"])


@pytest.mark.parametrize("query", queries.list_queries(), ids=lambda q: q.name)
def test_no_named_query_has_two_variables_with_one_key(query: queries.NamedQuery) -> None:
    result = ox.Store().query(query.text)
    assert isinstance(result, ox.QuerySolutions)
    keys = json_keys(v.value for v in result.variables)
    assert all(SNAKE.fullmatch(k) for k in keys), keys


def _keys(value: object) -> set[str]:
    """Every key of every object in a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


def test_every_json_key_of_the_rest_routes_is_snake_case(client: TestClient) -> None:
    paths = ["/api/queries", "/api/clusters", "/api/organizations", "/api/projects", "/api/technologies"]
    for query in queries.list_queries():
        example = {p.name: p.example for p in query.params if p.example is not None}
        paths.append(str(client.build_request("GET", f"/api/queries/{query.name}", params=example).url))
    listed = {"clusters": "clusters", "organizations": "organizations", "projects": "projects"}
    listed["technologies"] = "technologies"
    for kind, key in listed.items():
        paths += [row["links"]["self"] for row in client.get(f"/api/{kind}").json()[key]]
    assert len(paths) > 25
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        bad = {k for k in _keys(answer.json()) if not SNAKE.fullmatch(k)}
        assert not bad, (path, bad)


# --- Unknown parameters: one mechanism --------------------------------------------------------------


def _app() -> FastAPI:
    """A small app with a router that adopts the check, a dependency and a declared extra name."""

    def page(size: Annotated[int, Query()] = 10) -> int:
        return size

    routes = APIRouter(dependencies=[RejectUnknown])

    @routes.get("/things")
    async def things(q: str | None = None, size: int = Depends(page)) -> dict[str, Any]:
        return {"q": q, "size": size}

    @routes.get("/raw", dependencies=[also_accept("callback", "debug")])
    async def raw() -> dict[str, str]:
        return {}

    app = FastAPI()
    errors.install(app)
    app.include_router(routes)
    return app


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/things", {"q": "a", "size": "3"}, 200),
        ("/things", {}, 200),
        ("/things", {"q": "a", "sise": "3"}, 422),
        ("/things", {"Q": "a"}, 422),
        ("/raw", {"callback": "f", "debug": "1"}, 200),
        ("/raw", {"callbak": "f"}, 422),
    ],
)
def test_the_check_knows_declared_dependency_and_extra_names(
    path: str, params: dict[str, str], status: int
) -> None:
    with TestClient(_app()) as client:
        answer = client.get(path, params=params)
    assert answer.status_code == status
    if status == 422:
        (unknown,) = [n for n in params if n not in ("q", "size", "callback", "debug")]
        accepted = "q, size" if path == "/things" else "callback, debug"
        assert answer.json() == {
            "error": "parameter-error",
            "message": f"parameter {unknown!r}: unknown parameter; accepted: {accepted}",
            "parameter": unknown,
        }


def test_every_rest_route_adopts_the_check() -> None:
    """Each documented REST route refuses an unknown parameter before it asks anything of the
    engine (the lifespan does not run here, so no engine is there to ask)."""
    app = create_app(Settings())
    owned = [path for path in app.openapi()["paths"] if OWNED.match(path)]
    assert len(owned) >= 20
    client = TestClient(app)
    for path in owned:
        answer = client.get(path.replace("{id}", "biomed"), params={"unknown_name": "1"})
        assert answer.status_code == 422, path
        assert answer.json()["parameter"] == "unknown_name", path
