"""Test data with hubs: a cluster with many memberships, a platform with many stages.

Written as Turtle and uploaded through the Graph Store Protocol, so it is validated like any
write; it conforms to the shapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

from tests.conftest import TOKEN

SIZE = 250
"""Memberships of the cluster."""
STAGES = 80
"""Stages of the platform (each is checked against all the others: uniqueOrder)."""
SYN = "https://w3id.org/clusterkg/synthetic/id/"
GRAPH = "https://w3id.org/clusterkg/synthetic/graph/hubs"
CLUSTER = SYN + "cluster/hub"
PLATFORM = SYN + "platform/hub"
PREFIXES = """@prefix ckg: <https://w3id.org/clusterkg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}


def membership(i: int) -> str:
    return f"{SYN}membership/hub-m{i}"


def enterprise(i: int) -> str:
    return f"{SYN}organisation/hub-e{i}"


def stage(i: int) -> str:
    return f"{SYN}stage/hub-s{i}"


def turtle() -> str:
    """The hubs, as Turtle."""
    lines = [
        PREFIXES,
        f'<{CLUSTER}> a ckg:Cluster ; ckg:synthetic true ; rdfs:label "Hub cluster"@en .',
        f"<{PLATFORM}> a ckg:TechnologyPlatform ; ckg:synthetic true ; "
        f'rdfs:label "Hub platform"@en ; ckg:stageCount {STAGES + 10} .',
    ]
    for i in range(SIZE):
        lines.append(
            f'<{enterprise(i)}> a ckg:Enterprise ; ckg:synthetic true ; rdfs:label "Enterprise {i}"@en .'
        )
        lines.append(
            f"<{membership(i)}> a ckg:ClusterMembership ; ckg:synthetic true ; "
            f"org:member <{enterprise(i)}> ; ckg:cluster <{CLUSTER}> ; ckg:clusterRole ckg:supplierRole ."
        )
    for i in range(STAGES):
        lines.append(
            f'<{stage(i)}> a ckg:ProductionStage ; ckg:synthetic true ; rdfs:label "Stage {i}"@en ; '
            f"ckg:stageOf <{PLATFORM}> ; ckg:stageOrder {i + 1} ."
        )
    return "\n".join(lines) + "\n"


def upload(client: TestClient) -> None:
    """Put the hubs in the store (in their own graph)."""
    answer = client.put("/store", params={"graph": GRAPH}, content=turtle(), headers=AUTH)
    assert answer.status_code == 201, answer.text
