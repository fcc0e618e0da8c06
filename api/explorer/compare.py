"""Clusters side by side: ``GET /explore/compare?clusters=a,b,...&indicator=...``.

``clusters`` names 2 to 6 clusters by their slugs (as on their dashboards); ``indicator`` (an IRI
or a CURIE such as ``ckg:participantCount``) picks the indicator drawn for all of them on one
chart; without it, the indicator most of them have dated observations of. One column per
cluster: its header, its key indicators (the latest observation of each, with its date), its
members by role (counts), its projects (count), its cooperation network in numbers (nodes,
edges, communities, the top broker by betweenness) and how many of the eight management tasks
have findings for it. A parameter that does not fit (an unknown
or malformed slug, too few or too many clusters, a malformed indicator) gives a 422 page that
names it. Data: the named queries ``statistics``, ``cluster-participants``, ``cluster-projects``
and the explorer's ``cluster-header.rq``, each bound to all the clusters at once, and
``kg.analysis`` per cluster, all run concurrently.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from api.deps import RuntimeDep, SettingsDep
from api.explorer.charts import PALETTE, ChartLine, render_chart
from api.explorer.cluster import analysis_select, candidates
from api.explorer.common import (
    HEADERS,
    SLUG,
    AcceptLanguage,
    ExplorerView,
    LangParam,
    bad_parameter,
    bound,
    choose_lang,
    explorer_query,
    local,
)
from api.explorer.dashboard import ClusterHeader, cluster_headers
from api.explorer.indicators import Observation, Series, format_date, observations, phrase, series_of
from api.explorer.network import node_label
from api.pages import html
from api.pages.words import word
from api.schema.openapi import ENGINE, HTML, answer, error_responses
from kg import terms
from kg.analysis import TASKS, Network, Node, cooperation_network, management_tasks
from kg.entities import Entity, Lang, cell, row_entity

router = APIRouter(tags=["explorer"])
ROOT = "../"
MIN_CLUSTERS, MAX_CLUSTERS = 2, 6


@dataclass(frozen=True)
class Column:
    """One cluster's column: header, latest observation of each indicator, role counts, projects."""

    slug: str
    colour: str
    header: ClusterHeader
    latest: tuple[Observation, ...]
    roles: tuple[tuple[Entity, int], ...]
    projects: int
    network: Network | None = None
    tasks_found: int | None = None
    """How many of the eight management tasks have findings for the cluster."""

    @property
    def broker(self) -> Node | None:
        """The node of highest betweenness (then degree), if one lies between others."""
        nodes = [n for n in (self.network.nodes if self.network else ()) if n.betweenness > 0]
        return min(nodes, key=lambda n: (-n.betweenness, -n.degree, n.iri)) if nodes else None


def parse_slugs(raw: str | None, lang: Lang) -> list[str] | str:
    """The slugs of ``clusters``, or the message saying why they do not fit.

    >>> parse_slugs("biomed, alpha", "en")
    ['biomed', 'alpha']
    >>> parse_slugs("biomed", "en")
    'name from 2 to 6 clusters by their slugs, separated by commas (clusters=biomed,alpha); got 1.'
    >>> parse_slugs("a,a", "en")
    'the cluster a is named twice.'
    """
    slugs = [s.strip() for s in (raw or "").split(",")] if raw and raw.strip() else []
    if not MIN_CLUSTERS <= len(slugs) <= MAX_CLUSTERS:
        return word("clusters-count", lang).format(n=len(slugs))
    for n, slug in enumerate(slugs):
        if not SLUG.fullmatch(slug):
            return word("clusters-bad-slug", lang).format(slug=repr(slug))
        if slug in slugs[:n]:
            return word("clusters-twice", lang).format(slug=slug)
    return slugs


def choose_indicator(series: list[Series], asked: str | None) -> str | None:
    """The indicator to draw: the one asked for, else the one most clusters have dated
    observations of (then the most observations, then the IRI)."""
    if asked is not None:
        return asked
    clusters: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for one in series:
        if one.dated:
            clusters.setdefault(one.indicator.iri, set()).add(one.subject.iri)
            counts[one.indicator.iri] += len(one.dated)
    if not clusters:
        return None
    return min(clusters, key=lambda i: (-len(clusters[i]), -counts[i], i))


COMPARE = {
    **answer("The clusters side by side.", HTML),
    **error_responses(
        422,
        *ENGINE,
        notes={422: "A parameter does not fit: a page that names it (the error body for a bad `lang`)."},
        also={422: [HTML]},
    ),
}


@router.get("/compare", summary="Clusters side by side", response_class=Response, responses=COMPARE)
async def compare_page(
    runtime: RuntimeDep,
    settings: SettingsDep,
    clusters: Annotated[
        str | None, Query(description="2 to 6 cluster slugs separated by commas, e.g. biomed,alpha.")
    ] = None,
    indicator: Annotated[
        str | None, Query(description="The indicator to chart: an IRI or a CURIE (ckg:participantCount).")
    ] = None,
    lang: LangParam = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    """Clusters side by side: the key indicators of each (latest observation, with its date),
    members by role, projects, and one indicator over time for all of them on one chart."""
    chosen = choose_lang(lang, accept_language)
    slugs = parse_slugs(clusters, chosen)
    if isinstance(slugs, str):
        return bad_parameter("clusters", slugs, chosen, ROOT)
    asked = None
    if indicator is not None:
        try:
            asked = terms.iri(indicator.strip()).value
        except terms.TermError:
            return bad_parameter(
                "indicator", word("indicator-bad", chosen).format(value=repr(indicator)), chosen, ROOT
            )
    client = runtime.client
    everyone = [t for slug in slugs for t in candidates(slug)]
    headers = cluster_headers(await client.select(explorer_query("cluster-header", "cluster", everyone)))
    picked: list[tuple[str, ClusterHeader]] = []
    for slug in slugs:
        found = next((headers[t.value] for t in candidates(slug) if t.value in headers), None)
        if found is None:
            return bad_parameter("clusters", word("clusters-unknown", chosen).format(slug=slug), chosen, ROOT)
        picked.append((slug, found))
    terms_ = [ox.NamedNode(h.cluster.iri) for _, h in picked]
    select = analysis_select(runtime, settings)
    stats, participants, projects, networks, results = await asyncio.gather(
        client.select(bound("statistics", "subject", terms_)),
        client.select(bound("cluster-participants", "cluster", terms_)),
        client.select(bound("cluster-projects", "cluster", terms_)),
        asyncio.gather(*(cooperation_network(select, t.value) for t in terms_)),
        asyncio.gather(*(management_tasks(select, t.value) for t in terms_)),
    )
    series = series_of(observations(stats), [t.value for t in terms_])

    columns = []
    for n, (slug, header) in enumerate(picked):
        iri = header.cluster.iri
        roles: dict[str, tuple[Entity, set[str]]] = {}
        for row in participants:
            role, member = row_entity(row, "role"), cell(row, "participant")
            if cell(row, "cluster") == iri and role is not None and member is not None:
                roles.setdefault(role.iri, (role, set()))[1].add(member)
        count = len({cell(r, "project") for r in projects if cell(r, "cluster") == iri} - {None})
        columns.append(
            Column(
                slug,
                PALETTE[n % len(PALETTE)],
                header,
                tuple(s.latest for s in series if s.subject.iri == iri),
                tuple((role, len(members)) for role, members in roles.values()),
                count,
                networks[n],
                sum(not r.empty for r in results[n]),
            )
        )

    target = choose_indicator(series, asked)
    options = {s.indicator.iri: s.indicator for s in series}
    chart: Markup | None = None
    ranges = False
    title = ""
    if target is not None:
        drawn = [s for s in series if s.indicator.iri == target]
        unit = drawn[0].unit if drawn else None
        title = options[target].text(chosen) if target in options else target
        ranges = any(o.is_range for s in drawn for o in s.dated)
        if any(s.dated for s in drawn):
            lines = [
                ChartLine(
                    c.header.cluster.text(chosen),
                    c.colour,
                    tuple(
                        o
                        for s in drawn
                        if s.subject.iri == c.header.cluster.iri and s.unit == unit
                        for o in s.observations
                    ),
                )
                for c in columns
            ]
            chart = render_chart(lines, chosen, title=title, unit=unit, href=lambda i: local(i, ROOT))
    return html.page(
        "explorer_compare.html",
        headers=HEADERS,
        view=ExplorerView(chosen, ROOT),
        lang=chosen,
        columns=columns,
        chart=chart,
        chart_title=title,
        ranges=ranges,
        target=target,
        options=list(options.values()),
        clusters=",".join(slugs),
        lang_query=urlencode({"clusters": ",".join(slugs), **({"indicator": indicator} if indicator else {})})
        + "&",
        phrase=phrase,
        format_date=format_date,
        node_label=node_label,
        task_count=len(TASKS),
    )
