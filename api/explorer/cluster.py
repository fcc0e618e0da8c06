"""A cluster's dashboard: ``GET /explore/cluster/{slug}``.

The slug is the last segment of the cluster's IRI, ``https://w3id.org/clusterkg/id/cluster/<slug>``
or, for a synthetic case, ``https://w3id.org/clusterkg/synthetic/id/cluster/<slug>`` (the id
namespace first). The data come from the named queries ``cluster-participants``,
``cluster-projects`` and ``statistics`` and the explorer's own ``cluster-header.rq``,
``cluster-subjects.rq`` and ``membership-dates.rq``: the header, the indicators about the
cluster, its product segments, projects and works as charts or labelled values, the members
by role (drawing and table, with membership dates where the data give them) and the projects'
schemes. The page model is :class:`api.explorer.dashboard.Dashboard`.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep
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
from api.explorer.roster import build_roster, render_roster
from api.pages import html
from api.pages.words import word
from kg.entities import cell, entities

router = APIRouter(tags=["explorer"])
ROOT = "../../"


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
    slug: str, runtime: RuntimeDep, lang: LangParam = None, accept_language: AcceptLanguage = None
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
    participants = await client.select(bound("cluster-participants", "cluster", term))
    dates = await client.select(explorer_query("membership-dates", "cluster", [term]))
    project_rows = await client.select(bound("cluster-projects", "cluster", term))
    subject_rows = await client.select(explorer_query("cluster-subjects", "cluster", [term]))
    parts = [s for s in (cell(r, "subject") for r in subject_rows) if s is not None and s != term.value]
    subjects = [term.value, *parts]
    stats = await client.select(bound("statistics", "subject", [ox.NamedNode(s) for s in subjects]))
    series = series_of(observations(stats), subjects)
    roster = build_roster(participants)
    members = member_rows(participants, dates)
    dashboard = Dashboard(
        header=found,
        series=tuple(series_views(series, term.value, chosen, lambda iri: local(iri, ROOT))),
        roster=render_roster(roster, chosen) if roster is not None else None,
        members=tuple(members),
        membership_note=membership_note(members, chosen),
        projects=tuple(entities(project_rows, "project", "")),
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
    )
