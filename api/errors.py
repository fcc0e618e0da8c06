"""The one place where errors of the core package become HTTP responses.

Every error body is JSON ``{"error": <kind>, "message": <text>}`` unless the client asked for
plain text; SHACL refusals add the report (``violations``) and, for Turtle clients, the
report graph. Internal errors are logged and answered without their internal message.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.errors import (
    CaseRefused,
    EngineError,
    EngineUnavailable,
    Gone,
    KgError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    ParameterError,
    PolicyRefused,
    QueryError,
    QueryTimeout,
    RemoteError,
    RequestError,
    StoreError,
    TooLarge,
    UnknownQuery,
    Unprocessable,
    UnsupportedMediaType,
    ValidationFailed,
)
from kg.ingest.errors import IngestFileError
from kg.terms import TermError

log = logging.getLogger("clusterkg.api")


STATUSES: tuple[tuple[type[KgError], int], ...] = (
    (ParameterError, 422),
    (TermError, 422),
    (QueryError, 400),
    (UnknownQuery, 404),
    (NotFound, 404),
    (Gone, 410),
    (MethodNotAllowed, 405),
    (NotAcceptable, 406),
    (TooLarge, 413),
    (UnsupportedMediaType, 415),
    (Unprocessable, 422),
    (ValidationFailed, 422),
    (CaseRefused, 422),
    (IngestFileError, 422),
    (RequestError, 400),
    (PolicyRefused, 403),
    (QueryTimeout, 503),
    (EngineUnavailable, 503),
    (EngineError, 502),
    (RemoteError, 502),
    (StoreError, 503),
)
"""Each kind of core error and its HTTP status: the first entry the error is an instance of wins
(subclasses stand before their bases). Anything else is our own fault: 500."""


def status_for(exc: KgError) -> int:
    """The HTTP status of a core error.

    >>> from kg.errors import ResultTooLarge
    >>> status_for(NotFound("no graph")), status_for(ResultTooLarge("rows")), status_for(QueryError("x"))
    (404, 413, 400)
    """
    return next((status for kind, status in STATUSES if isinstance(exc, kind)), 500)


def kind_of(exc: KgError) -> str:
    """A stable, machine-readable name of the error kind (e.g. ``query-timeout``).

    Private subclasses (``_LexError``) are named after their nearest public ancestor.
    """
    name = next(cls.__name__ for cls in type(exc).__mro__ if not cls.__name__.startswith("_"))
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def error_response(request: Request, exc: KgError) -> Response:
    """The response for a core error, negotiated between JSON, Turtle (SHACL) and text."""
    status = status_for(exc)
    accept = request.headers.get("accept", "")
    headers = {"Retry-After": "1"} if isinstance(exc, EngineUnavailable) else None
    if isinstance(exc, ValidationFailed) and "text/turtle" in accept and "json" not in accept:
        return Response(exc.report_turtle, status_code=status, media_type="text/turtle", headers=headers)
    # Our own fault (a kind of error no table entry maps): its text may name server paths.
    message = str(exc) if status != 500 else "the server failed to answer; its log has the details"
    body: dict[str, object] = {"error": kind_of(exc), "message": message}
    if isinstance(exc, ValidationFailed):
        body["violations"] = [v.as_dict() for v in exc.violations]
        body["complete"] = not exc.cut
        body["report_turtle"] = exc.report_turtle
    if isinstance(exc, ParameterError):
        body["parameter"] = exc.parameter
    if isinstance(exc, CaseRefused):
        body["problems"] = [p.as_dict() for p in exc.problems]
    if "text/plain" in accept and "json" not in accept and "html" not in accept:
        return PlainTextResponse(f"{body['error']}: {body['message']}\n", status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers that turn errors into responses."""

    async def on_kg_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, KgError)
        if status_for(exc) >= 500 and not isinstance(exc, QueryTimeout | EngineUnavailable):
            log.error("request failed: %s", str(exc))  # not the error: a record would keep it alive
        return error_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {"parameter": ".".join(str(p) for p in err.get("loc", ())[1:]), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"parameter": "", "message": "invalid request"}
        return JSONResponse(
            {
                "error": "parameter-error",
                "message": f"parameter {first['parameter']!r}: {first['message']}",
                "parameter": first["parameter"],
                "problems": problems,
            },
            status_code=422,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return JSONResponse(
            {"error": f"http-{exc.status_code}", "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    app.add_exception_handler(KgError, on_kg_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
