"""The JSON shapes of the resource endpoints (``/api/clusters``, ``/api/projects/{id}``, ...).

Every resource carries its ``iri`` and its ``id`` (the slug: the last segment of
``https://w3id.org/clusterkg/id/<kind>/<id>``, or of the same under the synthetic namespace
``https://w3id.org/clusterkg/synthetic/id/``), and its ``labels`` in English and Russian; the
``id`` is what ``/api/<kind>/{id}`` takes. A link to another resource is a :class:`Ref`.
Many-valued links are lists (possibly empty), single-valued facts are ``null`` when the graph
does not state them. A list (``/api/organizations`` ...) is a page: its rows, ``limit`` and
``offset``. Field names are snake_case; the schemas are published in ``/openapi.json``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schema.openapi import ErrorBody as ErrorBody  # the error answer, documented in one place

MEDINZH = "https://w3id.org/clusterkg/id/organization/medinzh"
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"
PROJECT = "https://w3id.org/clusterkg/id/project/medinzh-x-ray-endovascular-devices"
MIS = "https://w3id.org/clusterkg/id/technology/minimally-invasive-surgery"


class Labels(BaseModel):
    """A resource's labels (``rdfs:label``) in English and Russian."""

    en: str | None = Field(
        None, description="The English label.", examples=["MedInzh research and production enterprise"]
    )
    ru: str | None = Field(
        None, description="The Russian label.", examples=["Научно-производственное предприятие «МедИнж»"]
    )


class Ref(BaseModel):
    """A link to another resource or concept of the graph."""

    iri: str = Field(description="The resource's IRI.", examples=[MEDINZH])
    id: str | None = Field(
        None,
        description="Its slug under the id (or synthetic id) namespace; null for ontology terms.",
        examples=["medinzh"],
    )
    labels: Labels = Field(description="Its labels.")


class Member(Ref):
    """An organisation, or a group of organisations the source asserts without naming them."""

    is_group: bool = Field(
        False, description="Whether it is a group of unnamed organisations (ckg:OrganisationGroup)."
    )
    group_size: int | None = Field(
        None, description="The group's size, where the source states one.", examples=[11]
    )


class Region(BaseModel):
    """A cluster's region."""

    iri: str = Field(
        description="The region's IRI.", examples=["https://w3id.org/clusterkg/id/region/RU-PNZ"]
    )
    code: str | None = Field(None, description="Its ISO 3166-2 code.", examples=["RU-PNZ"])
    labels: Labels = Field(description="Its labels.")


class Cluster(BaseModel):
    """An industrial cluster."""

    iri: str = Field(description="The cluster's IRI.", examples=[BIOMED])
    id: str = Field(description="Its slug.", examples=["biomed"])
    labels: Labels = Field(description="Its labels.")
    region: Region | None = Field(None, description="The region the cluster is in.")
    type: Ref | None = Field(None, description="The cluster type (ckg:ClusterTypeScheme).")
    specialisations: list[Ref] = Field(default_factory=list, description="Its specialisation areas.")
    participant_count: int | None = Field(
        None, description="The latest stated number of participants.", examples=[28]
    )
    participant_count_as_of: str | None = Field(
        None,
        description="The reference time of that count (xsd:gYearMonth, gYear or date).",
        examples=["2018-05"],
    )
    links: dict[str, str] = Field(
        default_factory=dict,
        description="Related URLs on this server: self (this JSON); for the id namespace's resources"
        " also html (the resource page) and explorer.",
        examples=[
            {
                "self": "/api/clusters/biomed",
                "html": "/id/cluster/biomed",
                "explorer": "/explore/cluster/biomed",
            }
        ],
    )


class Page(BaseModel):
    """Where a page of a list starts, and its size."""

    limit: int = Field(description="The page size asked for.", examples=[100])
    offset: int = Field(description="The resources skipped.", examples=[0])


class ClusterList(Page):
    """A page of the clusters of the graph."""

    clusters: list[Cluster] = Field(description="The clusters, by English label.")


class Summary(BaseModel):
    """A resource as a list shows it."""

    iri: str = Field(description="The resource's IRI.", examples=[MEDINZH])
    id: str = Field(description="Its slug: /api/<kind>/{id} gives the whole resource.", examples=["medinzh"])
    labels: Labels = Field(description="Its labels.")
    links: dict[str, str] = Field(
        default_factory=dict,
        description="Related URLs on this server: self (its JSON); html for the id namespace's resources.",
        examples=[{"self": "/api/organizations/medinzh", "html": "/id/organization/medinzh"}],
    )


class OrganizationSummary(Summary):
    """An organisation or group as ``/api/organizations`` lists it."""

    kind: Literal["enterprise", "group"] | None = Field(
        None,
        description="enterprise (ckg:Enterprise), group (ckg:OrganisationGroup), or null for other agents.",
    )
    group_size: int | None = Field(None, description="A group's size, where the source states one.")


class OrganizationList(Page):
    """A page of the organisations and groups."""

    organizations: list[OrganizationSummary] = Field(description="The organisations, by English label.")


class ProjectSummary(Summary):
    """A cooperation project as ``/api/projects`` lists it."""

    start_year: int | None = Field(None, description="The year it started.", examples=[2015])


class ProjectList(Page):
    """A page of the cooperation projects."""

    projects: list[ProjectSummary] = Field(description="The projects, by start year and English label.")


class TechnologySummary(Summary):
    """A technology as ``/api/technologies`` lists it."""


class TechnologyList(Page):
    """A page of the technologies."""

    technologies: list[TechnologySummary] = Field(description="The technologies, by English label.")


class RoleMembers(BaseModel):
    """The members of a cluster in one role."""

    role: Ref = Field(description="The cluster role (a concept of the ontology).")
    members: list[Member] = Field(description="The members in this role.")


class ClusterDetail(Cluster):
    """A cluster with its participants by role and its cooperation projects."""

    participants_by_role: list[RoleMembers] = Field(description="The memberships, grouped by role.")
    projects: list[Ref] = Field(description="The cooperation projects of the cluster.")


class Membership(BaseModel):
    """An organisation's membership of a cluster."""

    cluster: Ref = Field(description="The cluster.")
    role: Ref = Field(description="The role in the cluster.")


class Organization(BaseModel):
    """An organisation, or a group of organisations the source does not name."""

    iri: str = Field(description="The organisation's IRI.", examples=[MEDINZH])
    id: str = Field(description="Its slug.", examples=["medinzh"])
    labels: Labels = Field(description="Its labels.")
    kind: Literal["enterprise", "group"] | None = Field(
        None,
        description="enterprise (ckg:Enterprise), group (ckg:OrganisationGroup), or null for other agents.",
    )
    group_size: int | None = Field(None, description="A group's size, where the source states one.")
    memberships: list[Membership] = Field(description="Its cluster memberships and roles.")
    projects: list[Ref] = Field(description="The projects it takes part in or acts at a stage of.")
    technologies: list[Ref] = Field(description="The technologies it uses (stated or inferred).")


class Stage(BaseModel):
    """A production stage of a project's technology platform."""

    order: int | None = Field(None, description="The stage's position (1 = first).", examples=[1])
    iri: str = Field(description="The stage's IRI.")
    labels: Labels = Field(description="Its labels.")
    actors: list[Member] = Field(description="Who acts at the stage.")


class Holder(Ref):
    """A holder of an IP right."""

    share_percent: float | None = Field(None, description="The holder's share in per cent.", examples=[50])


class Licence(BaseModel):
    """A licence granted on an IP right."""

    iri: str = Field(description="The licence's IRI.")
    licensee: Ref = Field(description="Who may use the right.")
    licensor: Ref | None = Field(None, description="Who grants the licence.")
    exclusive: bool | None = Field(None, description="Whether the licence is exclusive.")
    actions: list[str] = Field(description="The IRIs of the ODRL actions it permits.")


class IPRight(BaseModel):
    """An intellectual property right that came out of a project."""

    iri: str = Field(description="The right's IRI.")
    type: Ref | None = Field(None, description="Its most specific kind (patent, utility model, know-how...).")
    number: str | None = Field(None, description="Its registration number.")
    year: str | None = Field(None, description="Its registration year.")
    holders: list[Holder] = Field(description="The holders and their shares.")
    licences: list[Licence] = Field(description="The licences granted on it.")


class Project(BaseModel):
    """A cooperation project of one or more clusters."""

    iri: str = Field(description="The project's IRI.", examples=[PROJECT])
    id: str = Field(description="Its slug.", examples=["medinzh-x-ray-endovascular-devices"])
    labels: Labels = Field(description="Its labels.")
    clusters: list[Ref] = Field(
        description="The clusters it belongs to (several for a cross-cluster project)."
    )
    initiators: list[Ref] = Field(description="Who initiated it.")
    start_year: int | None = Field(None, description="The year it started.", examples=[2015])
    production_launch_year: int | None = Field(
        None, description="The year its products went into production."
    )
    production_launch_within: str | None = Field(
        None,
        description="The time within which, as the source states, its products were developed and launched"
        " into production (xsd:duration); the source need not say from when it counts.",
        examples=["P3Y"],
    )
    through_technologies: list[Ref] = Field(description="The through-technologies uniting its participants.")
    innovation_models: list[Ref] = Field(description="The innovation models it follows.")
    stage_count: int | None = Field(None, description="The number of stages the source states.", examples=[5])
    stages: list[Stage] = Field(
        description="The stages of its technology platform: in order where the source orders them (with"
        " `order`), else without an order."
    )
    finishers: list[Ref] = Field(description="The enterprises that finish the product (final assembly).")
    participants: list[Member] = Field(description="Its participants and the actors at its stages.")
    rd_participants: list[Member] = Field(
        description="Who took part in the research and development carried out within it (ckg:rdParticipant):"
        " a group the source does not name comes as one member with its size, e.g. 11 companies of the"
        " cluster. The initiator of that R&D is listed only where the source says it took part."
    )
    rd_initiators: list[Ref] = Field(
        description="On whose initiative its research and development was started."
    )
    ip_rights: list[IPRight] = Field(description="The IP rights that came out of it.")


class Technology(BaseModel):
    """A technology (a through-technology, for instance)."""

    iri: str = Field(description="The technology's IRI.", examples=[MIS])
    id: str = Field(description="Its slug.", examples=["minimally-invasive-surgery"])
    labels: Labels = Field(description="Its labels.")
    broader: list[Ref] = Field(description="Broader technologies (skos:broader).")
    users: list[Member] = Field(description="The organisations and groups that use it (stated or inferred).")
    projects: list[Ref] = Field(description="The projects with it as their through-technology.")
