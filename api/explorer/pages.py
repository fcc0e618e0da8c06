"""The explorer: an HTML page per cooperation project with its production cooperation scheme,
and a page per cluster with its participants by role, both drawn as inline SVG.

``GET /explore/project/{slug}`` and ``GET /explore/cluster/{slug}``, where the slug is the last
segment of ``https://w3id.org/clusterkg/id/project/<slug>`` (``id/cluster/<slug>``). The data
come from the named queries ``project-stages``, ``cluster-projects`` and
``cluster-participants``, with the entity bound in a VALUES block as an RDF term. Labels are
in English or Russian: ``?lang=en|ru``, else the Accept-Language header, else English. The page
loads nothing from another host; its CSP refuses anything but our own stylesheet.
"""

from __future__ import annotations

import re
from html import escape
from typing import Annotated, Literal

import pyoxigraph as ox
from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse

import queries
from api.deps import RuntimeDep
from api.explorer.roster import Roster, build_roster, render_roster
from api.explorer.scheme import Scheme, build_schemes, render_scheme
from kg import namespaces
from kg.engine.binding import MARKER, bind_values
from kg.engine.local_store import Term
from kg.entities import Entity, Lang, entities
from kg.errors import QueryError

router = APIRouter(prefix="/explore", tags=["explorer"])

ID = str(namespaces.ID)
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")

CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

TEXT: dict[str, dict[Lang, str]] = {
    "project": {"en": "Cooperation project", "ru": "Кооперационный проект"},
    "cluster": {"en": "Cluster", "ru": "Кластер"},
    "platform": {"en": "Technology platform", "ru": "Технологическая платформа"},
    "scheme": {"en": "Production cooperation scheme", "ru": "Схема производственной кооперации"},
    "participants": {"en": "Participants by role", "ru": "Участники по ролям"},
    "projects": {"en": "Cooperation projects", "ru": "Кооперационные проекты"},
    "resource": {"en": "resource", "ru": "ресурс"},
    "no-platform": {
        "en": "The graph describes no technology platform of this project.",
        "ru": "Граф не описывает технологическую платформу этого проекта.",
    },
    "unordered": {
        "en": "The source gives the number of stages ({n}), not their order or names: the stages are "
        "numbered only to tell them apart, and the arrows show the flow of components towards "
        "final assembly as drawn from that numbering.",
        "ru": "Источник называет число переделов ({n}), но не их порядок и не названия: переделы "
        "пронумерованы лишь для различения, а стрелки показывают поток компонентов к финишной "
        "сборке по этой нумерации.",
    },
    "fewer": {
        "en": "The source states {n} stages; {k} are described.",
        "ru": "Источник указывает {n} переделов; описано {k}.",
    },
    "not-found": {"en": "Not found", "ru": "Не найдено"},
    "no-such": {"en": "The graph holds no {what} {iri}.", "ru": "В графе нет ресурса {iri}."},
}

PAGE = """\
<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · clusterkg</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}static/explorer/explorer.css">
</head>
<body>
<header>
<p class="kind">{kind}</p>
<h1>{title}</h1>
<nav class="langs">{langs}</nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""


def text(key: str, lang: Lang) -> str:
    """A fixed text of the pages in a language."""
    return TEXT[key][lang]


def choose_lang(lang: str | None, accept_language: str | None) -> Lang:
    """``en`` or ``ru``: the ``lang`` parameter, else the best of them in Accept-Language, else en.

    >>> choose_lang(None, "de, ru;q=0.8, en;q=0.5")
    'ru'
    """
    if lang in ("en", "ru"):
        return "ru" if lang == "ru" else "en"
    best: tuple[float, Lang] = (0.0, "en")
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("en", "ru"):
            continue
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        if quality > best[0]:
            best = (quality, "ru" if primary == "ru" else "en")
    return best[1]


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


def _page(kind: str, title: str, body: str, lang: Lang, status: int = 200) -> HTMLResponse:
    current = ' aria-current="true"'
    langs = " ".join(
        f'<a href="?lang={code}"{current if code == lang else ""}>{code}</a>' for code in ("en", "ru")
    )
    html = PAGE.format(
        lang=lang, title=escape(title), kind=escape(kind), langs=langs, body=body, root="../../"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _not_found(kind: str, iri: str, lang: Lang) -> HTMLResponse:
    message = text("no-such", lang).format(what=kind.lower(), iri=f"<code>{escape(iri)}</code>")
    return _page(text("not-found", lang), text("not-found", lang), f"<p>{message}</p>", lang, 404)


def _link(entity: Entity, lang: Lang) -> str:
    href = escape(local(entity.iri, "../../"))
    return f'<a href="{href}">{escape(entity.text(lang))}</a>'


def _scheme_section(scheme: Scheme, lang: Lang) -> str:
    notes = []
    if scheme.stages and not scheme.stages_named:
        notes.append(text("unordered", lang).format(n=scheme.stage_count or len(scheme.stages)))
    if scheme.stage_count is not None and scheme.stage_count != len(scheme.stages):
        notes.append(text("fewer", lang).format(n=scheme.stage_count, k=len(scheme.stages)))
    footnote = "".join(f'<p class="footnote">{escape(n)}</p>' for n in notes)
    return (
        f'<section class="platform"><h2>{text("scheme", lang)}</h2>'
        f"<p>{text('platform', lang)}: {_link(scheme.platform, lang)}</p>"
        f'<figure class="scheme">{render_scheme(scheme, lang)}</figure>{footnote}</section>'
    )


LangParam = Annotated[Literal["en", "ru"] | None, Query(description="Label language: en or ru.")]
AcceptLanguage = Annotated[str | None, Header()]


@router.get("/project/{slug}", response_class=HTMLResponse, summary="A project's cooperation scheme")
async def project_page(
    slug: str, runtime: RuntimeDep, lang: LangParam = None, accept_language: AcceptLanguage = None
) -> HTMLResponse:
    """The production cooperation scheme of a project: stages in order, who acts at each, the
    through-technology across them and the anchor finisher's final assembly."""
    chosen = choose_lang(lang, accept_language)
    iri = ID + "project/" + slug
    if not _SLUG.fullmatch(slug):
        return _not_found(text("project", chosen), iri, chosen)
    term = ox.NamedNode(iri)
    stage_rows = await runtime.client.select(bound("project-stages", "project", term))
    project_rows = await runtime.client.select(bound("cluster-projects", "project", term))
    if not stage_rows and not project_rows:
        return _not_found(text("project", chosen), iri, chosen)
    technologies = entities(project_rows, "throughTechnology")
    schemes = build_schemes(stage_rows, technologies)
    project = schemes[0].project if schemes else entities(project_rows, "project", "")[0]
    clusters = entities(project_rows, "cluster")
    facts = [f"<p>{text('resource', chosen)}: {_link(project, chosen)}</p>"]
    roles = text("participants", chosen).lower()
    facts += [
        f"<p>{text('cluster', chosen)}: {_link(c, chosen)} "
        f'(<a href="../cluster/{escape(c.iri.rsplit("/", 1)[-1])}">{roles}</a>)</p>'
        for c in clusters
    ]
    sections = [_scheme_section(s, chosen) for s in schemes] or [f"<p>{text('no-platform', chosen)}</p>"]
    return _page(text("project", chosen), project.text(chosen), "\n".join(facts + sections), chosen)


def _projects_section(rows: list[dict[str, Term]], lang: Lang) -> str:
    items = [
        f'<li><a href="../project/{escape(p.iri.rsplit("/", 1)[-1])}">{escape(p.text(lang))}</a></li>'
        for p in entities(rows, "project", "")
        if p.iri.startswith(ID + "project/")
    ]
    return f"<section><h2>{text('projects', lang)}</h2><ul>{''.join(items)}</ul></section>" if items else ""


def _roster_section(roster: Roster, lang: Lang) -> str:
    return (
        f"<section><h2>{text('participants', lang)}</h2>"
        f'<figure class="roster">{render_roster(roster, lang)}</figure></section>'
    )


@router.get("/cluster/{slug}", response_class=HTMLResponse, summary="A cluster's participants by role")
async def cluster_page(
    slug: str, runtime: RuntimeDep, lang: LangParam = None, accept_language: AcceptLanguage = None
) -> HTMLResponse:
    """A cluster's participants grouped by role (groups of unnamed organisations with their size
    where known), and links to its projects' schemes."""
    chosen = choose_lang(lang, accept_language)
    iri = ID + "cluster/" + slug
    if not _SLUG.fullmatch(slug):
        return _not_found(text("cluster", chosen), iri, chosen)
    term = ox.NamedNode(iri)
    roster = build_roster(await runtime.client.select(bound("cluster-participants", "cluster", term)))
    project_rows = await runtime.client.select(bound("cluster-projects", "cluster", term))
    if roster is None and not project_rows:
        return _not_found(text("cluster", chosen), iri, chosen)
    cluster = roster.cluster if roster else entities(project_rows, "cluster")[0]
    body = [f"<p>{text('resource', chosen)}: {_link(cluster, chosen)}</p>"]
    if roster is not None:
        body.append(_roster_section(roster, chosen))
    body.append(_projects_section(project_rows, chosen))
    return _page(text("cluster", chosen), cluster.text(chosen), "\n".join(body), chosen)
