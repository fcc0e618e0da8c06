"""Named queries over HTTP: ``GET /api/queries`` lists them, ``GET /api/queries/{name}`` runs one.

Each ``queries/*.rq`` file gets its own route, built by :func:`router` when the app is
created, with the header's parameters as typed query parameters (OpenAPI shows their type,
whether required, default, example and description). Values are turned into RDF terms by
:func:`queries.bind` (a bad value is a 422 naming the parameter) and bound by a ``VALUES``
block (:mod:`kg.engine.binding`), never spliced as text. A parameter with ``enum_from`` must be an
instance of that class in the graph, checked per request (the graph changes with writes, so
OpenAPI documents the class rather than a list of values).

An ``iri`` parameter takes an absolute IRI or a CURIE with a published prefix
(``role=ckg:anchorFinisherRole``); a parameter the query does not declare is a 422 naming it
(:mod:`api.rest.parameters`), as is a value that does not fit its type.

Answers: JSON by default (rows as plain objects, :mod:`api.rest.query_models`), whose keys are the SPARQL
variables in snake_case (:func:`api.rest.query_models.json_key`: ``labelEn`` -> ``label_en``); CSV or
SPARQL Results JSON with ``format=csv|sparql-json`` or ``Accept``, which keep the variable names
as those formats define them. Pages (:mod:`api.rest.paging`): ``limit`` (default 100, at most 1000)
and ``offset``; ``Link`` headers ``rel="next"``/``"prev"``/``"first"`` repeat the other parameters.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

import queries
from api.deps import RuntimeDep, SettingsDep
from api.negotiation import parse_accept
from api.rest.paging import DEFAULT_LIMIT, LINK_HEADER, Limit, Offset, links
from api.rest.parameters import RejectUnknown
from api.rest.query_models import ParamInfo, QueryAnswer, QueryInfo, QueryList, json_keys, plain_value
from api.schema.openapi import ENGINE, error_responses
from kg import rq, terms
from kg.engine import binding
from kg.engine.runtime import Runtime
from kg.errors import EngineError, ParameterError
from kg.settings import Settings

PREFIX = "/api/queries"
RESULTS_JSON = "application/sparql-results+json"
FORMATS = {"json": "application/json", "csv": "text/csv", "sparql-json": RESULTS_JSON}
_CONTROL = ("limit", "offset", "format")
_SCHEMA: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "iri"},
    "string": {"type": "string"},
    "langstring": {"type": "string", "pattern": f"^.*@{terms.LANGUAGE_TAG_PATTERN}$"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "year": {"type": "string", "pattern": f"^{terms.G_YEAR_PATTERN}$"},
    "date": {"type": "string", "format": "date"},
    "duration": {"type": "string", "pattern": f"^{terms.DURATION_PATTERN}$"},
    "boolean": {"type": "boolean"},
}
_HINTS = {
    "iri": " An absolute IRI, or a CURIE with a published prefix (ckg:, skos:, ...).",
    "langstring": " Text@tag, with a BCP 47 language tag (МедИнж@ru).",
    "year": " An xsd:gYear (2015, -0044).",
}
KEYS = (
    "JSON rows have a key per bound SPARQL variable: the variable's camelCase words in snake_case"
    " (`labelEn` becomes `label_en`, `isGroup` `is_group`, `x` stays `x`); CSV and SPARQL Results"
    " JSON keep the variable names."
)
"""How a SPARQL variable becomes a JSON key, as OpenAPI tells it."""

Rows = list[dict[str, terms.Term]]


def _info(query: queries.NamedQuery, base: str) -> QueryInfo:
    return QueryInfo(
        name=query.name,
        summary=query.summary,
        question=query.question,
        description=query.description,
        parameters=[
            ParamInfo(
                name=p.name,
                type=p.type,
                required=p.required,
                default=p.default,
                description=p.description,
                example=p.example,
                enum=list(p.enum),
                enum_from=p.enum_from,
            )
            for p in query.params
        ],
        links={"self": f"{base}{PREFIX}/{query.name}"},
    )


def _choose_format(format_param: str | None, accept: str | None) -> str:
    """``json``, ``csv`` or ``sparql-json``: the ``format`` parameter, else the first Accept type
    we know that is not refused (``q=0``), in the client's order (read by
    :func:`api.negotiation.parse_accept`, the one reader of Accept headers)."""
    if format_param:
        if format_param not in FORMATS:
            raise ParameterError("format", f"must be one of {', '.join(FORMATS)}; got {format_param!r}")
        return format_param
    for media_range in parse_accept(accept or ""):
        if media_range.q == 0:
            continue
        media = f"{media_range.type}/{media_range.subtype}"
        for name, media_type in FORMATS.items():
            if media == media_type:
                return name
    return "json"


async def _check_enum(
    runtime: Runtime, settings: Settings, param: queries.Param, term: ox.NamedNode | ox.Literal
) -> None:
    """Refuse a value of an ``enum_from`` parameter that is no instance of the class in the graph."""
    if param.enum_from is None:
        return
    cls = terms.iri(param.enum_from)
    text = binding.bind_values(rq.load("enum-member"), {"value": term, "class": cls})
    answer = await runtime.client.query(text, accept=RESULTS_JSON, timeout_s=settings.query_timeout_s)
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    if not isinstance(parsed, ox.QueryBoolean):
        raise EngineError("the engine did not answer an ASK with a boolean")
    if not bool(parsed):
        raise ParameterError(param.name, f"must be an instance of {param.enum_from} in the graph; got {term}")


async def run(
    runtime: Runtime,
    settings: Settings,
    query: queries.NamedQuery,
    values: dict[str, str],
    limit: int,
    offset: int,
) -> tuple[list[str], Rows, bool]:
    """Bind, page and run a named query: its variables, the page's rows, and whether more follow."""
    terms = queries.bind(query, values)
    for variable, term in terms.items():
        param = query.param(variable.value)
        if param.enum_from is not None and isinstance(term, ox.NamedNode | ox.Literal):
            await _check_enum(runtime, settings, param, term)
    paged = binding.page(query.text, limit + 1, offset)
    text = binding.bind_values(
        paged or query.text,
        {v.value: t for v, t in terms.items() if isinstance(t, ox.NamedNode | ox.Literal)},
    )
    timeout_s = settings.query_timeout_s
    answer = await runtime.client.query(text, accept=RESULTS_JSON, timeout_s=timeout_s)
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    if not isinstance(parsed, ox.QuerySolutions):
        raise EngineError(f"the named query {query.name!r} is not a SELECT query")
    variables = [v.value for v in parsed.variables]
    rows: Rows = [{n: s[n] for n in variables if s[n] is not None} for s in parsed]
    if paged is None:
        rows = rows[offset : offset + limit + 1]
    return variables, rows[:limit], len(rows) > limit


def sparql_json(variables: list[str], rows: Rows) -> bytes:
    """The rows as SPARQL 1.1 Query Results JSON."""
    bindings = []
    for row in rows:
        out: dict[str, dict[str, str]] = {}
        for name, term in row.items():
            if isinstance(term, ox.NamedNode):
                out[name] = {"type": "uri", "value": term.value}
            elif isinstance(term, ox.BlankNode):
                out[name] = {"type": "bnode", "value": term.value}
            elif isinstance(term, ox.Literal):
                out[name] = {"type": "literal", "value": term.value}
                if term.language:
                    out[name]["xml:lang"] = term.language
                elif term.datatype.value != queries.XSD + "string":
                    out[name]["datatype"] = term.datatype.value
            else:
                out[name] = {"type": "literal", "value": str(term)}
        bindings.append(out)
    body = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(body, ensure_ascii=False).encode()


def csv_text(variables: list[str], rows: Rows) -> bytes:
    """The rows as SPARQL 1.1 Query Results CSV (lexical forms, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        cells = []
        for name in variables:
            term = row.get(name)
            if term is None:
                cells.append("")
            elif isinstance(term, ox.BlankNode):
                cells.append(f"_:{term.value}")
            elif isinstance(term, ox.NamedNode | ox.Literal):
                cells.append(term.value)
            else:
                cells.append(str(term))
        writer.writerow(cells)
    return buffer.getvalue().encode()


def _typed(kind: str, raw: str) -> Any:
    """An example or default as the JSON type OpenAPI shows (integers, numbers, booleans)."""
    try:
        if kind == "integer":
            return int(raw)
        if kind == "decimal":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean":
        return raw == "true"
    return raw


def _schema(param: queries.Param, description: str, example: Any) -> Callable[[dict[str, Any]], None]:
    """The parameter's JSON Schema as declared (its type, not the ``str`` it is read as)."""
    declared = dict(_SCHEMA[param.type], description=description)
    if param.enum:
        declared["enum"] = list(param.enum)
    if example is not None:
        declared["examples"] = [example]

    def replace(schema: dict[str, Any]) -> None:
        schema.clear()
        schema.update(declared)

    return replace


Endpoint = Callable[..., Awaitable[Response]]


def _endpoint(query: queries.NamedQuery) -> Endpoint:
    """A handler for one named query, with a signature FastAPI reads the parameters from."""
    for param in query.params:
        if param.name in _CONTROL:
            raise ParameterError(param.name, f"query {query.name!r}: the name is reserved")

    async def endpoint(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        limit: int = kwargs["limit"]
        offset: int = kwargs["offset"]
        # A value from the URL is a string; anything else is the declared default (typed for
        # OpenAPI), which queries.bind fills in itself.
        given = {p.name: kwargs[f"p_{p.name}"] for p in query.params}
        values = {name: raw for name, raw in given.items() if isinstance(raw, str)}
        chosen = _choose_format(kwargs["format"], request.headers.get("accept"))
        variables, rows, more = await run(kwargs["runtime"], kwargs["settings"], query, values, limit, offset)
        headers = {"Vary": "Accept", "Link": links(request.url, limit, offset, more)}
        if chosen == "csv":
            return Response(csv_text(variables, rows), media_type="text/csv; charset=utf-8", headers=headers)
        if chosen == "sparql-json":
            return Response(sparql_json(variables, rows), media_type=RESULTS_JSON, headers=headers)
        keys = dict(zip(variables, json_keys(variables), strict=True))
        body = {
            "query": query.name,
            "variables": list(keys.values()),
            "limit": limit,
            "offset": offset,
            "rows": [{keys[k]: plain_value(v) for k, v in row.items()} for row in rows],
        }
        return JSONResponse(body, headers=headers)

    keyword = inspect.Parameter.KEYWORD_ONLY
    signature = [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("runtime", keyword, annotation=RuntimeDep),
        inspect.Parameter("settings", keyword, annotation=SettingsDep),
    ]
    for param in query.params:
        description = param.description + _HINTS.get(param.type, "")
        if param.enum_from:
            description += f" Must be an instance of {param.enum_from} in the graph."
        example = None if param.example is None else _typed(param.type, param.example)
        info = Query(
            alias=param.name,
            description=description.strip(),
            openapi_examples={"example": {"value": example}} if example is not None else None,
            json_schema_extra=_schema(param, description.strip(), example),
        )
        annotation = Annotated[str, info] if param.required else Annotated[str | None, info]
        default: Any = None
        if param.required:
            default = inspect.Parameter.empty
        elif param.default is not None:
            default = _typed(param.type, param.default)
        signature.append(
            inspect.Parameter(f"p_{param.name}", keyword, annotation=annotation, default=default)
        )
    signature += [
        inspect.Parameter("limit", keyword, annotation=Limit, default=DEFAULT_LIMIT),
        inspect.Parameter("offset", keyword, annotation=Offset, default=0),
        inspect.Parameter(
            "format",
            keyword,
            annotation=Annotated[
                str | None,
                Query(
                    description="json (default), csv or sparql-json; else from Accept.",
                    json_schema_extra={"enum": list(FORMATS)},
                ),
            ],
            default=None,
        ),
    ]
    endpoint.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    endpoint.__name__ = f"query_{query.name.replace('-', '_')}"
    return endpoint


def router(folder: Path = queries.HERE) -> APIRouter:
    """The routes of the named queries in the folder (one per ``.rq`` file) and their listing."""
    routes = APIRouter(prefix=PREFIX, tags=["queries"], dependencies=[RejectUnknown])
    named = queries.list_queries(folder)

    @routes.get(
        "", summary="List the named queries", response_model=QueryList, responses=error_responses(422)
    )
    async def list_named(request: Request) -> QueryList:
        """Every named query with its summary, question, parameters and links."""
        base = str(request.base_url).rstrip("/")
        return QueryList(queries=[_info(q, base) for q in named])

    for query in named:
        routes.add_api_route(
            f"/{query.name}",
            _endpoint(query),
            methods=["GET"],
            summary=query.summary,
            description="\n\n".join(t for t in (query.question, query.description, KEYS) if t),
            response_class=Response,
            responses={
                200: {
                    "model": QueryAnswer,
                    "description": "The rows (JSON by default; CSV or SPARQL Results JSON on request).",
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        RESULTS_JSON: {"schema": {"type": "object"}},
                    },
                    "headers": LINK_HEADER,
                },
                **error_responses(422, *ENGINE),
            },
        )
    return routes
