"""The error answers in OpenAPI: one table of the error statuses, with the error body model.

:mod:`api.errors` answers every error with the JSON :class:`ErrorBody` (or its first line as
``text/plain`` when the client asks for plain text). A route documents the errors it can give
with ``responses=error_responses(404, *ENGINE)``, so a schema-driven client meets no status
and no media type the description does not list.

>>> sorted(error_responses(422))
[422]
>>> error_responses(422)[422]["model"].__name__
'ErrorBody'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """One parameter that does not fit, in a request FastAPI could not read."""

    parameter: str = Field(description="The parameter's name.", examples=["limit"])
    message: str = Field(description="What is wrong with it.")


class ErrorBody(BaseModel):
    """An error answer."""

    error: str = Field(
        description="The kind of error: `http-404`, `parameter-error`, `request-error`, `query-timeout`...",
        examples=["parameter-error"],
    )
    message: str = Field(
        description="What went wrong.",
        examples=["parameter 'foo': unknown parameter; accepted: limit, offset"],
    )
    parameter: str | None = Field(
        None, description="The parameter at fault (422 answers about a parameter).", examples=["foo"]
    )
    problems: list[Problem] | None = Field(
        None, description="Every parameter that does not fit (a request FastAPI could not read)."
    )


ERRORS: dict[int, str] = {
    400: "The request is malformed, or the engine refused the query.",
    404: "No such resource.",
    406: "None of the media types the client accepts can be given.",
    413: "The answer is over the configured size limit; narrow the request.",
    422: "A parameter is unknown, missing or does not fit its type; `parameter` names it.",
    502: "The SPARQL engine failed.",
    503: "The engine is unavailable (retry after `Retry-After` seconds) or the query timed out.",
}
"""Every error status a route may document, with what it means."""

ENGINE = (400, 413, 502, 503)
"""The errors of any route that asks the SPARQL engine."""

_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of these error statuses: :class:`ErrorBody` as JSON, or plain text.

    :raises KeyError: for a status that is not in :data:`ERRORS`.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        responses[status] = {
            "model": ErrorBody,
            "description": ERRORS[status],
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
        if status == 503:
            responses[status]["headers"] = _RETRY_AFTER
    return responses
