"""The article's eight tasks for cluster management companies, computed for one cluster:
:data:`TASKS` and :func:`management_tasks`.

Each task is answered by a named query (``queries/task-*.rq``, the cluster bound as an RDF
term) and says what in the graph it rests on: a sentence in English and Russian and the
ontology terms it reads. Each finding is one row of the query: its values (variable -> IRI or
lexical form) and the graphs that state it (the query's ``graphs``, the inferred graph dropped
where another graph states the same). A task with no finding says so plainly
(:attr:`TaskResult.empty`, :data:`NOTHING_YET`): the graph holds nothing for it yet.

>>> [t.notation for t in TASKS]
['1', '2', '3', '4', '5', '6', '7', '8']
>>> TASKS[0].iri
'https://w3id.org/clusterkg/id/management-task/smart-specialisation-niches'
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

import queries
from kg import rq
from kg.analysis.network import Row, Select, evidence, text
from kg.engine import binding
from kg.namespaces import CKG, ID

MTASK = str(ID) + "management-task/"
NOTHING_YET = {
    "en": "The graph holds nothing for this task yet.",
    "ru": "В графе пока нет данных для этой задачи.",
}
"""What a task with no finding says."""


@dataclass(frozen=True)
class Task:
    """One management task: its number in the article, its IRI, the named query that answers it,
    what it rests on (a sentence in English and Russian) and the ontology terms it reads."""

    notation: str
    slug: str
    query: str
    rests_on_en: str
    rests_on_ru: str
    terms: tuple[str, ...]

    @property
    def iri(self) -> str:
        """The task's IRI (``mtask:`` in the founding case)."""
        return MTASK + self.slug


def _terms(*names: str) -> tuple[str, ...]:
    return tuple(str(CKG) + n if ":" not in n else n for n in names)


ODRL = "http://www.w3.org/ns/odrl/2/"
ORG = "http://www.w3.org/ns/org#"

TASKS: tuple[Task, ...] = (
    Task(
        "1",
        "smart-specialisation-niches",
        "task-niches",
        "Technologies the cluster's projects go through, its stages and members use, counted per "
        "technology, with the clusters whose projects go through them.",
        "Технологии, на которых основаны проекты кластера и которые используют его переделы и "
        "участники, с числом переделов, участников и кластеров.",
        _terms("throughTechnology", "stageUsesTechnology", "usesTechnology", "projectOfCluster"),
    ),
    Task(
        "2",
        "rd-infrastructure",
        "task-rd-infrastructure",
        "Stages of the platforms of the cluster's projects at which no research or education "
        "organisation and no R&D participant of the project acts.",
        "Переделы платформ проектов кластера, на которых не действует ни научная или "
        "образовательная организация, ни участник НИОКР проекта.",
        _terms(
            "formsPlatform",
            "stageOf",
            "actsAtStage",
            "rdParticipant",
            "researchOrganisationRole",
            "educationOrganisationRole",
        ),
    ),
    Task(
        "3",
        "rd-project-support",
        "task-priority-projects",
        "The cluster's projects ranked by reach: the stages of their platforms times their "
        "participants times the IP rights they produced.",
        "Проекты кластера по охвату: число переделов их платформ, умноженное на число участников "
        "и на число созданных прав на РИД.",
        _terms(
            "projectOfCluster", "formsPlatform", "stageOf", "hasParticipant", "rdParticipant", "originProject"
        ),
    ),
    Task(
        "4",
        "inter-cluster-interaction",
        "task-inter-cluster",
        "Members of the cluster that are members of other clusters, through-technologies shared "
        "with projects of other clusters, and stated inter-cluster interaction.",
        "Участники кластера, входящие и в другие кластеры, сквозные технологии, общие с проектами "
        "других кластеров, и указанное межкластерное взаимодействие.",
        _terms(
            "ClusterMembership", "cluster", ORG + "member", "throughTechnology", "interClusterInteraction"
        ),
    ),
    Task(
        "5",
        "outsourcing-model",
        "task-outsourcing",
        "Stages of the platforms of the cluster's projects whose only actor is one named organisation.",
        "Переделы платформ проектов кластера, на которых действует лишь одна названная организация.",
        _terms("formsPlatform", "stageOf", "actsAtStage", "finisher", "OrganisationGroup"),
    ),
    Task(
        "6",
        "shared-infrastructure",
        "task-shared-services",
        "Members that provide services to other participants, and members in a service role that "
        "act at stages of several projects.",
        "Участники, оказывающие услуги другим участникам, и участники в роли сервисных компаний, "
        "действующие на переделах нескольких проектов.",
        _terms("providesServiceTo", "serviceProviderRole", "productionServiceProviderRole", "actsAtStage"),
    ),
    Task(
        "7",
        "open-innovation-education",
        "task-open-innovation-training",
        "Participants of the cluster's open-innovation projects that share no earlier project "
        "with any other participant (by start year).",
        "Участники проектов открытых инноваций кластера, не имевшие более ранних общих проектов "
        "ни с одним из других участников (по году начала).",
        _terms("innovationModel", "openInnovationModel", "hasParticipant", "rdParticipant", "startYear"),
    ),
    Task(
        "8",
        "ip-models",
        "task-ip-joint-use",
        "IP rights held jointly (holders and shares) from the cluster's projects or by its "
        "members, and licences between its members.",
        "Права на РИД в совместном владении (правообладатели и доли) из проектов кластера или его "
        "участников, и лицензии между участниками.",
        _terms(
            "hasHolding",
            "holder",
            "sharePercent",
            "originProject",
            "Licence",
            ODRL + "assigner",
            ODRL + "assignee",
            ODRL + "target",
        ),
    ),
)
"""The eight tasks, in the article's order."""


@dataclass(frozen=True)
class Finding:
    """One row of a task's query: its values (variable -> IRI or lexical form) and its graphs."""

    values: Mapping[str, str]
    graphs: tuple[str, ...]


@dataclass(frozen=True)
class TaskResult:
    """A task's answer for one cluster: the task, its labels in the graph, and its findings."""

    task: Task
    label_en: str | None
    label_ru: str | None
    findings: tuple[Finding, ...]

    @property
    def empty(self) -> bool:
        """True when the graph holds nothing for the task yet."""
        return not self.findings


def finding(row: Row) -> Finding:
    """A query row as a finding: ``graphs`` split into the evidence, the other values as text.

    >>> finding({"x": ox.Literal("1"), "graphs": ox.Literal("b a")})
    Finding(values={'x': '1'}, graphs=('a', 'b'))
    """
    values = {k: v for k in sorted(row) if k != "graphs" and (v := text(row, k)) is not None}
    return Finding(values, evidence((text(row, "graphs") or "").split()))


async def run_task(select: Select, task: Task, cluster: str) -> tuple[Finding, ...]:
    """The findings of one task for a cluster (its IRI)."""
    query = binding.bind_values(queries.get(task.query).text, {"cluster": ox.NamedNode(cluster)})
    return tuple(finding(row) for row in await select(query))


async def management_tasks(select: Select, cluster: str) -> tuple[TaskResult, ...]:
    """The eight tasks' findings for a cluster (its IRI), in the article's order."""
    label_rows = await select(rq.load("tasks-labels"))
    found = await asyncio.gather(*(run_task(select, t, cluster) for t in TASKS))
    labels: dict[str, dict[str, str]] = {}
    for row in label_rows:
        iri = text(row, "task")
        if iri is not None:
            for lang, name in (("en", "labelEn"), ("ru", "labelRu")):
                if (label := text(row, name)) is not None:
                    labels.setdefault(iri, {})[lang] = label
    return tuple(
        TaskResult(task, labels.get(task.iri, {}).get("en"), labels.get(task.iri, {}).get("ru"), findings)
        for task, findings in zip(TASKS, found, strict=True)
    )
