"""api.lane: the protocol's methods on /sparql are answered past the router, their errors by
the app's own handlers; every other request goes on to the router as before."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response

from api import errors
from api.lane import SparqlLane
from api.routers.sparql import METHODS
from kg.errors import QueryError


async def _answer(request: Request) -> Response:
    """Says who answered, or raises what the query names."""
    raised = request.query_params.get("raise")
    if raised == "query-error":
        raise QueryError("the query is malformed at line 1")
    if raised == "http-408":
        raise HTTPException(408, "the request body did not arrive in time")
    if raised == "bug":
        raise RuntimeError("a bug in the lane's handler")
    return PlainTextResponse(f"lane {request.method}")


def _app() -> FastAPI:
    app = FastAPI()
    errors.install(app)
    app.add_middleware(SparqlLane, answer=_answer, methods=METHODS)

    @app.api_route("/sparql", methods=["GET", "POST", "PUT"])
    async def routed(request: Request) -> Response:
        return PlainTextResponse(f"router {request.method}")

    @app.get("/health")
    async def health() -> Response:
        return PlainTextResponse("router health")

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app(), raise_server_exceptions=False)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_protocols_methods_on_sparql_are_answered_by_the_lane(client: TestClient, method: str) -> None:
    answer = client.request(method, "/sparql")
    assert (answer.status_code, answer.text) == (200, f"lane {method}")


def test_head_is_answered_by_the_lane_without_a_body(client: TestClient) -> None:
    answer = client.head("/sparql")
    assert answer.status_code == 200
    assert answer.headers["content-length"] == str(len("lane HEAD"))
    assert answer.content == b""


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("PUT", "/sparql", (200, "router PUT")),  # not the protocol's (the app's route answers 405)
        ("GET", "/health", (200, "router health")),
        ("GET", "/sparqlx", (404, None)),
    ],
)
def test_other_requests_go_on_to_the_router(
    client: TestClient, method: str, path: str, expected: tuple[int, str | None]
) -> None:
    answer = client.request(method, path, follow_redirects=False)
    assert answer.status_code == expected[0]
    if expected[1] is not None:
        assert answer.text == expected[1]


def test_a_core_error_is_answered_by_the_apps_handler(client: TestClient) -> None:
    answer = client.get("/sparql", params={"raise": "query-error"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "query-error", "message": "the query is malformed at line 1"}


def test_an_http_exception_is_answered_by_the_apps_handler_with_its_status(client: TestClient) -> None:
    answer = client.get("/sparql", params={"raise": "http-408"})
    assert answer.status_code == 408
    assert answer.json() == {"error": "http-408", "message": "the request body did not arrive in time"}


def test_an_error_no_handler_takes_is_a_500_that_names_no_detail(client: TestClient) -> None:
    answer = client.get("/sparql", params={"raise": "bug"})
    assert answer.status_code == 500
    assert "a bug" not in answer.text


def test_below_a_mount_point_the_path_under_it_is_matched() -> None:
    mounted = TestClient(_app(), root_path="/kg")
    assert mounted.get("/kg/sparql").text == "lane GET"
    assert mounted.get("/kg/health").text == "router health"
