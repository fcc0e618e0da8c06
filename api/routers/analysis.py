"""Cluster analysis over REST: the cooperation network and the eight management tasks.

``GET /api/clusters/{id}/network``: the network as JSON (:class:`NetworkAnswer`), as GraphML
(``?format=graphml`` or ``Accept: application/graphml+xml``) or as a Gephi CSV table
(``?format=csv&part=nodes|edges``, edges by default; or ``Accept: text/csv``). The ``format``
parameter wins over ``Accept``; anything else gets JSON.
``GET /api/clusters/{id}/tasks``: the eight tasks' findings for the cluster (:class:`TasksAnswer`).

``{id}`` is the cluster's slug as in ``/api/clusters/{id}`` (under the id namespace, else the
synthetic one); an unknown one is a 404 naming it. The work is :mod:`kg.analysis`'s.
"""

from __future__ import annotations

from typing import Annotated, Literal

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request, Response

from api.deps import RuntimeDep, SettingsDep
from api.rest.analysis_models import NetworkAnswer, TasksAnswer
from api.rest.parameters import RejectUnknown
from api.rest.rows import NAMESPACES, SLUG
from api.schema.openapi import ENGINE, error_responses
from kg import rq
from kg.analysis import cooperation_network, edges_csv, nodes_csv, to_graphml, to_json
from kg.analysis.network import Row, Select, text
from kg.analysis.tasks import NOTHING_YET, management_tasks
from kg.engine import binding
from kg.engine.runtime import Runtime
from kg.errors import NotFound
from kg.settings import Settings

router = APIRouter(prefix="/api/clusters", tags=["analysis"], dependencies=[RejectUnknown])

GRAPHML = "application/graphml+xml"
CSV = "text/csv"
NETWORK_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The network: JSON by default, GraphML or a CSV table on request.",
        "content": {GRAPHML: {"schema": {"type": "string"}}, CSV: {"schema": {"type": "string"}}},
    },
    **error_responses(404, 422, *ENGINE),
}
Format = Annotated[
    Literal["json", "graphml", "csv"] | None,
    Query(description="json (default), graphml or csv; it wins over Accept."),
]
Part = Annotated[
    Literal["nodes", "edges"],
    Query(description="With format=csv: the nodes table or the edges table (Gephi's columns)."),
]


def _select(runtime: Runtime, settings: Settings) -> Select:
    async def select(query: str) -> list[Row]:
        return await runtime.client.select(query, timeout_s=settings.query_timeout_s)

    return select


async def _cluster(select: Select, slug: str) -> tuple[str, Row]:
    """The IRI of the cluster the slug names, with its labels; else a 404 naming it."""
    if SLUG.fullmatch(slug):
        for namespace in NAMESPACES:
            term = ox.NamedNode(f"{namespace}cluster/{slug}")
            rows = await select(binding.bind_values(rq.load("network-cluster"), {"cluster": term}))
            if rows:
                return term.value, rows[0]
    raise NotFound(f"no cluster with id {slug!r}")


def _wanted(format: str | None, accept: str) -> str:
    if format is not None:
        return format
    accept = accept.lower()
    if GRAPHML in accept:
        return "graphml"
    if CSV in accept and "application/json" not in accept:
        return "csv"
    return "json"


@router.get(
    "/{id}/network",
    response_model=NetworkAnswer,
    responses=NETWORK_RESPONSES,
    summary="The cooperation network of a cluster",
)
async def get_network(
    id: str,
    request: Request,
    runtime: RuntimeDep,
    settings: SettingsDep,
    format: Format = None,
    part: Part = "edges",
) -> Response | NetworkAnswer:
    """Its members and project partners, the edges between them (joint projects, jointly held IP
    rights, licences, shared technologies, supplier-to-finisher links along stages, services),
    each with its reasons and the graphs that state them, and every node's degree, weighted
    degree, betweenness and community."""
    select = _select(runtime, settings)
    cluster, _ = await _cluster(select, id)
    network = await cooperation_network(select, cluster)
    wanted = _wanted(format, request.headers.get("accept", ""))
    if wanted == "graphml":
        return Response(to_graphml(network), media_type=GRAPHML, headers={"Vary": "Accept"})
    if wanted == "csv":
        body = nodes_csv(network) if part == "nodes" else edges_csv(network)
        return Response(body, media_type=f"{CSV}; charset=utf-8", headers={"Vary": "Accept"})
    return NetworkAnswer.model_validate(to_json(network))


@router.get(
    "/{id}/tasks",
    response_model=TasksAnswer,
    responses=error_responses(404, 422, *ENGINE),
    summary="The eight management tasks for a cluster",
)
async def get_tasks(id: str, runtime: RuntimeDep, settings: SettingsDep) -> TasksAnswer:
    """For each of the article's eight tasks for cluster management companies: its number, IRI,
    labels, the named query that answers it, what it rests on (in words and ontology terms), and
    its findings with the graphs that state them, or a note that the graph holds nothing for it
    yet."""
    select = _select(runtime, settings)
    cluster, row = await _cluster(select, id)
    results = await management_tasks(select, cluster)
    return TasksAnswer.model_validate(
        {
            "cluster": {"iri": cluster, "labels": {"en": text(row, "labelEn"), "ru": text(row, "labelRu")}},
            "tasks": [
                {
                    "notation": r.task.notation,
                    "task": r.task.iri,
                    "labels": {"en": r.label_en, "ru": r.label_ru},
                    "query": r.task.query,
                    "rests_on": {"en": r.task.rests_on_en, "ru": r.task.rests_on_ru},
                    "terms": list(r.task.terms),
                    "findings": [{"values": dict(f.values), "graphs": list(f.graphs)} for f in r.findings],
                    "empty": r.empty,
                    "note": NOTHING_YET if r.empty else None,
                }
                for r in results
            ],
        }
    )
