"""What a cluster's dashboard and the compare page show, read from query rows: the cluster's
header (labels, region with its ISO 3166-2 code, sector, industry class, type, excellence
label), its indicators as series with their charts and notes, and its members by role with the
dates of their memberships.

The page model is :class:`Dashboard`. Its ``network`` and ``tasks`` are the cooperation
network (:mod:`api.explorer.network`) and the eight management tasks' findings
(:mod:`api.explorer.tasks`), both computed by ``kg.analysis``; where one is None the template
says it is not shown, never a made-up picture. Pure: rows in, values out (the charts through
:mod:`api.explorer.charts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from api.explorer.charts import PALETTE, ChartLine, render_chart
from api.explorer.indicators import Series, format_date
from api.explorer.network import NetworkView
from api.explorer.tasks import TaskView
from api.pages.words import word
from kg.entities import Actor, Entity, Lang, Row, cell, cell_int, row_entity, row_label

__all__ = [
    "ClusterHeader",
    "Code",
    "Dashboard",
    "MemberRow",
    "SeriesView",
    "cluster_headers",
    "date_text",
    "member_rows",
    "membership_note",
    "series_views",
]


@dataclass(frozen=True)
class Code(Entity):
    """A coded concept: a region with its ISO 3166-2 code, an industry class with its notation."""

    code: str | None = None
    scheme: Entity | None = None
    curated: bool = False
    """Given only by the maintainers' curation graph, not by a source."""


@dataclass(frozen=True)
class ClusterHeader:
    """What the head of a cluster's page says about it."""

    cluster: Entity
    regions: tuple[Code, ...] = ()
    sectors: tuple[Entity, ...] = ()
    industry_classes: tuple[Code, ...] = ()
    types: tuple[Entity, ...] = ()
    excellence: tuple[Entity, ...] = ()
    synthetic: bool = False


def cluster_headers(rows: Iterable[Row]) -> dict[str, ClusterHeader]:
    """The header of each cluster in the rows of ``cluster-header.rq``, by IRI, in row order.

    >>> from pyoxigraph import NamedNode as N, Literal as L
    >>> rows = [{"cluster": N("http://e/c"), "region": N("http://e/r"), "regionCode": L("RU-PNZ")}]
    >>> [r.code for r in cluster_headers(rows)["http://e/c"].regions]
    ['RU-PNZ']
    """
    found: dict[str, dict[str, dict[str, Entity]]] = {}
    clusters: dict[str, Entity] = {}
    synthetic: set[str] = set()
    for row in rows:
        cluster = row_entity(row, "cluster")
        if cluster is None:
            continue
        clusters.setdefault(cluster.iri, cluster)
        if cell(row, "synthetic") == "true":
            synthetic.add(cluster.iri)
        parts = found.setdefault(cluster.iri, {})
        region = cell(row, "region")
        if region is not None:
            parts.setdefault("regions", {}).setdefault(
                region, Code(region, row_label(row, "region"), cell(row, "regionCode"))
            )
        industry = cell(row, "industryClass")
        if industry is not None:
            parts.setdefault("industry", {}).setdefault(
                industry,
                Code(
                    industry,
                    row_label(row, "industryClass"),
                    cell(row, "industryClassNotation"),
                    row_entity(row, "industryScheme"),
                    cell(row, "industryCurated") == "true",
                ),
            )
        for name, key in (("sector", "sectors"), ("clusterType", "types"), ("excellence", "excellence")):
            entity = row_entity(row, name)
            if entity is not None:
                parts.setdefault(key, {}).setdefault(entity.iri, entity)
    out = {}
    for iri, parts in found.items():
        regions = tuple(r for r in parts.get("regions", {}).values() if isinstance(r, Code))
        classes = tuple(c for c in parts.get("industry", {}).values() if isinstance(c, Code))
        out[iri] = ClusterHeader(
            clusters[iri],
            regions,
            tuple(parts.get("sectors", {}).values()),
            classes,
            tuple(parts.get("types", {}).values()),
            tuple(parts.get("excellence", {}).values()),
            iri in synthetic,
        )
    return out


@dataclass(frozen=True)
class SeriesView:
    """One indicator series as the dashboard shows it: a chart where there are at least two
    dated observations (else the values as labelled values), and what the source does not give."""

    series: Series
    title: str
    about: Entity | None
    chart: Markup | None
    notes: tuple[str, ...]


def series_views(
    series: Sequence[Series], cluster: str, lang: Lang, href: Callable[[str], str]
) -> list[SeriesView]:
    """The views of a cluster's series: its own first (as ``series_of`` orders them)."""
    views = []
    for one in series:
        name = one.indicator.text(lang)
        notes: list[str] = []
        chart = None
        if len(one.dated) >= 2:
            chart = render_chart(
                [ChartLine(one.subject.text(lang), PALETTE[0], one.observations)],
                lang,
                title=name,
                unit=one.unit,
                href=href,
            )
            if any(o.is_range for o in one.dated):
                notes.append(word("ranges-drawn", lang))
            if one.undated:
                notes.append(word("undated-not-drawn", lang))
        elif len(one.observations) == 1:
            notes.append(word("single-observation", lang))
        if not one.dated:
            notes.append(word("undated-note", lang))
        about = None if one.subject.iri == cluster else one.subject
        views.append(SeriesView(one, name, about, chart, tuple(notes)))
    return views


@dataclass(frozen=True)
class MemberRow:
    """A membership: the role, the member, and when it began and ended where the data say."""

    role: Entity
    member: Actor
    membership: str | None
    begin: str | None = None
    end: str | None = None

    @property
    def dated(self) -> bool:
        """Whether the data give the membership a beginning or an end."""
        return self.begin is not None or self.end is not None


def member_rows(participants: Iterable[Row], dates: Iterable[Row]) -> list[MemberRow]:
    """The memberships of ``cluster-participants`` rows (one cluster), with the beginnings and
    ends of ``membership-dates.rq`` rows, in the participants' row order."""
    when: dict[str, tuple[str | None, str | None]] = {}
    for row in dates:
        membership = cell(row, "membership")
        if membership is not None:
            begin, end = when.get(membership, (None, None))
            when[membership] = (begin or cell(row, "begin"), end or cell(row, "end"))
    out: list[MemberRow] = []
    seen: set[tuple[str, str]] = set()
    for row in participants:
        role, member = row_entity(row, "role"), cell(row, "participant")
        if role is None or member is None or (role.iri, member) in seen:
            continue
        seen.add((role.iri, member))
        actor = Actor(
            member,
            row_label(row, ""),
            is_group=cell(row, "isGroup") == "true",
            group_size=cell_int(row, "groupSize"),
        )
        membership = cell(row, "membership")
        begin, end = when.get(membership or "", (None, None))
        out.append(MemberRow(role, actor, membership, begin, end))
    return out


def membership_note(rows: Sequence[MemberRow], lang: Lang) -> str | None:
    """What the data do not say about the memberships' dates, or None when all are dated.

    >>> membership_note([MemberRow(Entity("r"), Actor("m"), "x")], "en")
    'The source dates no membership of this cluster: no membership dates.'
    """
    undated = sum(not r.dated for r in rows)
    if not rows or not undated:
        return None
    if undated == len(rows):
        return word("no-membership-dates", lang)
    return word("some-undated", lang).format(n=undated, k=len(rows))


def date_text(value: str | None, lang: Lang) -> str:
    """A membership's beginning or end in words; a dash where the data give none."""
    return "—" if value is None else format_date(value, lang)


@dataclass(frozen=True)
class Dashboard:
    """A cluster's dashboard: the page model of ``explorer_cluster.html``."""

    header: ClusterHeader
    series: tuple[SeriesView, ...]
    roster: Markup | None
    members: tuple[MemberRow, ...]
    membership_note: str | None
    projects: tuple[Entity, ...]
    network: NetworkView | None = None
    """The cooperation network: its picture, summary and brokers (kg.analysis); None: not shown."""
    tasks: tuple[TaskView, ...] | None = None
    """The eight management tasks' findings (kg.analysis); None: not shown."""
    notes: tuple[str, ...] = field(default_factory=tuple)
