"""Resources as JSON with stable schemas: clusters, organisations, projects and technologies.

``GET /api/clusters``, ``/api/clusters/{id}``, ``/api/organizations/{id}``,
``/api/projects/{id}`` and ``/api/technologies/{id}``, answered with the models of
:mod:`api.rest_models` (their schemas are in ``/openapi.json``). ``{id}`` is the slug: the
last segment of ``https://w3id.org/clusterkg/id/<kind>/<id>`` (an organisation is looked up
under ``organization/`` and then ``group/``). A slug that does not match :data:`SLUG`, or names
nothing of that kind in the graph, is a 404 JSON error.

The data come from ``kg/rq/api-*.rq``; the resource's IRI is bound as a pyoxigraph
``NamedNode`` in a ``VALUES`` block (:func:`kg.engine.binding.bind_values`), never spliced as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException

from api.deps import RuntimeDep, SettingsDep
from api.rest_models import (
    Cluster,
    ClusterDetail,
    ClusterList,
    ErrorBody,
    Holder,
    IPRight,
    Labels,
    Licence,
    Member,
    Membership,
    Organization,
    Project,
    Ref,
    Region,
    RoleMembers,
    Stage,
    Technology,
)
from kg import namespaces, rq
from kg.engine import binding
from kg.engine.local_store import Term
from kg.engine.runtime import Runtime
from kg.entities import cell_int
from kg.settings import Settings

router = APIRouter(prefix="/api", tags=["resources"])

ID = str(namespaces.ID)
SLUG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._~-]{0,198}[A-Za-z0-9])?")
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such resource."}}

Row = dict[str, Term]
T = TypeVar("T", bound=Ref)


def _slug(iri: str) -> str | None:
    """The slug of an IRI under the id namespace, else ``None``."""
    return iri.rsplit("/", 1)[-1] if iri.startswith(ID) else None


def _text(row: Row, name: str) -> str | None:
    term = row.get(name)
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


def _labels(row: Row, name: str) -> Labels:
    return Labels(en=_text(row, name + "LabelEn"), ru=_text(row, name + "LabelRu"))


def _ref(row: Row, name: str) -> Ref | None:
    iri = _text(row, name)
    return None if iri is None else Ref(iri=iri, id=_slug(iri), labels=_labels(row, name))


def _member(row: Row, name: str) -> Member | None:
    iri = _text(row, name)
    if iri is None:
        return None
    return Member(
        iri=iri,
        id=_slug(iri),
        labels=_labels(row, name),
        is_group=_text(row, name + "IsGroup") in ("true", "1"),
        group_size=cell_int(row, name + "GroupSize"),
    )


def _unique(rows: Iterable[Row], make: Callable[[Row, str], T | None], name: str) -> list[T]:
    """The distinct resources of a variable, in row order."""
    seen: dict[str, T] = {}
    for row in rows:
        item = make(row, name)
        if item is not None and item.iri not in seen:
            seen[item.iri] = item
    return list(seen.values())


def _iri(kind: str, slug: str) -> str:
    if not SLUG.fullmatch(slug):
        raise HTTPException(404, f"no {kind} with id {slug!r}")
    return f"{ID}{kind}/{slug}"


async def _select(runtime: Runtime, settings: Settings, name: str, **terms: ox.NamedNode) -> list[Row]:
    text = binding.bind_values(rq.load(name), terms)
    return await runtime.client.select(text, timeout_s=settings.query_timeout_s)


def _clusters(rows: list[Row]) -> list[Cluster]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(_text(row, "cluster") or "", []).append(row)
    clusters = []
    for iri, group in grouped.items():
        first = group[0]
        slug = _slug(iri) or iri
        region = _text(first, "region")
        clusters.append(
            Cluster(
                iri=iri,
                id=slug,
                labels=_labels(first, "cluster"),
                region=None
                if region is None
                else Region(iri=region, code=_text(first, "regionCode"), labels=_labels(first, "region")),
                type=_ref(first, "type"),
                specialisations=_unique(group, _ref, "specialisation"),
                participant_count=cell_int(first, "participants"),
                participant_count_as_of=_text(first, "participantsAsOf"),
                links={
                    "self": f"/api/clusters/{slug}",
                    "html": f"/id/cluster/{slug}",
                    "explorer": f"/explore/cluster/{slug}",
                },
            )
        )
    return clusters


@router.get("/clusters", response_model=ClusterList, summary="The clusters")
async def list_clusters(runtime: RuntimeDep, settings: SettingsDep) -> ClusterList:
    """Every cluster with its region, type, specialisations and latest participant count."""
    return ClusterList(clusters=_clusters(await _select(runtime, settings, "api-clusters")))


@router.get("/clusters/{id}", response_model=ClusterDetail, responses=NOT_FOUND, summary="A cluster")
async def get_cluster(id: str, runtime: RuntimeDep, settings: SettingsDep) -> ClusterDetail:
    """A cluster with its participants by role and its cooperation projects."""
    term = ox.NamedNode(_iri("cluster", id))
    found = _clusters(await _select(runtime, settings, "api-clusters", cluster=term))
    if not found:
        raise HTTPException(404, f"no cluster with id {id!r}")
    members = await _select(runtime, settings, "api-memberships", cluster=term)
    by_role: dict[str, RoleMembers] = {}
    for row in members:
        role, member = _ref(row, "role"), _member(row, "member")
        if role is not None and member is not None:
            by_role.setdefault(role.iri, RoleMembers(role=role, members=[])).members.append(member)
    projects = await _select(runtime, settings, "api-projects", cluster=term)
    return ClusterDetail(
        **found[0].model_dump(),
        participants_by_role=list(by_role.values()),
        projects=_unique(projects, _ref, "project"),
    )


@router.get(
    "/organizations/{id}", response_model=Organization, responses=NOT_FOUND, summary="An organisation"
)
async def get_organization(id: str, runtime: RuntimeDep, settings: SettingsDep) -> Organization:
    """An organisation or group: its kind, cluster memberships, projects and technologies."""
    for kind in ("organization", "group"):
        term = ox.NamedNode(_iri(kind, id))
        rows = await _select(runtime, settings, "api-organization", organization=term)
        if rows:
            break
    else:
        raise HTTPException(404, f"no organization with id {id!r}")
    first = rows[0]
    memberships = await _select(runtime, settings, "api-memberships", member=term)
    projects = await _select(runtime, settings, "api-project-participants", participant=term)
    return Organization(
        iri=term.value,
        id=id,
        labels=_labels(first, "organization"),
        kind="group"
        if _text(first, "isGroup") in ("true", "1")
        else "enterprise"
        if _text(first, "isEnterprise") in ("true", "1")
        else None,
        group_size=cell_int(first, "groupSize"),
        memberships=[
            Membership(cluster=cluster, role=role)
            for row in memberships
            if (cluster := _ref(row, "cluster")) is not None and (role := _ref(row, "role")) is not None
        ],
        projects=_unique(projects, _ref, "project"),
        technologies=_unique(rows, _ref, "technology"),
    )


def _stages(rows: list[Row]) -> list[Stage]:
    stages: dict[str, Stage] = {}
    for row in rows:
        iri = _text(row, "stage")
        if iri is None:
            continue
        stage = stages.setdefault(
            iri, Stage(order=cell_int(row, "stageOrder"), iri=iri, labels=_labels(row, "stage"), actors=[])
        )
        actor = _member(row, "actor")
        if actor is not None and all(a.iri != actor.iri for a in stage.actors):
            stage.actors.append(actor)
    return list(stages.values())


def _ip_rights(rows: list[Row]) -> list[IPRight]:
    rights: dict[str, IPRight] = {}
    for row in rows:
        iri = _text(row, "right") or ""
        right = rights.setdefault(
            iri,
            IPRight(
                iri=iri,
                type=_ref(row, "type"),
                number=_text(row, "number"),
                year=_text(row, "year"),
                holders=[],
                licences=[],
            ),
        )
        party = _ref(row, "party")
        relation = _text(row, "relation")
        if party is None:
            continue
        if relation == "holder" and all(h.iri != party.iri for h in right.holders):
            share = _text(row, "share")
            right.holders.append(
                Holder(**party.model_dump(), share_percent=None if share is None else float(share))
            )
        licence_iri = _text(row, "licence")
        if relation == "licensee" and licence_iri is not None:
            licence = next((x for x in right.licences if x.iri == licence_iri), None)
            if licence is None:
                exclusive = _text(row, "exclusive")
                licence = Licence(
                    iri=licence_iri,
                    licensee=party,
                    licensor=_ref(row, "licensor"),
                    exclusive=None if exclusive is None else exclusive in ("true", "1"),
                    actions=[],
                )
                right.licences.append(licence)
            action = _text(row, "action")
            if action is not None and action not in licence.actions:
                licence.actions.append(action)
    return list(rights.values())


@router.get("/projects/{id}", response_model=Project, responses=NOT_FOUND, summary="A cooperation project")
async def get_project(id: str, runtime: RuntimeDep, settings: SettingsDep) -> Project:
    """A project with its stages and their actors, finisher, participants and IP rights."""
    term = ox.NamedNode(_iri("project", id))
    rows = await _select(runtime, settings, "api-projects", project=term)
    if not rows:
        raise HTTPException(404, f"no project with id {id!r}")
    first = rows[0]
    stages = await _select(runtime, settings, "api-project-stages", project=term)
    participants = await _select(runtime, settings, "api-project-participants", project=term)
    rights = await _select(runtime, settings, "api-ip-rights", project=term)
    return Project(
        iri=term.value,
        id=id,
        labels=_labels(first, "project"),
        clusters=_unique(rows, _ref, "cluster"),
        initiators=_unique(rows, _ref, "initiator"),
        start_year=cell_int(first, "startYear"),
        production_launch_year=cell_int(first, "launchYear"),
        production_launch_within=_text(first, "launchWithin"),
        through_technologies=_unique(rows, _ref, "technology"),
        innovation_models=_unique(rows, _ref, "model"),
        stage_count=next((n for row in stages if (n := cell_int(row, "stageCount")) is not None), None),
        stages=_stages(stages),
        finishers=_unique(stages, _ref, "finisher"),
        participants=_unique(participants, _member, "participant"),
        ip_rights=_ip_rights(rights),
    )


@router.get("/technologies/{id}", response_model=Technology, responses=NOT_FOUND, summary="A technology")
async def get_technology(id: str, runtime: RuntimeDep, settings: SettingsDep) -> Technology:
    """A technology with its broader technologies, its users and the projects built on it."""
    term = ox.NamedNode(_iri("technology", id))
    rows = await _select(runtime, settings, "api-technology", technology=term)
    if not rows:
        raise HTTPException(404, f"no technology with id {id!r}")
    return Technology(
        iri=term.value,
        id=id,
        labels=_labels(rows[0], "technology"),
        broader=_unique(rows, _ref, "broader"),
        users=_unique(rows, _member, "user"),
        projects=_unique(rows, _ref, "project"),
    )
