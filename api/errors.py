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
    FederationRefused,
    KgError,
    ParameterError,
    PolicyRefused,
    QueryError,
    QueryTimeout,
    RequestError,
    ResultTooLarge,
    StoreError,
    UnknownQuery,
    ValidationFailed,
    WriteForbidden,
)

log = logging.getLogger("clusterkg.api")


def status_for(exc: KgError) -> int:
    """The HTTP status of a core error."""
    if isinstance(exc, RequestError):
        return exc.status
    if isinstance(exc, ParameterError):
        return 422
    if isinstance(exc, QueryError):
        return 400
    if isinstance(exc, UnknownQuery):
        return 404
    if isinstance(exc, ValidationFailed | CaseRefused):
        return 422
    if isinstance(exc, WriteForbidden):
        return 403
    if isinstance(exc, FederationRefused | PolicyRefused):
        return 403
    if isinstance(exc, QueryTimeout | EngineUnavailable):
        return 503
    if isinstance(exc, ResultTooLarge):
        return 413
    if isinstance(exc, EngineError):
        return 502
    if isinstance(exc, StoreError):
        return 503
    return 500


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
    body: dict[str, object] = {"error": kind_of(exc), "message": str(exc)}
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
                "error": "request-error",
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
