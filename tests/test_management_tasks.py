"""The eight management tasks: each named query (``queries/task-*.rq``) finds exactly the known rows
of the synthetic fixture ``tests/data/analysis/cooperation.trig`` (cluster Gamma), with the graphs
that state them; and :func:`kg.analysis.management_tasks` answers all eight, saying plainly when the
graph holds nothing for one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import make_store

from kg.analysis import TASKS, management_tasks, store_select
from kg.analysis.tasks import NOTHING_YET, run_task
from kg.sources import founding_case_files, load_sources

FIXTURE = Path(__file__).resolve().parent / "data" / "analysis" / "cooperation.trig"
S = "https://w3id.org/clusterkg/synthetic/"
GAMMA = S + "id/cluster/an-gamma"
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """The founding case and the fixture, inferences materialised."""
    return make_store(load_sources([*founding_case_files(), FIXTURE]))


def short(value: str) -> str:
    """An IRI's last segment (or a term's local name), a literal as it is."""
    return value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def found(store: ox.Store, notation: str, cluster: str = GAMMA) -> list[tuple[dict[str, str], list[str]]]:
    task = next(t for t in TASKS if t.notation == notation)
    rows = asyncio.run(run_task(store_select(store), task, cluster))
    return [
        (
            {k: short(v) for k, v in f.values.items() if not k.endswith(("LabelEn", "LabelRu"))},
            [short(g) for g in f.graphs],
        )
        for f in rows
    ]


def test_niches_count_stages_participants_projects_and_clusters(store: ox.Store) -> None:
    assert found(store, "1") == [
        (
            {"cluster": "an-gamma", "technology": "an-composites", "stageCount": "3", "participantCount": "4",
             "projectCount": "1", "clusterCount": "2"},
            ["p1"],
        )
    ]  # fmt: skip


def test_rd_infrastructure_lists_the_stages_without_an_rd_partner(store: ox.Store) -> None:
    # s1: the supplier takes part in P1's R&D; s2: the lab is a research organisation.
    assert found(store, "2") == [
        (
            {"cluster": "an-gamma", "project": "an-p1", "platform": "an-p1", "stage": "an-s3",
             "stageOrder": "3", "actorCount": "1", "rdParticipantCount": "1"},
            ["p1-platform"],
        ),
        (
            {"cluster": "an-gamma", "project": "an-p3", "platform": "an-p3", "stage": "an-s4",
             "actorCount": "1", "rdParticipantCount": "0"},
            ["p3"],
        ),
    ]  # fmt: skip


def test_priority_projects_are_ranked_by_reach(store: ox.Store) -> None:
    assert found(store, "3") == [
        (
            {"cluster": "an-gamma", "project": "an-p1", "startYear": "2016", "stageCount": "3",
             "participantCount": "3", "ipRightCount": "1", "reach": "9"},
            ["p1", "p1-platform", "patent"],
        ),
        (
            {"cluster": "an-gamma", "project": "an-p3", "startYear": "2020", "stageCount": "1",
             "participantCount": "3", "ipRightCount": "0", "reach": "0"},
            ["p3"],
        ),
    ]  # fmt: skip


def test_inter_cluster_finds_the_shared_member_technology_and_interaction(store: ox.Store) -> None:
    assert found(store, "4") == [
        (
            {"cluster": "an-gamma", "kind": "interaction", "subject": "interClusterInteraction",
             "otherCluster": "an-delta"},
            ["interaction"],
        ),
        (
            {"cluster": "an-gamma", "kind": "organisation", "subject": "an-lab", "otherCluster": "an-delta"},
            ["lab-delta", "members"],
        ),
        (
            {"cluster": "an-gamma", "kind": "technology", "subject": "an-composites",
             "otherCluster": "an-delta"},
            ["p1", "p2"],
        ),
    ]  # fmt: skip


def test_outsourcing_lists_stages_with_a_single_named_actor(store: ox.Store) -> None:
    common = {"cluster": "an-gamma"}
    assert found(store, "5") == [
        ({**common, "project": "an-p1", "platform": "an-p1", "stage": "an-s1", "stageOrder": "1",
          "supplier": "an-supplier", "isFinisher": "false"}, ["p1-platform"]),
        ({**common, "project": "an-p1", "platform": "an-p1", "stage": "an-s3", "stageOrder": "3",
          "supplier": "an-anchor", "isFinisher": "true"}, ["p1-platform"]),
        ({**common, "project": "an-p3", "platform": "an-p3", "stage": "an-s4", "supplier": "an-service",
          "isFinisher": "false"}, ["p3"]),
    ]  # fmt: skip


def test_shared_services_count_clients_and_projects(store: ox.Store) -> None:
    assert found(store, "6") == [
        (
            {"cluster": "an-gamma", "provider": "an-service", "clientCount": "3", "memberClientCount": "2",
             "projectCount": "2"},
            ["p1-platform", "p3", "services"],
        )
    ]  # fmt: skip


def test_open_innovation_training_finds_the_newcomer_only(store: ox.Store) -> None:
    # The anchor and the supplier worked together on P1 (2016) before P3 (2020).
    assert found(store, "7") == [
        (
            {"cluster": "an-gamma", "project": "an-p3", "startYear": "2020", "participant": "an-newcomer"},
            ["p3"],
        )
    ]


def test_ip_joint_use_lists_holders_shares_and_licences(store: ox.Store) -> None:
    assert found(store, "8") == [
        ({"cluster": "an-gamma", "kind": "joint-holding", "right": "an-patent", "holder": "an-anchor",
          "share": "70"}, ["patent"]),
        ({"cluster": "an-gamma", "kind": "joint-holding", "right": "an-patent", "holder": "an-supplier",
          "share": "30"}, ["patent"]),
        ({"cluster": "an-gamma", "kind": "licence", "right": "an-patent", "licence": "an-licence",
          "assigner": "an-anchor", "assignee": "an-newcomer"}, ["licence"]),
    ]  # fmt: skip


def test_the_cluster_binding_keeps_other_clusters_out(store: ox.Store) -> None:
    delta = S + "id/cluster/an-delta"
    assert [v["kind"] for v, _ in found(store, "4", delta)] == ["interaction", "organisation", "technology"]
    assert all(v["cluster"] == "an-delta" for v, _ in found(store, "4", delta))
    assert found(store, "3", delta)[0][0]["project"] == "an-p2"
    assert found(store, "7", delta) == []


def test_every_task_answers_with_its_labels_and_says_when_the_graph_holds_nothing(store: ox.Store) -> None:
    results = asyncio.run(management_tasks(store_select(store), BIOMED))
    assert [r.task.notation for r in results] == [str(n) for n in range(1, 9)]
    assert all(r.label_en and r.label_ru for r in results)
    assert results[0].label_en == (
        "identify promising technological and product niches of the cluster within smart specialisation"
    )
    empty = {r.task.notation for r in results if r.empty}
    assert empty == {"4", "5", "6", "8"}  # one cluster, no named single supplier, no service, no IP
    assert NOTHING_YET["en"] == "The graph holds nothing for this task yet."
    niche = results[0].findings[0]
    assert niche.values["technology"] == "https://w3id.org/clusterkg/id/technology/minimally-invasive-surgery"
    assert niche.graphs == (
        "https://w3id.org/clusterkg/id/claim/medinzh-finisher-designs",
        "https://w3id.org/clusterkg/id/claim/medinzh-project-through-technology",
    )
