"""The explorer: an HTML page per cooperation project with its production cooperation scheme,
and a page per cluster with its participants by role, both drawn as inline SVG.

``GET /explore/project/{slug}`` and ``GET /explore/cluster/{slug}``, where the slug is the last
segment of ``https://w3id.org/clusterkg/id/project/<slug>`` (``id/cluster/<slug>``). The data
come from the named queries ``project-stages``, ``cluster-projects``, ``project-rd`` and
``cluster-participants``, with the entity bound in a VALUES block as an RDF term. Labels are
in English or Russian: ``?lang=en|ru``, else the Accept-Language header, else English. The pages
are the templates ``explorer_project.html``, ``explorer_cluster.html`` and
``explorer_not_found.html`` (:mod:`api.pages.html`: escaped, with the pages' CSP); they load nothing
from another host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

import pyoxigraph as ox
from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

import queries
from api.deps import RuntimeDep
from api.explorer.roster import build_roster, render_roster
from api.explorer.scheme import Scheme, build_schemes, render_scheme
from api.negotiation import accepted_languages
from api.pages import html
from api.pages.words import choose, word
from api.schema.openapi import ENGINE, HTML, answer, error_responses
from kg import namespaces
from kg.engine.binding import MARKER, bind_values
from kg.entities import Actor, Entity, Lang, Row, cell, cell_int, entities, row_label
from kg.errors import QueryError

router = APIRouter(prefix="/explore", tags=["explorer"])

ID = str(namespaces.ID)
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
HEADERS = {"Cache-Control": "no-cache"}
"""The explorer's own headers (those of every page are :data:`api.pages.html.HEADERS`)."""


def choose_lang(lang: str | None, accept_language: str | None) -> Lang:
    """``en`` or ``ru``: the ``lang`` parameter, else the best of them in Accept-Language, else en.

    >>> choose_lang(None, "de, ru;q=0.8, en;q=0.5")
    'ru'
    """
    if lang in ("en", "ru"):
        return "ru" if lang == "ru" else "en"
    return choose(accepted_languages(accept_language))


def bound(name: str, variable: str, term: ox.NamedNode) -> str:
    """A named query's text with ``variable`` fixed to ``term`` by a VALUES block at the top of
    its WHERE clause (the term is written by pyoxigraph, never spliced from request text).

    :raises QueryError: if the query has no ``WHERE {`` line to put the block in.
    """
    lines = queries.get(name).text.split("\n")
    try:
        at = lines.index("WHERE {")
    except ValueError:
        raise QueryError(f"named query {name!r} has no 'WHERE {{' line to bind ?{variable} in") from None
    lines.insert(at + 1, "  " + MARKER)
    return bind_values("\n".join(lines), [variable], [[term]])


def local(iri: str, root: str) -> str:
    """Where this service dereferences an IRI of ours (``/id/...``), relative to the page."""
    return root + iri[len(namespaces.BASE) :] if iri.startswith(ID) else iri


@dataclass(frozen=True)
class ExplorerView:
    """What the explorer's templates ask: the language, words, and where entities link to."""

    lang: Lang
    root: str = "../../"

    def word(self, key: str) -> str:
        """A fixed word of the pages in the page's language."""
        return word(key, self.lang)

    def href(self, entity: Entity) -> str:
        """Where an entity links to: its ``/id/`` page for ours, else its IRI."""
        return local(entity.iri, self.root)

    def label(self, entity: Entity) -> str:
        """An entity's label in the page's language."""
        return entity.text(self.lang)

    def slug(self, entity: Entity) -> str:
        """The last segment of an entity's IRI (its explorer page's name)."""
        return entity.iri.rsplit("/", 1)[-1]

    def group_note(self, actor: Actor) -> str:
        """What a participant is when it is a group: unnamed organisations, and how many if known."""
        note = word("group", self.lang)
        if actor.group_size is not None:
            note += ", " + word("group-of", self.lang).format(n=actor.group_size)
        return note


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


def _not_found(kind: str, iri: str, lang: Lang) -> HTMLResponse:
    return html.page(
        "explorer_not_found.html",
        status_code=404,
        headers=HEADERS,
        view=ExplorerView(lang),
        lang=lang,
        what=kind.lower(),
        iri=iri,
    )


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


LangParam = Annotated[Literal["en", "ru"] | None, Query(description="Label language: en or ru.")]
AcceptLanguage = Annotated[str | None, Header()]


def _page_responses(what: str) -> dict[int | str, dict[str, object]]:
    return {
        **answer(f"The {what}'s page.", HTML),
        **answer(f"No such {what} in the graph: a page that says so.", HTML, status=404),
        **error_responses(422, *ENGINE),
    }


@router.get(
    "/project/{slug}",
    summary="A project's cooperation scheme",
    response_class=Response,
    responses=_page_responses("project"),
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
    if not _SLUG.fullmatch(slug):
        return _not_found(word("project", chosen), iri, chosen)
    term = ox.NamedNode(iri)
    stage_rows = await runtime.client.select(bound("project-stages", "project", term))
    project_rows = await runtime.client.select(bound("cluster-projects", "project", term))
    research_rows = await runtime.client.select(bound("project-rd", "project", term))
    if not stage_rows and not project_rows:
        return _not_found(word("project", chosen), iri, chosen)
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


@router.get(
    "/cluster/{slug}",
    summary="A cluster's participants by role",
    response_class=Response,
    responses=_page_responses("cluster"),
)
async def cluster_page(
    slug: str, runtime: RuntimeDep, lang: LangParam = None, accept_language: AcceptLanguage = None
) -> HTMLResponse:
    """A cluster's participants grouped by role (groups of unnamed organisations with their size
    where known), and links to its projects' schemes."""
    chosen = choose_lang(lang, accept_language)
    iri = ID + "cluster/" + slug
    if not _SLUG.fullmatch(slug):
        return _not_found(word("cluster", chosen), iri, chosen)
    term = ox.NamedNode(iri)
    roster = build_roster(await runtime.client.select(bound("cluster-participants", "cluster", term)))
    project_rows = await runtime.client.select(bound("cluster-projects", "cluster", term))
    if roster is None and not project_rows:
        return _not_found(word("cluster", chosen), iri, chosen)
    cluster = roster.cluster if roster else entities(project_rows, "cluster")[0]
    projects = [p for p in entities(project_rows, "project", "") if p.iri.startswith(ID + "project/")]
    return html.page(
        "explorer_cluster.html",
        headers=HEADERS,
        view=ExplorerView(chosen),
        lang=chosen,
        cluster=cluster,
        roster=render_roster(roster, chosen) if roster is not None else None,
        projects=projects,
    )
