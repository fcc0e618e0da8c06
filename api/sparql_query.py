"""A SPARQL query request: what it asks (:class:`ProtocolRequest`, its time limit), planned
(:func:`plan_query`: checked against the policy, its format negotiated, its text given the
endpoint's base) and executed (:func:`execute`: sent to the engine, its answer checked to the
end, converted and held to the limits).

The ``/sparql`` route (:mod:`api.routers.sparql`) does both for each request; the express lane
(:mod:`api.express`) keeps the plan of a repeated request and only executes it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.types import Scope

from api.access_log import query_hash
from api.base_iri import engine_position, scope_base, with_base
from api.metrics import Metrics
from api.negotiation import Kind, Negotiated, negotiate
from api.schema.protocols import MIN_TIMEOUT_S
from kg import sparql_text
from kg.engine import results
from kg.engine.client import timed_out
from kg.engine.runtime import Runtime
from kg.errors import KgError, QueryError, QueryTimeout, RequestError, ResultTooLarge
from kg.namespaces import PREFIXES
from kg.settings import Settings

FORMAT_PARAMS = ("format", "output", "results")
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
_inspect_query = functools.lru_cache(maxsize=512)(sparql_text.inspect)
"""Inspection is a pure function of the text, and clients repeat their queries (the UI's tabs,
named queries, dashboards): the last 512 query texts are not lexed again. Callers must not
change the returned inspection."""


def _prefixes(inspection: sparql_text.Inspection) -> dict[str, str]:
    merged = dict(PREFIXES)
    merged.update({k: v for k, v in inspection.prefixes.items() if k})
    return merged


@dataclass
class ProtocolRequest:
    """What a SPARQL Protocol request asks, whatever way it was sent."""

    query: str | None = None
    update: str | None = None
    params: list[tuple[str, str]] = field(default_factory=list)

    def all(self, name: str) -> list[str]:
        """Every value of a parameter, in order."""
        return [v for k, v in self.params if k == name]

    def one(self, name: str) -> str | None:
        """The single value of a parameter, refusing repeats."""
        values = self.all(name)
        if len(values) > 1:
            raise RequestError(f"parameter {name!r} is given {len(values)} times; give it once")
        return values[0] if values else None

    def format_params(self) -> list[str]:
        """The values of the parameters that name a format (``format``, ``output``, ``results``)."""
        return [v for k, v in self.params if k in FORMAT_PARAMS]


def time_limit(proto: ProtocolRequest, settings: Settings) -> float:
    """The request's time limit: its ``timeout`` parameter, capped by the server maximum.

    :raises RequestError: for a value that is not a number of seconds, or is below
        :data:`MIN_TIMEOUT_S` (a limit no query could be held to: a 400, not a 503 timeout).
    """
    raw = proto.one("timeout")
    if raw is None or raw == "":
        return settings.query_timeout_s
    try:
        asked = float(raw)
    except ValueError:
        raise RequestError(f"parameter 'timeout': not a number of seconds: {raw!r}") from None
    if not asked >= MIN_TIMEOUT_S:
        raise RequestError(f"parameter 'timeout': must be at least {MIN_TIMEOUT_S} seconds, got {raw!r}")
    return min(asked, settings.query_timeout_s)


@dataclass(frozen=True)
class QueryPlan:
    """A query request checked and made ready for the engine: what :func:`execute` runs. A
    function of the request's text, parameters and selecting headers (so the express lane,
    :mod:`api.express`, keeps it for the next request with the same ones)."""

    query: str
    text: str
    """The query as sent to the engine (with the endpoint's ``BASE``)."""
    shift: int
    """How many characters were put in front of the client's text."""
    inspection: sparql_text.Inspection
    chosen: Negotiated
    timeout_s: float
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]

    @property
    def kind(self) -> Kind:
        """What the answer is: results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE)."""
        return answer_kind(self.inspection)

    @functools.cached_property
    def query_hash(self) -> str:
        """The hash of the query for the access log (worked out once, when first asked)."""
        return query_hash(self.query)


def answer_kind(inspection: sparql_text.Inspection) -> Kind:
    """What a query's answer is: results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE)."""
    return "results" if inspection.form in ("SELECT", "ASK") else "graph"


def plan_query(
    scope: Scope,
    settings: Settings,
    query: str,
    *,
    accept: str | None,
    default_graphs: Sequence[str],
    named_graphs: Sequence[str],
    format_params: Sequence[str],
    timeout_s: float,
) -> QueryPlan:
    """Check a query against the policy (length, nesting, federation) and negotiate its format.

    :raises KgError: what the request is refused for (a federation refusal is a
        :class:`~kg.errors.FederationRefused`).
    """
    if len(query) > settings.query_length_limit:
        raise RequestError(f"the query is longer than the limit of {settings.query_length_limit} characters")
    inspection = _inspect_query(query, nesting_limit=settings.query_nesting_limit)
    if inspection.kind != "query":
        raise RequestError("this is a SPARQL Update; send it as 'update' with POST")
    sparql_text.enforce_federation(inspection, settings.service_allow)
    chosen = negotiate(answer_kind(inspection), accept, format_params)
    text, shift = with_base(query, scope_base(scope, settings))
    return QueryPlan(
        query,
        text,
        shift,
        inspection,
        chosen,
        timeout_s,
        tuple(default_graphs),
        tuple(named_graphs),
    )


async def execute(
    plan: QueryPlan, runtime: Runtime, settings: Settings, metrics: Metrics
) -> tuple[bytes, float]:
    """Run a planned query: its answer in the negotiated format, complete and within the
    limits, and the seconds that took; or an error (counted in the metrics). The caller counts
    the answer (:func:`count_answer`), once it has sent it if it likes."""
    start = time.perf_counter()
    kind = plan.kind
    try:
        try:
            answer = await runtime.client.query(
                plan.text,
                accept=RESULTS_JSON if kind == "results" else NTRIPLES,
                timeout_s=plan.timeout_s,
                default_graphs=plan.default_graphs,
                named_graphs=plan.named_graphs,
            )
        except QueryError as exc:
            raise engine_position(exc, plan.shift) from exc
        if answer.seconds > plan.timeout_s:
            raise timed_out("query", plan.timeout_s)
        oxigraph = runtime.client.profile.kind == "oxigraph"
        if kind == "results":
            body = results.convert_results(
                answer.body, plan.chosen.format, max_rows=settings.result_limit_rows, engine_writer=oxigraph
            )
        else:
            # N-Triples: one triple a line (line breaks in literals are escaped).
            if answer.body.count(b"\n") > settings.result_limit_rows:
                raise ResultTooLarge(
                    f"the result has more than {settings.result_limit_rows} triples, the server's limit; "
                    "narrow the query or add LIMIT",
                )
            if plan.chosen.format == "ntriples" and oxigraph:
                # Oxigraph writes N-Triples as pyoxigraph would: checked, sent as it came
                body = results.check_graph(answer.body, "ntriples")
            else:
                body = results.convert_graph(
                    answer.body, "ntriples", plan.chosen.format, prefixes=_prefixes(plan.inspection)
                )
        if len(body) > settings.result_limit_bytes:
            raise ResultTooLarge(
                f"the result is larger than the limit of {settings.result_limit_bytes} bytes in "
                f"{plan.chosen.media_type}; narrow the query, add LIMIT or ask for a terser format",
            )
    except QueryTimeout:
        metrics.timeouts.inc()
        metrics.requests.labels(kind="query", outcome="timeout").inc()
        raise
    except KgError:
        metrics.requests.labels(kind="query", outcome="error").inc()
        raise
    return body, time.perf_counter() - start


def count_answer(metrics: Metrics, seconds: float, size: int) -> None:
    """Count an answered query in the metrics."""
    metrics.queries_ok.inc()
    metrics.query_duration.observe(seconds)
    metrics.result_bytes.observe(size)
