"""The synthetic multi-cluster case makes every analysis of issue 13 show something.

One module-scoped store: ``clusterkg generate --load``'s path (:func:`kg.generate.load.generate_and_build`)
at a small scale with the founding case, served by the real app and managed Oxigraph. Over it,
each of the eight management tasks finds rows in some synthetic cluster, the cooperation
network has every kind of edge, the "as of a date" queries answer, and the dashboard and the
compare page draw charts and a network. This is the bounded CI version of
``bench/bench_analysis.py`` (which times the same routes on 1M triples): no timing here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kg import generate
from kg.analysis import EDGE_KINDS
from kg.generate.load import generate_and_build
from kg.progress import SilentReporter
from kg.settings import Settings

TASKS = (
    "task-niches", "task-rd-infrastructure", "task-priority-projects", "task-inter-cluster",
    "task-outsourcing", "task-shared-services", "task-open-innovation-training", "task-ip-joint-use",
)  # fmt: skip
CLUSTER = generate.SYN_ID + "cluster/"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The founding case and about 9k synthetic triples, built as ``generate --load`` builds them."""
    settings = Settings(store=tmp_path_factory.mktemp("synthetic") / "store", query_timeout_s=20)
    generate_and_build(settings, 9_000, progress=SilentReporter(), full_max=2_000, sample=3_000)
    with TestClient(create_app(settings)) as client:
        yield client


def synthetic_clusters(client: TestClient) -> list[str]:
    response = client.get("/api/queries/clusters", params={"limit": 1000})
    assert response.status_code == 200, response.text
    iris = {row["cluster"]["iri"] for row in response.json()["rows"]}
    found = sorted(iri for iri in iris if iri.startswith(CLUSTER))
    assert len(found) >= 4, found
    return found


def test_every_management_task_finds_something_in_the_synthetic_case(synthetic: TestClient) -> None:
    clusters = synthetic_clusters(synthetic)
    for task in TASKS:
        rows = 0
        for cluster in clusters:
            response = synthetic.get(f"/api/queries/{task}", params={"cluster": cluster})
            assert response.status_code == 200, (task, response.text)
            rows += len(response.json()["rows"])
        assert rows > 0, f"{task} finds nothing in any synthetic cluster"


def test_the_tasks_route_says_which_tasks_have_findings(synthetic: TestClient) -> None:
    slug = synthetic_clusters(synthetic)[0].rsplit("/", 1)[-1]
    response = synthetic.get(f"/api/clusters/{slug}/tasks")
    assert response.status_code == 200, response.text
    tasks = response.json()["tasks"]
    assert [t["notation"] for t in tasks] == [str(n) for n in range(1, 9)]
    assert sum(1 for t in tasks if t["findings"]) >= 4


def test_the_networks_have_every_kind_of_edge(synthetic: TestClient) -> None:
    kinds: set[str] = set()
    for cluster in synthetic_clusters(synthetic):
        response = synthetic.get(f"/api/clusters/{cluster.rsplit('/', 1)[-1]}/network")
        assert response.status_code == 200, response.text
        network = response.json()
        assert network["nodes"], cluster
        assert all(edge["reasons"] for edge in network["edges"])
        kinds |= {reason["kind"] for edge in network["edges"] for reason in edge["reasons"]}
    assert kinds == set(EDGE_KINDS)


def test_indicators_over_time_and_members_on_a_date(synthetic: TestClient) -> None:
    cluster = synthetic_clusters(synthetic)[0]
    series = synthetic.get(
        "/api/queries/indicator-series", params={"subject": cluster, "indicator": "ckg:participantCount"}
    )
    assert series.status_code == 200, series.text
    rows = series.json()["rows"]
    assert len({str(row["as_of"]) for row in rows if row.get("as_of") is not None}) >= 6, rows
    members = synthetic.get("/api/queries/members-on-date", params={"cluster": cluster, "date": "2020-06-30"})
    assert members.status_code == 200, members.text
    dated = [row["dated"] for row in members.json()["rows"]]
    assert True in dated, dated  # xsd:boolean comes as a JSON boolean


def test_dashboard_and_compare_draw_charts_and_networks(synthetic: TestClient) -> None:
    slugs = [c.rsplit("/", 1)[-1] for c in synthetic_clusters(synthetic)[:3]]
    page = synthetic.get(f"/explore/cluster/{slugs[0]}", params={"lang": "en"})
    assert page.status_code == 200
    assert page.text.count('class="chart"') >= 5
    assert '<section id="network"' in page.text and "<circle" in page.text.split('<section id="network"')[1]
    compare = synthetic.get("/explore/compare", params={"clusters": ",".join([*slugs, "biomed"])})
    assert compare.status_code == 200, compare.text
    assert all(slug in compare.text for slug in slugs)
