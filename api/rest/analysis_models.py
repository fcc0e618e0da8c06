"""The JSON shapes of ``/api/clusters/{id}/network`` and ``/api/clusters/{id}/tasks``: the
cooperation network (:mod:`kg.analysis.model`, :mod:`kg.analysis.exports`) and the eight
management tasks' findings (:mod:`kg.analysis.tasks`), published in ``/openapi.json``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.rest.models import BIOMED, Labels

KIND = Literal["project", "ip-right", "licence", "technology", "supply", "service"]


class Position(BaseModel):
    """Where to draw a node, in the unit square (deterministic for the same network)."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)


class NetworkNode(BaseModel):
    """An agent of the network with its metrics."""

    iri: str
    labels: Labels
    kind: Literal["enterprise", "organisation", "group", "agent"] = Field(
        description="`group`: a group of unnamed organisations (ckg:OrganisationGroup)."
    )
    group_size: int | None = Field(None, description="The group's size, where the source states it.")
    member: bool = Field(description="Whether it has a membership in the cluster (else a project partner).")
    roles: list[str] = Field(description="Its roles in the cluster (IRIs).")
    degree: int = Field(description="Its neighbours.")
    weighted_degree: int = Field(description="The sum of the weights of its edges.")
    betweenness: float = Field(description="Betweenness centrality, normalised, on the unweighted graph.")
    community: int = Field(description="Its community (Louvain, seed 0), numbered from 0, the largest first.")
    position: Position | None = None


class EdgeReason(BaseModel):
    """One reason for an edge and the graphs that state it."""

    kind: KIND
    via: str | None = Field(
        description="The project, right, licence, technology or platform; null for a service."
    )
    via_labels: Labels
    direction: Literal["forward", "backward"] | None = Field(
        description="`forward`: from source to target (licensor, supplier, provider first); "
        "null: no direction."
    )
    graphs: list[str] = Field(description="The named graphs that state it.")


class NetworkEdge(BaseModel):
    """Two cooperating agents (source < target by IRI), with the reasons for it."""

    source: str
    target: str
    weight: int = Field(description="The number of reasons.")
    kinds: list[KIND]
    reasons: list[EdgeReason]
    graphs: list[str]


class ClusterLabels(BaseModel):
    """The cluster a network or a task list is of."""

    iri: str = Field(examples=[BIOMED])
    labels: Labels


class NetworkAnswer(BaseModel):
    """The cooperation network of a cluster."""

    cluster: ClusterLabels
    communities: int
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]


class TaskFinding(BaseModel):
    """One finding: the row of the task's named query and the graphs that state it."""

    values: dict[str, str] = Field(description="Each bound variable of the row: an IRI or a lexical form.")
    graphs: list[str]


class TaskAnswer(BaseModel):
    """One management task for a cluster: what it is, what it rests on, and its findings."""

    notation: str = Field(description="Its number in the article's list.", examples=["1"])
    task: str = Field(description="The task's IRI.")
    labels: Labels
    query: str = Field(description="The named query that answers it (`/api/queries/{query}`).")
    rests_on: Labels = Field(description="What in the graph it rests on, in words.")
    terms: list[str] = Field(description="The ontology terms it reads.")
    findings: list[TaskFinding]
    empty: bool = Field(description="True when the graph holds nothing for this task yet.")
    note: Labels | None = Field(None, description="Says so when `empty`.")


class TasksAnswer(BaseModel):
    """The eight management tasks for a cluster, in the article's order."""

    cluster: ClusterLabels
    tasks: list[TaskAnswer]
