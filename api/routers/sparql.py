"""The SPARQL 1.1 Protocol at ``/sparql``: queries (GET, POST form, POST direct) and updates
(POST form, POST direct), with policy (federation allow-list, auth, limits, time limits)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response

from api.access_log import query_hash
from api.base_iri import service_base, with_base
from api.body import read_body
from api.deps import RuntimeDep, check_token, pin
from api.errors import error_response
from api.linked.descriptions import service_description
from api.query_string import parameters
from api.schema import protocols
from api.schema.openapi import error_responses, write_error_responses
from api.schema.protocols import FORM, QUERY_TYPE, UPDATE_TYPE
from api.sparql_query import ProtocolRequest, count_answer, execute, plan_query, time_limit
from api.written import write_headers
from kg import sparql_text
from kg.errors import (
    FederationRefused,
    KgError,
    MethodNotAllowed,
    RequestError,
    UnsupportedMediaType,
)
from kg.settings import Settings

router = APIRouter(tags=["sparql"])

METHODS = ("GET", "HEAD", "POST")
"""The methods of ``/sparql`` (the SPARQL Protocol's), answered by :func:`respond`."""
ALLOW = ", ".join(METHODS)
"""The ``Allow`` header of ``/sparql``'s 405 answers."""


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(f"the {what} is not UTF-8 text: {exc}") from None


async def read_protocol_request(request: Request, settings: Settings) -> ProtocolRequest:
    """Collect query/update and parameters from the URL and, for POST, the body.

    :raises RequestError: 415 for an unsupported content type, 413 for a large body,
        400 for a malformed request.
    """
    params = list(parameters(request.scope["query_string"]))
    if request.method in ("GET", "HEAD"):
        proto = ProtocolRequest(params=params)
        proto.query = proto.one("query")
        if proto.all("update"):
            raise MethodNotAllowed("SPARQL Update must be sent with POST, not GET")
        return proto
    ctype = _content_type(request)
    body = await read_body(request, settings)
    if ctype == FORM:
        text = _decode(body, "form body")
        form = parse_qsl(text, keep_blank_values=True, strict_parsing=False)
        proto = ProtocolRequest(params=params + form)
        proto.query = proto.one("query")
        proto.update = proto.one("update")
        if [k for k, _ in params if k in ("query", "update")]:
            raise RequestError("with a form POST, send 'query' or 'update' in the body, not in the URL")
    elif ctype in (QUERY_TYPE, UPDATE_TYPE):
        what = "query" if ctype == QUERY_TYPE else "update"
        proto = ProtocolRequest(params=params, **{what: _decode(body, what)})
        if proto.all("query") or proto.all("update"):
            raise RequestError(
                f"a direct POST carries the {what} in its body; do not also pass '{what}' in the URL"
            )
    elif not ctype:
        raise UnsupportedMediaType(f"a POST needs a Content-Type: {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}")
    else:
        raise UnsupportedMediaType(
            f"unsupported Content-Type {ctype!r}: use {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}"
        )
    if proto.query is not None and proto.update is not None:
        raise RequestError("send either 'query' or 'update', not both")
    return proto


async def run_query(
    request: Request,
    runtime: RuntimeDep,
    settings: Settings,
    query: str,
    *,
    default_graphs: Sequence[str],
    named_graphs: Sequence[str],
    format_params: Sequence[str],
    timeout_s: float,
) -> Response:
    """Policy-check, run and negotiate one query; the answer is complete or an error."""
    metrics = request.app.state.metrics
    if len(query) <= settings.query_length_limit:
        request.state.query_hash = query_hash(query)
        request.state.query_kind = "query"
    try:
        plan = plan_query(
            request.scope,
            settings,
            query,
            accept=request.headers.get("accept"),
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            format_params=format_params,
            timeout_s=timeout_s,
        )
    except FederationRefused:
        metrics.refusals.labels(reason="federation").inc()
        raise
    body, seconds = await execute(plan, runtime, settings, metrics)
    count_answer(metrics, seconds, len(body))
    return Response(body, media_type=plan.chosen.content_type, headers={"Vary": "Accept"})


async def run_update(
    request: Request,
    runtime: RuntimeDep,
    settings: Settings,
    update: str,
    *,
    using_graphs: Sequence[str],
    using_named_graphs: Sequence[str],
    timeout_s: float,
) -> Response:
    """Authenticate, policy-check, validate and commit one update."""
    from kg.write import pipeline

    metrics = request.app.state.metrics
    check_token(request, settings)
    if len(update) > settings.query_length_limit:
        raise RequestError(f"the update is longer than the limit of {settings.query_length_limit} characters")
    request.state.query_hash = query_hash(update)
    request.state.query_kind = "update"
    inspection = sparql_text.inspect(update, nesting_limit=settings.query_nesting_limit)
    if inspection.kind != "update":
        raise RequestError("this is a query; send it as 'query'")
    try:
        sparql_text.enforce_federation(inspection, settings.service_allow)
    except KgError:
        metrics.refusals.labels(reason="federation").inc()
        raise
    start = time.perf_counter()
    try:
        outcome = await pipeline.apply_update(
            runtime,
            with_base(update, service_base(request, settings))[0],
            using_graphs=using_graphs,
            using_named_graphs=using_named_graphs,
            timeout_s=timeout_s,
        )
    except KgError:
        metrics.requests.labels(kind="update", outcome="refused").inc()
        raise
    metrics.requests.labels(kind="update", outcome="ok").inc()
    metrics.duration.labels(kind="update").observe(time.perf_counter() - start)
    return Response(status_code=204, headers=write_headers(outcome, runtime.versions, inferred=False))


async def _dispatch(request: Request, runtime: RuntimeDep, settings: Settings) -> Response:
    proto = await read_protocol_request(request, settings)
    format_params = proto.format_params()
    timeout_s = time_limit(proto, settings)
    version = proto.one("version")
    if version is not None:  # a query as of a dataset version (in the URL or a form body)
        runtime = await pin(request, runtime, version, writing=proto.update is not None)
    if proto.update is not None:
        return await run_update(
            request,
            runtime,
            settings,
            proto.update,
            using_graphs=proto.all("using-graph-uri"),
            using_named_graphs=proto.all("using-named-graph-uri"),
            timeout_s=timeout_s,
        )
    if proto.query is None:
        if request.method in ("GET", "HEAD"):
            return await service_description(request, runtime, settings, format_params)
        raise RequestError("the request has neither 'query' nor 'update'")
    return await run_query(
        request,
        runtime,
        settings,
        proto.query,
        default_graphs=proto.all("default-graph-uri"),
        named_graphs=proto.all("named-graph-uri"),
        format_params=format_params,
        timeout_s=timeout_s,
    )


def _not_allowed(request: Request, exc: RequestError) -> Response:
    """A 405 answer, with the ``Allow`` header HTTP requires of it."""
    response = error_response(request, exc)
    response.headers["Allow"] = ALLOW
    return response


async def respond(request: Request) -> Response:
    """Answer with the app's runtime and settings (no dependencies to solve per request)."""
    try:
        return await _dispatch(request, request.app.state.runtime, request.app.state.settings)
    except MethodNotAllowed as exc:
        return _not_allowed(request, exc)


@router.get(
    "/sparql",
    summary="SPARQL query (GET), or the service description without a query",
    response_class=Response,
    responses={**protocols.ANSWERS, **error_responses(400, 403, 405, 406, 413, 502, 503)},
    openapi_extra={"parameters": protocols.GET_PARAMETERS},
)
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 Protocol query via GET; without ``query`` the Service Description."""
    return await respond(request)


@router.head("/sparql", include_in_schema=False)
async def sparql_head(request: Request) -> Response:
    """The headers a GET would send."""
    return await respond(request)


@router.post(
    "/sparql",
    summary="SPARQL query or update (POST form or direct)",
    response_class=Response,
    responses={
        **protocols.ANSWERS,
        **protocols.UPDATED,
        **write_error_responses(400, 403, 406, 413, 415, 422, 502, 503),
    },
    openapi_extra={"parameters": protocols.POST_PARAMETERS, "requestBody": protocols.POST_BODY},
)
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol query or update via POST (form-encoded or direct); an update needs the
    update token (``Authorization: Bearer ...``)."""
    return await respond(request)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    """Other methods are not part of the protocol."""
    return _not_allowed(
        request, MethodNotAllowed(f"{request.method} is not allowed on /sparql; use GET or POST")
    )
