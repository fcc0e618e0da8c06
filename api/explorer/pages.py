"""The explorer: an HTML page per cooperation project with its production cooperation scheme,
a dashboard per cluster and clusters side by side; the drawings are inline SVG.

``GET /explore/project/{slug}`` is here, where the slug is the last segment of
``https://w3id.org/clusterkg/id/project/<slug>``; its data come from the named queries
``project-stages``, ``cluster-projects`` and ``project-rd``, with the project bound in a VALUES
block as an RDF term. The cluster's dashboard (``/explore/cluster/{slug}``) is
:mod:`api.explorer.cluster`, the compare page (``/explore/compare``) :mod:`api.explorer.compare`;
:data:`router` holds all three. Labels are in English or Russian: ``?lang=en|ru``, else the
Accept-Language header, else English (:func:`api.explorer.common.choose_lang`). The pages are
the templates ``explorer_*.html`` (:mod:`api.pages.html`: escaped, with the pages' CSP); they
load nothing from another host.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from api.deps import RuntimeDep
from api.explorer import cluster, compare
from api.explorer.common import (
    HEADERS,
    ID,
    SLUG,
    AcceptLanguage,
    ExplorerView,
    LangParam,
    bound,
    choose_lang,
    not_found,
    page_responses,
)
from api.explorer.scheme import Scheme, build_schemes, render_scheme
from api.pages import html
from api.pages.words import word
from kg.entities import Actor, Entity, Lang, Row, cell, cell_int, entities, row_label

__all__ = ["ExplorerView", "choose_lang", "research_views", "router"]

router = APIRouter(prefix="/explore", tags=["explorer"])


@dataclass(frozen=True)
class ResearchView:
    """A research and development work of a project: who initiated it, who took part."""

    work: Entity
    initiators: tuple[Entity, ...]
    participants: tuple[Actor, ...]


def research_views(rows: Iterable[Row]) -> list[ResearchView]:
    """The R&D works of the rows of the named query ``project-rd``, in row order.

    >>> from pyoxigraph import NamedNode as N, Literal as L
    >>> rows = [{"work": N("http://e/w"), "participant": N("http://e/g"), "participantIsGroup": L("true"),
    ...          "participantGroupSize": L("11"), "initiator": N("http://e/a")}]
    >>> [(v.work.iri, [a.group_size for a in v.participants]) for v in research_views(rows)]
    [('http://e/w', [11])]
    """
    found: dict[str, list[Row]] = {}
    for row in rows:
        work = cell(row, "work")
        if work is not None:
            found.setdefault(work, []).append(row)
    views = []
    for work, group in found.items():
        actors: dict[str, Actor] = {}
        for row in group:
            iri = cell(row, "participant")
            if iri is not None and iri not in actors:
                actors[iri] = Actor(
                    iri,
                    row_label(row, "participant"),
                    is_group=cell(row, "participantIsGroup") == "true",
                    group_size=cell_int(row, "participantGroupSize"),
                )
        entity = Entity(work, row_label(group[0], "work"))
        views.append(ResearchView(entity, entities(group, "initiator"), tuple(actors.values())))
    return views


@dataclass(frozen=True)
class SchemeView:
    """A technology platform's scheme as its section shows it: the drawing and the notes."""

    platform: Entity
    svg: Markup
    notes: tuple[str, ...]


def _scheme_view(scheme: Scheme, lang: Lang) -> SchemeView:
    notes = []
    if scheme.stages and not scheme.stages_ordered:
        notes.append(word("unordered", lang).format(n=scheme.stage_count or len(scheme.stages)))
    if scheme.stages and not scheme.stages_named:
        notes.append(word("unnamed", lang))
    if scheme.stage_count is not None and scheme.stage_count != len(scheme.stages):
        notes.append(word("fewer", lang).format(n=scheme.stage_count, k=len(scheme.stages)))
    return SchemeView(scheme.platform, render_scheme(scheme, lang), tuple(notes))


@router.get(
    "/project/{slug}",
    summary="A project's cooperation scheme",
    response_class=Response,
    responses=page_responses("project"),
)
async def project_page(
    slug: str, runtime: RuntimeDep, lang: LangParam = None, accept_language: AcceptLanguage = None
) -> HTMLResponse:
    """The production cooperation scheme of a project: its stages (in order where the source
    orders them), who acts at each, the through-technology across them and the finisher's
    final assembly where the source names a finisher; then who took part in its research and
    development, and on whose initiative."""
    chosen = choose_lang(lang, accept_language)
    iri = ID + "project/" + slug
    if not SLUG.fullmatch(slug):
        return not_found(word("project", chosen), iri, chosen)
    term = ox.NamedNode(iri)
    stage_rows = await runtime.client.select(bound("project-stages", "project", term))
    project_rows = await runtime.client.select(bound("cluster-projects", "project", term))
    research_rows = await runtime.client.select(bound("project-rd", "project", term))
    if not stage_rows and not project_rows:
        return not_found(word("project", chosen), iri, chosen)
    technologies = entities(project_rows, "throughTechnology")
    schemes = build_schemes(stage_rows, technologies)
    project = schemes[0].project if schemes else entities(project_rows, "project", "")[0]
    return html.page(
        "explorer_project.html",
        headers=HEADERS,
        view=ExplorerView(chosen),
        lang=chosen,
        project=project,
        clusters=entities(project_rows, "cluster"),
        schemes=[_scheme_view(s, chosen) for s in schemes],
        research=research_views(research_rows),
    )


router.include_router(cluster.router)
router.include_router(compare.router)
