"""Resources as JSON with stable schemas: clusters, organisations, projects and technologies.

Lists: ``GET /api/clusters``, ``/api/organizations``, ``/api/projects`` and
``/api/technologies``, a page at a time (``limit``, ``offset`` and ``Link`` headers, as
:mod:`api.rest.paging` describes). One resource: ``/api/clusters/{id}``, ``/api/organizations/{id}``,
``/api/projects/{id}`` and ``/api/technologies/{id}``. The answers are the models of
:mod:`api.rest.models` (their schemas are in ``/openapi.json``, with every error status).

``{id}`` is the slug: the last segment of ``https://w3id.org/clusterkg/id/<kind>/<id>`` (an
organisation is looked up under ``organization/`` and then ``group/``), else of the same under
the synthetic namespace ``https://w3id.org/clusterkg/synthetic/id/``. A list holds exactly the
resources of its kind with such an IRI, so every row's ``id`` finds it. A slug that does not
match :data:`api.rest.rows.SLUG`, or names nothing of that kind in the graph, is a 404 JSON error; a query
parameter the route does not declare is a 422 naming it (:mod:`api.rest.parameters`).

The data come from ``kg/rq/api-*.rq``; the resource's IRI is bound as a pyoxigraph
``NamedNode`` in a ``VALUES`` block (:func:`kg.engine.binding.bind_values`), never spliced as
text, and a list's page is cut by the engine (:func:`kg.engine.binding.page`), except the
clusters': their rows carry many-valued links, so they are grouped first and the page is cut
from the groups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from api.deps import RuntimeDep, SettingsDep
from api.rest import rows as shape
from api.rest.models import (
    ClusterDetail,
    ClusterList,
    Membership,
    Organization,
    OrganizationList,
    Project,
    ProjectList,
    RoleMembers,
    Technology,
    TechnologyList,
)
from api.rest.paging import DEFAULT_LIMIT, LINK_HEADER, Limit, Offset, links
from api.rest.parameters import RejectUnknown
from api.schema.openapi import ENGINE, error_responses
from kg import rq
from kg.engine import binding
from kg.engine.runtime import Runtime
from kg.entities import cell_int
from kg.errors import NotFound, QueryError
from kg.settings import Settings

T = TypeVar("T")

router = APIRouter(prefix="/api", tags=["resources"], dependencies=[RejectUnknown])

ONE: dict[int | str, dict[str, Any]] = error_responses(404, 422, *ENGINE)
LIST: dict[int | str, dict[str, Any]] = {200: {"headers": LINK_HEADER}, **error_responses(422, *ENGINE)}

Row = shape.Row


async def _select(runtime: Runtime, settings: Settings, name: str, **terms: ox.NamedNode) -> list[Row]:
    text = binding.bind_values(rq.load(name), terms)
    return await runtime.client.select(text, timeout_s=settings.query_timeout_s)


async def _find(
    runtime: Runtime, settings: Settings, name: str, variable: str, kinds: Sequence[str], slug: str
) -> tuple[ox.NamedNode, list[Row]]:
    """The first IRI the slug stands for that the query finds, with its rows; else a 404."""
    if shape.SLUG.fullmatch(slug):
        for namespace in shape.NAMESPACES:
            for kind in kinds:
                term = ox.NamedNode(f"{namespace}{kind}/{slug}")
                rows = await _select(runtime, settings, name, **{variable: term})
                if rows:
                    return term, rows
    raise NotFound(f"no {kinds[0]} with id {slug!r}")


async def _page(
    runtime: Runtime, settings: Settings, name: str, limit: int, offset: int
) -> tuple[list[Row], bool]:
    """A page of a list query's rows (one per resource), and whether more follow."""
    text = binding.page(rq.load(name), limit + 1, offset)
    if text is None:  # pragma: no cover - the list queries have no LIMIT of their own
        raise QueryError(f"{name}: a list query must leave LIMIT and OFFSET to the caller")
    rows = await runtime.client.select(text, timeout_s=settings.query_timeout_s)
    return rows[:limit], len(rows) > limit


async def _summaries(
    request: Request,
    response: Response,
    runtime: Runtime,
    settings: Settings,
    name: str,
    summarise: Callable[[Row], T | None],
    limit: int,
    offset: int,
) -> list[T]:
    """A page of a list query's rows as summaries, with the ``Link`` header of the page."""
    rows, more = await _page(runtime, settings, name, limit, offset)
    response.headers["Link"] = links(request.url, limit, offset, more)
    return [summary for row in rows if (summary := summarise(row)) is not None]


# --- Lists ---------------------------------------------------------------------------------------


@router.get("/clusters", response_model=ClusterList, responses=LIST, summary="The clusters")
async def list_clusters(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    settings: SettingsDep,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> ClusterList:
    """A page of the clusters, each with its region, type, specialisations and latest participant count."""
    clusters = shape.clusters(await _select(runtime, settings, "api-clusters"))
    page = clusters[offset : offset + limit]
    response.headers["Link"] = links(request.url, limit, offset, len(clusters) > offset + limit)
    return ClusterList(clusters=page, limit=limit, offset=offset)


@router.get(
    "/organizations", response_model=OrganizationList, responses=LIST, summary="The organisations and groups"
)
async def list_organizations(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    settings: SettingsDep,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> OrganizationList:
    """A page of the organisations and groups of organisations, with their kind and group size."""
    found = await _summaries(
        request,
        response,
        runtime,
        settings,
        "api-list-organizations",
        shape.organization_summary,
        limit,
        offset,
    )
    return OrganizationList(organizations=found, limit=limit, offset=offset)


@router.get("/projects", response_model=ProjectList, responses=LIST, summary="The cooperation projects")
async def list_projects(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    settings: SettingsDep,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> ProjectList:
    """A page of the cooperation projects, with their start year."""
    found = await _summaries(
        request, response, runtime, settings, "api-list-projects", shape.project_summary, limit, offset
    )
    return ProjectList(projects=found, limit=limit, offset=offset)


@router.get("/technologies", response_model=TechnologyList, responses=LIST, summary="The technologies")
async def list_technologies(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    settings: SettingsDep,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> TechnologyList:
    """A page of the technologies."""
    found = await _summaries(
        request, response, runtime, settings, "api-list-technologies", shape.technology_summary, limit, offset
    )
    return TechnologyList(technologies=found, limit=limit, offset=offset)


# --- One resource --------------------------------------------------------------------------------


@router.get("/clusters/{id}", response_model=ClusterDetail, responses=ONE, summary="A cluster")
async def get_cluster(id: str, runtime: RuntimeDep, settings: SettingsDep) -> ClusterDetail:
    """A cluster with its participants by role and its cooperation projects."""
    term, rows = await _find(runtime, settings, "api-clusters", "cluster", ("cluster",), id)
    found = shape.clusters(rows)
    members = await _select(runtime, settings, "api-memberships", cluster=term)
    by_role: dict[str, RoleMembers] = {}
    for row in members:
        role, member = shape.ref(row, "role"), shape.member(row, "member")
        if role is not None and member is not None:
            by_role.setdefault(role.iri, RoleMembers(role=role, members=[])).members.append(member)
    projects = await _select(runtime, settings, "api-projects", cluster=term)
    return ClusterDetail(
        **found[0].model_dump(),
        participants_by_role=list(by_role.values()),
        projects=shape.unique(projects, shape.ref, "project"),
    )


@router.get("/organizations/{id}", response_model=Organization, responses=ONE, summary="An organisation")
async def get_organization(id: str, runtime: RuntimeDep, settings: SettingsDep) -> Organization:
    """An organisation or group: its kind, cluster memberships, projects and technologies."""
    term, rows = await _find(
        runtime, settings, "api-organization", "organization", ("organization", "group"), id
    )
    first = rows[0]
    memberships = await _select(runtime, settings, "api-memberships", member=term)
    projects = await _select(runtime, settings, "api-project-participants", participant=term)
    return Organization(
        iri=term.value,
        id=id,
        labels=shape.labels(first, "organization"),
        kind=shape.kind(first),
        group_size=cell_int(first, "groupSize"),
        memberships=[
            Membership(cluster=cluster, role=role)
            for row in memberships
            if (cluster := shape.ref(row, "cluster")) is not None
            and (role := shape.ref(row, "role")) is not None
        ],
        projects=shape.unique(projects, shape.ref, "project"),
        technologies=shape.unique(rows, shape.ref, "technology"),
    )


@router.get("/projects/{id}", response_model=Project, responses=ONE, summary="A cooperation project")
async def get_project(id: str, runtime: RuntimeDep, settings: SettingsDep) -> Project:
    """A project with its stages and their actors, finisher, participants, the participants of its
    research and development, and IP rights."""
    term, rows = await _find(runtime, settings, "api-projects", "project", ("project",), id)
    first = rows[0]
    stages = await _select(runtime, settings, "api-project-stages", project=term)
    participants = await _select(runtime, settings, "api-project-participants", project=term)
    rd = await _select(runtime, settings, "api-project-rd-participants", project=term)
    rights = await _select(runtime, settings, "api-ip-rights", project=term)
    return Project(
        iri=term.value,
        id=id,
        labels=shape.labels(first, "project"),
        clusters=shape.unique(rows, shape.ref, "cluster"),
        initiators=shape.unique(rows, shape.ref, "initiator"),
        start_year=cell_int(first, "startYear"),
        production_launch_year=cell_int(first, "launchYear"),
        production_launch_within=shape.text(first, "launchWithin"),
        through_technologies=shape.unique(rows, shape.ref, "technology"),
        innovation_models=shape.unique(rows, shape.ref, "model"),
        stage_count=next((n for row in stages if (n := cell_int(row, "stageCount")) is not None), None),
        stages=shape.stages(stages),
        finishers=shape.unique(stages, shape.ref, "finisher"),
        participants=shape.unique(participants, shape.member, "participant"),
        rd_participants=shape.unique(rd, shape.member, "participant"),
        rd_initiators=shape.unique(rd, shape.ref, "initiator"),
        ip_rights=shape.ip_rights(rights),
    )


@router.get("/technologies/{id}", response_model=Technology, responses=ONE, summary="A technology")
async def get_technology(id: str, runtime: RuntimeDep, settings: SettingsDep) -> Technology:
    """A technology with its broader technologies, its users and the projects built on it."""
    term, rows = await _find(runtime, settings, "api-technology", "technology", ("technology",), id)
    return Technology(
        iri=term.value,
        id=id,
        labels=shape.labels(rows[0], "technology"),
        broader=shape.unique(rows, shape.ref, "broader"),
        users=shape.unique(rows, shape.member, "user"),
        projects=shape.unique(rows, shape.ref, "project"),
    )
