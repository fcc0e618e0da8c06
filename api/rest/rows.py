"""SPARQL rows to resource models: the ``{id}`` of an IRI, labels, links, and the grouping of
the many rows of ``kg/rq/api-*.rq`` into the models of :mod:`api.rest.models`.

A resource's ``{id}`` is its slug under the id namespace ``https://w3id.org/clusterkg/id/<kind>/``
or, after it, under the synthetic one ``https://w3id.org/clusterkg/synthetic/id/<kind>/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, TypeVar

import pyoxigraph as ox

from api.rest.models import (
    Cluster,
    Holder,
    IPRight,
    Labels,
    Licence,
    Member,
    OrganizationSummary,
    ProjectSummary,
    Ref,
    Region,
    Stage,
    TechnologySummary,
)
from kg import namespaces
from kg.entities import cell_int
from kg.terms import Term

ID = str(namespaces.ID)
SYNTHETIC_ID = str(namespaces.SYNTH) + "id/"
NAMESPACES = (ID, SYNTHETIC_ID)
"""Where ``{id}`` is looked up, in this order."""
SLUG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._~-]{0,198}[A-Za-z0-9])?")
Row = dict[str, Term]
T = TypeVar("T", bound=Ref)


def slug_of(iri: str) -> str | None:
    """The slug of an IRI under the id (or synthetic id) namespace, else ``None``."""
    return iri.rsplit("/", 1)[-1] if iri.startswith(NAMESPACES) else None


def resource_slug(iri: str, kinds: Sequence[str]) -> str | None:
    """The ``{id}`` that finds the IRI among resources of these kinds, else ``None``.

    >>> resource_slug("https://w3id.org/clusterkg/synthetic/id/group/g-1", ("organization", "group"))
    'g-1'
    >>> resource_slug("https://w3id.org/clusterkg/id/cluster/a/b", ("cluster",)) is None
    True
    """
    for namespace in NAMESPACES:
        for kind in kinds:
            slug = iri.removeprefix(f"{namespace}{kind}/")
            if slug != iri and SLUG.fullmatch(slug):
                return slug
    return None


def resource_links(path: str, iri: str, slug: str, *, explorer: bool = False) -> dict[str, str]:
    """Self (``/api/<path>/<slug>``) and, in the id namespace, the resource page and the explorer's.

    >>> resource_links("organizations", ID + "group/g", "g")
    {'self': '/api/organizations/g', 'html': '/id/group/g'}
    """
    found = {"self": f"/api/{path}/{slug}"}
    if iri.startswith(ID):
        found["html"] = "/id/" + iri.removeprefix(ID)
        if explorer:
            found["explorer"] = "/explore/" + iri.removeprefix(ID)
    return found


def text(row: Row, name: str) -> str | None:
    """The IRI or lexical form bound to a variable, else ``None``."""
    term = row.get(name)
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


def is_true(row: Row, name: str) -> bool:
    """Whether a variable is bound to a true boolean."""
    return text(row, name) in ("true", "1")


def labels(row: Row, name: str) -> Labels:
    """The labels bound to ``<name>LabelEn`` and ``<name>LabelRu``."""
    return Labels(en=text(row, name + "LabelEn"), ru=text(row, name + "LabelRu"))


def ref(row: Row, name: str) -> Ref | None:
    """A link to the resource bound to a variable, with its labels (``None`` when unbound)."""
    iri = text(row, name)
    return None if iri is None else Ref(iri=iri, id=slug_of(iri), labels=labels(row, name))


def member(row: Row, name: str) -> Member | None:
    """The organisation or group bound to a variable, with its labels and group facts."""
    iri = text(row, name)
    if iri is None:
        return None
    return Member(
        iri=iri,
        id=slug_of(iri),
        labels=labels(row, name),
        is_group=is_true(row, name + "IsGroup"),
        group_size=cell_int(row, name + "GroupSize"),
    )


def unique(rows: Iterable[Row], make: Callable[[Row, str], T | None], name: str) -> list[T]:
    """The distinct resources of a variable, in row order."""
    seen: dict[str, T] = {}
    for row in rows:
        item = make(row, name)
        if item is not None and item.iri not in seen:
            seen[item.iri] = item
    return list(seen.values())


def clusters(rows: list[Row]) -> list[Cluster]:
    """The clusters of ``api-clusters`` rows (one per specialisation), those ``{id}`` finds."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(text(row, "cluster") or "", []).append(row)
    found = []
    for iri, group in grouped.items():
        slug = resource_slug(iri, ("cluster",))
        if slug is None:
            continue
        first = group[0]
        region = text(first, "region")
        found.append(
            Cluster(
                iri=iri,
                id=slug,
                labels=labels(first, "cluster"),
                region=None
                if region is None
                else Region(iri=region, code=text(first, "regionCode"), labels=labels(first, "region")),
                type=ref(first, "type"),
                specialisations=unique(group, ref, "specialisation"),
                participant_count=cell_int(first, "participants"),
                participant_count_as_of=text(first, "participantsAsOf"),
                links=resource_links("clusters", iri, slug, explorer=True),
            )
        )
    return found


def kind(row: Row) -> Literal["enterprise", "group"] | None:
    """An agent's kind from ``isGroup`` and ``isEnterprise``."""
    return "group" if is_true(row, "isGroup") else "enterprise" if is_true(row, "isEnterprise") else None


def stages(rows: list[Row]) -> list[Stage]:
    """The stages of ``api-project-stages`` rows, each with its distinct actors, in row order."""
    found: dict[str, Stage] = {}
    for row in rows:
        iri = text(row, "stage")
        if iri is None:
            continue
        stage = found.setdefault(
            iri, Stage(order=cell_int(row, "stageOrder"), iri=iri, labels=labels(row, "stage"), actors=[])
        )
        actor = member(row, "actor")
        if actor is not None and all(a.iri != actor.iri for a in stage.actors):
            stage.actors.append(actor)
    return list(found.values())


def ip_rights(rows: list[Row]) -> list[IPRight]:
    """The IP rights of ``api-ip-rights`` rows, with their holders (and shares) and licences."""
    rights: dict[str, IPRight] = {}
    for row in rows:
        iri = text(row, "right") or ""
        right = rights.setdefault(
            iri,
            IPRight(
                iri=iri,
                type=ref(row, "type"),
                number=text(row, "number"),
                year=text(row, "year"),
                holders=[],
                licences=[],
            ),
        )
        party = ref(row, "party")
        relation = text(row, "relation")
        if party is None:
            continue
        if relation == "holder" and all(h.iri != party.iri for h in right.holders):
            share = text(row, "share")
            right.holders.append(
                Holder(**party.model_dump(), share_percent=None if share is None else float(share))
            )
        licence_iri = text(row, "licence")
        if relation == "licensee" and licence_iri is not None:
            licence = next((x for x in right.licences if x.iri == licence_iri), None)
            if licence is None:
                exclusive = text(row, "exclusive")
                licence = Licence(
                    iri=licence_iri,
                    licensee=party,
                    licensor=ref(row, "licensor"),
                    exclusive=None if exclusive is None else exclusive in ("true", "1"),
                    actions=[],
                )
                right.licences.append(licence)
            action = text(row, "action")
            if action is not None and action not in licence.actions:
                licence.actions.append(action)
    return list(rights.values())


def organization_summary(row: Row) -> OrganizationSummary | None:
    """An ``api-list-organizations`` row as a list shows it (``None`` if ``{id}`` cannot find it)."""
    iri = text(row, "organization") or ""
    slug = resource_slug(iri, ("organization", "group"))
    if slug is None:
        return None
    return OrganizationSummary(
        iri=iri,
        id=slug,
        labels=labels(row, "organization"),
        kind=kind(row),
        group_size=cell_int(row, "groupSize"),
        links=resource_links("organizations", iri, slug),
    )


def project_summary(row: Row) -> ProjectSummary | None:
    """An ``api-list-projects`` row as a list shows it (``None`` if ``{id}`` cannot find it)."""
    iri = text(row, "project") or ""
    slug = resource_slug(iri, ("project",))
    if slug is None:
        return None
    return ProjectSummary(
        iri=iri,
        id=slug,
        labels=labels(row, "project"),
        start_year=cell_int(row, "startYear"),
        links=resource_links("projects", iri, slug),
    )


def technology_summary(row: Row) -> TechnologySummary | None:
    """An ``api-list-technologies`` row as a list shows it (``None`` if ``{id}`` cannot find it)."""
    iri = text(row, "technology") or ""
    slug = resource_slug(iri, ("technology",))
    if slug is None:
        return None
    return TechnologySummary(
        iri=iri, id=slug, labels=labels(row, "technology"), links=resource_links("technologies", iri, slug)
    )
