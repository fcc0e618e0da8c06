"""A cluster's dashboard: ``GET /explore/cluster/{slug}``.

The slug is the last segment of the cluster's IRI, ``https://w3id.org/clusterkg/id/cluster/<slug>``
or, for a synthetic case, ``https://w3id.org/clusterkg/synthetic/id/cluster/<slug>`` (the id
namespace first). The data come from the named queries ``cluster-participants``,
``cluster-projects`` and ``statistics`` and the explorer's own ``cluster-header.rq``,
``cluster-subjects.rq`` and ``membership-dates.rq``: the header, the indicators about the
cluster, its product segments, projects and works as charts or labelled values, the members
by role (drawing and table, with membership dates where the data give them), the cooperation
network (:func:`kg.analysis.cooperation_network`, drawn by :mod:`api.explorer.network`), the
eight management tasks' findings (:func:`kg.analysis.management_tasks`, shown by
:mod:`api.explorer.tasks`) and the projects' schemes. The queries run concurrently
(``asyncio.gather``); only the statistics wait for the cluster's subjects. The page model is
:class:`api.explorer.dashboard.Dashboard`.
"""

from __future__ import annotations

import asyncio
from functools import partial

import pyoxigraph as ox
from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep, SettingsDep
from api.explorer.common import (
    HEADERS,
    ID,
    SLUG,
    SYNTHETIC_ID,
    AcceptLanguage,
    ExplorerView,
    LangParam,
    bound,
    choose_lang,
    explorer_query,
    local,
    not_found,
    page_responses,
)
from api.explorer.dashboard import (
    Dashboard,
    cluster_headers,
    date_text,
    member_rows,
    membership_note,
    series_views,
)
from api.explorer.indicators import observations, phrase, series_of
from api.explorer.network import network_view, node_label
from api.explorer.roster import build_roster, render_roster
from api.explorer.tasks import task_views
from api.pages import html
from api.pages.words import word
from kg.analysis import Select, cooperation_network, management_tasks
from kg.analysis.network import Row
from kg.engine.runtime import Runtime
from kg.entities import cell, entities
from kg.settings import Settings

router = APIRouter(tags=["explorer"])
ROOT = "../../"


def analysis_select(runtime: Runtime, settings: Settings) -> Select:
    """The select function :mod:`kg.analysis` runs its queries with (the engine, our timeout)."""

    async def select(query: str) -> list[Row]:
        return await runtime.client.select(query, timeout_s=settings.query_timeout_s)

    return select


def candidates(slug: str) -> list[ox.NamedNode]:
    """The IRIs a cluster's slug may stand for: in the id namespace, then the synthetic one."""
    return [ox.NamedNode(ID + "cluster/" + slug), ox.NamedNode(SYNTHETIC_ID + "cluster/" + slug)]


@router.get(
    "/cluster/{slug}",
    summary="A cluster's dashboard",
    response_class=Response,
    responses=page_responses("cluster"),
)
async def cluster_page(
    slug: str,
    runtime: RuntimeDep,
    settings: SettingsDep,
    lang: LangParam = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    """A cluster's dashboard: its region (ISO 3166-2), sector and industry class; its indicators
    over time as charts (ranges and bounds as bars, never as points; a single or undated
    observation as a labelled value, saying what the source does not give); its participants
    by role with membership dates where stated; and links to its projects' schemes."""
    chosen = choose_lang(lang, accept_language)
    if not SLUG.fullmatch(slug):
        return not_found(word("cluster", chosen), ID + "cluster/" + slug, chosen)
    client = runtime.client
    headers = cluster_headers(
        await client.select(explorer_query("cluster-header", "cluster", candidates(slug)))
    )
    found = next((headers[t.value] for t in candidates(slug) if t.value in headers), None)
    if found is None:
        return not_found(word("cluster", chosen), ID + "cluster/" + slug, chosen)
    term = ox.NamedNode(found.cluster.iri)
    select = analysis_select(runtime, settings)
    participants, dates, project_rows, subject_rows, network, results = await asyncio.gather(
        client.select(bound("cluster-participants", "cluster", term)),
        client.select(explorer_query("membership-dates", "cluster", [term])),
        client.select(bound("cluster-projects", "cluster", term)),
        client.select(explorer_query("cluster-subjects", "cluster", [term])),
        cooperation_network(select, term.value),
        management_tasks(select, term.value),
    )
    parts = [s for s in (cell(r, "subject") for r in subject_rows) if s is not None and s != term.value]
    subjects = [term.value, *parts]
    stats = await client.select(bound("statistics", "subject", [ox.NamedNode(s) for s in subjects]))
    series = series_of(observations(stats), subjects)
    roster = build_roster(participants)
    members = member_rows(participants, dates)
    href = partial(local, root=ROOT)
    projects = tuple(entities(project_rows, "project", ""))
    names = {p.iri: p.text(chosen) for p in projects} | {n.iri: node_label(n, chosen) for n in network.nodes}
    for edge in network.edges:
        for r in edge.reasons:
            label = (r.via_label_ru if chosen == "ru" else r.via_label_en) or r.via_label_en or r.via_label_ru
            if r.via is not None and label:
                names.setdefault(r.via, label)
    dashboard = Dashboard(
        header=found,
        series=tuple(series_views(series, term.value, chosen, href)),
        roster=render_roster(roster, chosen) if roster is not None else None,
        members=tuple(members),
        membership_note=membership_note(members, chosen),
        projects=projects,
        network=network_view(network, chosen, href),
        tasks=task_views(results, term.value, chosen, href, root=ROOT, labels=names),
    )
    return html.page(
        "explorer_cluster.html",
        headers=HEADERS,
        view=ExplorerView(chosen, ROOT),
        lang=chosen,
        cluster=found.cluster,
        page=dashboard,
        phrase=phrase,
        date_text=date_text,
        slug=slug,
        exports=ROOT + "api/clusters/" + slug + "/network",
        node_label=node_label,
    )
