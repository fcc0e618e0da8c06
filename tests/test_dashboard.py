"""The cluster dashboard (``/explore/cluster/{slug}``) and the compare page (``/explore/compare``)
over HTTP, on the founding case and three synthetic clusters (``tests/data/dashboard``) in a
store built by the real pipeline and served by the real engine; and the charts on their own.
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from api import create_app
from api.explorer.charts import PALETTE, ChartLine, render_chart
from api.explorer.indicators import UNIT, Observation
from kg.entities import Entity
from kg.settings import Settings
from tests.dashboard_data import dashboard_store

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

SVG = "{http://www.w3.org/2000/svg}"
BIOMED = "/explore/cluster/biomed"
ALPHA = "/explore/cluster/alpha"
COMPARE = "/explore/compare"
ID = "https://w3id.org/clusterkg/id/"
SYNTHETIC = "https://w3id.org/clusterkg/synthetic/id/"


@pytest.fixture(scope="module")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over the dashboard store (read only)."""
    store = dashboard_store(tmp_path_factory.getbasetemp() / "dashboard")
    with TestClient(create_app(Settings(store=store, query_timeout_s=20))) as client:
        yield client


def section(html: str, ident: str) -> str:
    """The text of ``<section id="ident">``."""
    match = re.search(rf'<section id="{ident}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no section {ident}"
    return match.group(1)


def charts(html: str) -> list[ET.Element]:
    """Every chart of the page, parsed."""
    return [ET.fromstring(m) for m in re.findall(r'<svg [^>]*class="chart".*?</svg>', html, re.S)]


def links(svg: ET.Element, cls: str) -> list[ET.Element]:
    """The ``<a>`` elements of a class in a chart."""
    return [a for a in svg.iter(SVG + "a") if a.get("class") == cls]


# --- BioMed: what the article gives, and what it does not -------------------------------------


def test_biomed_dashboard_shows_the_articles_numbers_and_says_what_it_does_not_give(dash: TestClient) -> None:
    response = dash.get(BIOMED, params={"lang": "en"})
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert "<script" not in html
    head = html.split('<section id="indicators">')[0]
    assert "Penza Oblast" in head and '<code class="iso">RU-PNZ</code>' in head
    assert "biomedical sector" in head
    # The article gives no code: the class shown is the maintainers' reading, and says so.
    industry = head.split("<dt>Industry class</dt>")[1].split("</dd>")[0]
    assert "<code>32.50</code>" in industry
    curated = "the maintainers&#39; reading of the stated specialisation, not stated by the source"
    assert industry.count(curated) == 2
    assert "Synthetic data" not in head
    indicators = section(html, "indicators")
    # One observation each: no chart, the value as the article states it, nothing interpolated.
    assert charts(html) == []
    values = re.findall(
        r'<p class="value"><a href="([^"]+)"[^>]*>([^<]+)</a> <span class="as-of">\(([^)]+)\)', indicators
    )
    assert sorted(v[1:] for v in values) == [
        ("11", "no reference time stated"),
        ("28", "May 2018"),
        ("60 to 80 %", "no reference time stated"),
        ("more than 60 %", "May 2018"),
    ]
    assert "../../id/statistic/biomed-participants-2018-05" in [v[0] for v in values]
    assert indicators.count("the source gives no time series for this indicator") == 4
    assert indicators.count("The source gives no reference time for this value.") == 2
    assert "about: <a" in indicators  # the import share is about the segments, not the cluster
    # The quote that states each number is on the page.
    assert "28 участников" in indicators
    members = section(html, "members")
    assert "The source dates no membership of this cluster: no membership dates." in members
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="roster"' in members
    assert members.count("<tr") == 1 + 10  # head + one row per role and member
    # The analysis fills both slots (their contents are tested below).
    assert "not shown on this page yet" not in html
    assert 'href="../project/medinzh-x-ray-endovascular-devices"' in section(html, "projects")


@pytest.mark.parametrize("how", ["param", "header"])
def test_biomed_dashboard_speaks_russian(dash: TestClient, how: str) -> None:
    if how == "param":
        html = dash.get(BIOMED, params={"lang": "ru"}).text
    else:
        html = dash.get(BIOMED, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).text
    assert '<html lang="ru">' in html
    assert "Панель кластера" in html and "Показатели во времени" in html
    assert "более 60 %" in html and "от 60 до 80 %" in html and "май 2018" in html
    assert "источник не даёт временного ряда" in html
    assert "дат членства нет" in html
    network = section(html, "network")
    assert "Сеть кооперации" in network and "Узлов: 9 (участников кластера: 7), связей: 6" in network
    assert "Научно-производственное предприятие «МедИнж»" in network
    assert "совместный проект" in network and "партнёр проекта, не участник" in network
    tasks = section(html, "tasks")
    assert tasks.count('<article class="task"') == 8
    assert "Основано на:" in tasks and "Найдено: 5" in tasks
    assert "В графе пока нет данных для этой задачи." in tasks
    assert "переделов" in tasks  # the columns speak Russian too
    assert "not shown on this page" not in html and "no reference time" not in html
    assert "Rests on" not in html and "joint project" not in html


# --- The cooperation network and the eight management tasks ---------------------------------


def nodes_of(svg: ET.Element) -> dict[str, ET.Element]:
    """The network's nodes (``<a>`` or ``<g>`` of class ``node``), by IRI."""
    return {
        el.get("data-iri", ""): el
        for el in svg.iter()
        if el.tag in (SVG + "a", SVG + "g") and (el.get("class") or "").split()[:1] == ["node"]
    }


def network_svg(html: str) -> ET.Element:
    """The network's picture, parsed."""
    (svg,) = re.findall(r'<svg [^>]*class="network".*?</svg>', section(html, "network"), re.S)
    return ET.fromstring(svg)


def test_biomed_network_shows_medinzh_the_rd_group_and_who_is_no_member(dash: TestClient) -> None:
    html = dash.get(BIOMED, params={"lang": "en"}).text
    body = section(html, "network")
    assert "9 nodes (7 members of the cluster), 6 edges, 6 communities." in body
    assert "Edges by kind: joint project: 6" in body
    svg = network_svg(html)
    nodes = nodes_of(svg)
    assert len(nodes) == 9
    medinzh = nodes[ID + "organization/medinzh"]
    assert medinzh.tag == SVG + "a" and medinzh.get("href") == "../../id/organization/medinzh"
    tip = medinzh.findtext(SVG + "title") or ""
    assert tip.startswith("MedInzh research and production enterprise\nmember of the cluster\n")
    assert "degree: 3; weighted degree: 3" in tip and "betweenness: 0;" in tip
    rd = nodes[ID + "group/medinzh-project-rd-companies"]
    assert "group" in (rd.get("class") or "")
    (circle,) = list(rd.iter(SVG + "circle"))
    assert circle.get("stroke-dasharray")  # a group is dashed, as in the roster
    assert "11 companies of the cluster" in "".join(rd.itertext())
    assert "group of unnamed organisations, 11 organisations" in (rd.findtext(SVG + "title") or "")
    # The suppliers met in the project are no members: squares.
    partner = nodes[ID + "group/medinzh-project-lower-stage-suppliers"]
    assert "partner" in (partner.get("class") or "") and list(partner.iter(SVG + "rect"))
    # Members linked to no one stand apart, under their own heading.
    assert "Linked to no one else in the graph:" in body
    # Every edge: one solid line per joint project, its claims in the tooltip.
    edges = [g for g in svg.iter(SVG + "g") if g.get("class") == "edge"]
    assert len(edges) == 6 and {g.get("data-kinds") for g in edges} == {"project"}
    tips = [g.findtext(SVG + "title") or "" for g in edges]
    assert any(
        "MedInzh research and production enterprise" in t
        and "joint project: Development and production of high-tech medical devices" in t
        and "id/claim/medinzh-project-initiated" in t
        for t in tips
    )
    # The legend names all six kinds of edge; the table ranks the linked nodes; the exports.
    legend = [g.get("data-kind") for g in svg.iter(SVG + "g") if g.get("class") == "legend-edge"]
    assert legend == ["project", "ip-right", "licence", "technology", "supply", "service"]
    top = re.findall(r"<tr><td><a [^>]*>([^<]+)</a>", body.split('class="top-nodes"')[1])
    assert len(top) == 4 and "MedInzh research and production enterprise" in top
    for href in (
        "../../api/clusters/biomed/network",
        "../../api/clusters/biomed/network?format=graphml",
        "../../api/clusters/biomed/network?format=csv&amp;part=nodes",
        "../../api/clusters/biomed/network?format=csv&amp;part=edges",
    ):
        assert f'href="{href}"' in body
    assert dash.get("/api/clusters/biomed/network", params={"format": "graphml"}).status_code == 200


def test_synthetic_network_draws_each_kind_and_the_licence_direction(dash: TestClient) -> None:
    html = dash.get(ALPHA, params={"lang": "en"}).text
    svg = network_svg(html)
    nodes = nodes_of(svg)
    assert len(nodes) == 4
    a1 = nodes[SYNTHETIC + "organization/a1"]
    assert a1.tag == SVG + "g"  # not our /id/ namespace: no link
    assert "betweenness: 0.667" in (a1.findtext(SVG + "title") or "")
    edges = {g.get("data-kinds"): g for g in svg.iter(SVG + "g") if g.get("class") == "edge"}
    assert set(edges) == {"project licence", "project", "ip-right technology"}
    both = edges["project licence"]
    lines = list(both.iter(SVG + "line"))
    assert [ln.get("class") for ln in lines] == ["edge-project", "edge-licence"]
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray") == "2 3"
    assert "licence: synthetic lens licence (Alpha Optics → Alpha Lenses)" in (
        both.findtext(SVG + "title") or ""
    )
    body = section(html, "network")
    assert (
        "Edges by kind: joint project: 3; jointly held IP right: 1; licence: 1; shared technology: 1" in body
    )
    top = re.findall(r"<tr><td><a [^>]*>([^<]+)</a>", body.split('class="top-nodes"')[1])
    assert top[0] == "Alpha Optics"  # the broker first


def tasks_of(html: str) -> list[tuple[str, str, str]]:
    """Each task's notation, named query and body."""
    return re.findall(
        r'<article class="task" id="task-(\d)" data-query="([^"]+)">(.*?)</article>',
        section(html, "tasks"),
        re.S,
    )


def test_biomed_tasks_eight_in_order_with_what_they_rest_on(dash: TestClient) -> None:
    html = dash.get(BIOMED, params={"lang": "en"}).text
    tasks = tasks_of(html)
    assert [(n, q) for n, q, _ in tasks] == [
        ("1", "task-niches"),
        ("2", "task-rd-infrastructure"),
        ("3", "task-priority-projects"),
        ("4", "task-inter-cluster"),
        ("5", "task-outsourcing"),
        ("6", "task-shared-services"),
        ("7", "task-open-innovation-training"),
        ("8", "task-ip-joint-use"),
    ]
    body = {n: b for n, _, b in tasks}
    # Task 2: the five stages of MedInzh's platform have no R&D partner.
    two = body["2"]
    assert "<h3>2. Develop a permanent, functional R&amp;D infrastructure" in two
    assert "Rests on:</span> Stages of the platforms of the cluster&#39;s projects" in two
    assert '<a href="../../ontology#rdParticipant"><code>ckg:rdParticipant</code></a>' in two
    assert "Findings: 5 · " in two
    rows = re.findall(r"<tr><td>.*?</tr>", two, re.S)
    assert len(rows) == 5
    assert all("one of the 5 technological stages of the MedInzh platform" in r for r in rows)
    assert all('href="../../id/claim/medinzh-project-platform"' in r for r in rows)
    assert ">Development and production of high-tech medical devices" in rows[0]  # the project's label
    assert (
        'href="../../api/queries/task-rd-infrastructure?cluster=https%3A%2F%2Fw3id.org%2Fclusterkg%2Fid%2Fcluster%2Fbiomed"'
        in two
    )
    # Task 8, IP joint use: the article states no jointly held right and no licence.
    eight = body["8"]
    assert "The graph holds nothing for this task yet." in eight and "<table" not in eight
    assert 'href="../../api/queries/task-ip-joint-use?cluster=' in eight
    # The count of rows with findings matches the REST answer.
    answer = dash.get("/api/clusters/biomed/tasks").json()
    assert [("<table" in body[t["notation"]]) for t in answer["tasks"]] == [
        not t["empty"] for t in answer["tasks"]
    ]


def test_synthetic_tasks_show_joint_holdings_and_licences(dash: TestClient) -> None:
    html = dash.get(ALPHA, params={"lang": "en"}).text
    eight = {n: b for n, _, b in tasks_of(html)}["8"]
    assert "Findings: 3 · " in eight
    heads = re.findall(r"<th>([^<]+)</th>", eight)
    assert heads[:2] == ["kind", "IP right"] and heads[-1] == "stated in"
    rows = re.findall(r"<tr><td>.*?</tr>", eight, re.S)
    assert "joint holding" in rows[0] and "Alpha Optics" in rows[0] and "<td>60</td>" in rows[0]
    assert "licence" in rows[2] and "synthetic lens licence" in rows[2]


def test_unknown_cluster_is_a_404_page(dash: TestClient) -> None:
    response = dash.get("/explore/cluster/no-such-cluster")
    assert response.status_code == 404 and "Not found" in response.text


# --- A synthetic cluster: series over years ---------------------------------------------------


def test_synthetic_dashboard_draws_series_ranges_as_bars_and_membership_dates(dash: TestClient) -> None:
    html = dash.get(ALPHA, params={"lang": "en"}).text
    assert "Synthetic data" in html and '<code class="iso">XZ-R01</code>' in html
    drawn = charts(html)
    assert len(drawn) == 3
    by_title = {svg.findtext(SVG + "title"): svg for svg in drawn}
    share = by_title["share of high-tech output"]
    values, ranges = links(share, "observation value"), links(share, "observation range")
    assert len(values) == 2 and len(ranges) == 2
    # A range and a bound are bars, never points; only exact values are dots, joined by a line.
    assert [len(list(a.iter(SVG + "circle"))) for a in ranges] == [0, 0]
    assert sum(1 for _ in share.iter(SVG + "circle")) == 2
    (line,) = list(share.iter(SVG + "polyline"))
    assert len(line.get("points", "").split()) == 2
    tips = [a.findtext(SVG + "title") or "" for a in ranges]
    assert tips[0].startswith("Synthetic cluster Alpha: 50 to 60 % (2021)")
    assert tips[1].startswith("Synthetic cluster Alpha: more than 60 % (2023)")
    bound_bar = next(el for el in ranges[1].iter(SVG + "line") if el.get("class") == "bar")
    assert bound_bar.get("stroke-dasharray") and bound_bar.get("marker-end") == "url(#ckg-open)"
    for a in [*values, *ranges]:
        assert a.get("href", "").startswith("https://w3id.org/clusterkg/synthetic/id/statistic/alpha-")
    assert "a dashed bar with an arrow head is a one-sided bound" in html
    years = [t.text for t in share.iter(SVG + "text") if t.get("class") == "year"]
    assert years == ["2019", "2020", "2021", "2022", "2023"]
    members = section(html, "members")
    rows = re.findall(
        r"<tr[^>]*><td>([^<]+)</td><td><a [^>]*>([^<]+)</a>.*?<td>([^<]+)</td><td>([^<]+)</td></tr>", members
    )
    assert ("anchor enterprise", "Alpha Optics", "2019", "—") in rows
    assert ("participant (no particular role stated)", "Alpha Lenses", "2020", "2022") in rows
    assert ("research organisation", "Synthetic University", "—", "—") in rows
    assert "1 of 3 memberships are not dated." in members


# --- Compare ----------------------------------------------------------------------------------


def test_compare_puts_clusters_side_by_side_with_one_chart(dash: TestClient) -> None:
    response = dash.get(COMPARE, params={"clusters": "alpha,beta,biomed", "lang": "en"})
    assert response.status_code == 200
    html = response.text
    columns = re.findall(r'<article class="cluster-column" data-slug="([^"]+)">(.*?)</article>', html, re.S)
    assert [slug for slug, _ in columns] == ["alpha", "beta", "biomed"]
    body = dict(columns)
    assert (
        "number of participants: <a" in body["alpha"]
        and '>26</a> <span class="as-of">(2023)' in body["alpha"]
    )
    assert '>33</a> <span class="as-of">(2023)' in body["beta"]
    assert '>28</a> <span class="as-of">(May 2018)' in body["biomed"]
    assert ">more than 60 %</a>" in body["alpha"]
    assert re.findall(r'<p class="projects-count">(\d+)</p>', html) == ["1", "0", "1"]
    assert "anchor enterprise: 2" in body["biomed"]
    # The network in numbers and the tasks with findings, per cluster.
    assert "4 nodes (3 members of the cluster), 4 edges, 1 communities." in body["alpha"]
    assert re.search(r"top broker \(betweenness\): <a [^>]*>Alpha Optics</a> \(0\.667\)", body["alpha"])
    assert "9 nodes (7 members of the cluster), 6 edges, 6 communities." in body["biomed"]
    assert "no node lies between others" in body["biomed"]
    found = dict(re.findall(r'<a href="cluster/(\w+)#tasks">(\d) / 8</a>', html))
    for slug in ("alpha", "biomed"):
        answer = dash.get(f"/api/clusters/{slug}/tasks").json()
        assert int(found[slug]) == sum(not t["empty"] for t in answer["tasks"])
    # By default the indicator every cluster has observations of: participants, three series.
    (chart,) = charts(html)
    assert chart.findtext(SVG + "title") == "number of participants"
    dots = [c.get("fill") for c in chart.iter(SVG + "circle")]
    assert sorted(dots) == sorted([PALETTE[0]] * 4 + [PALETTE[1]] * 3 + [PALETTE[2]])
    assert 'href="cluster/alpha"' in html
    assert 'href="?clusters=alpha%2Cbeta%2Cbiomed&amp;lang=ru"' in html


def test_compare_draws_the_indicator_asked_for_by_curie_or_iri(dash: TestClient) -> None:
    for asked in ("ckg:importShare", "https://w3id.org/clusterkg/ontology#importShare"):
        html = dash.get(COMPARE, params={"clusters": "alpha,beta", "indicator": asked}).text
        (chart,) = charts(html)
        assert chart.findtext(SVG + "title") == "import share"
        assert sum(1 for _ in chart.iter(SVG + "circle")) == 5
        assert '<option value="https://w3id.org/clusterkg/ontology#importShare" selected>' in html
    html = dash.get(COMPARE, params={"clusters": "alpha,gamma", "indicator": "ckg:rdParticipantCount"}).text
    assert charts(html) == [] and "None of these clusters has a dated observation" in html


@pytest.mark.parametrize(
    ("params", "parameter", "says"),
    [
        ({"clusters": "alpha,no-such"}, "clusters", "the graph holds no cluster no-such."),
        ({"clusters": "alpha"}, "clusters", "got 1."),
        ({"clusters": "a,b,c,d,e,f,g"}, "clusters", "got 7."),
        ({}, "clusters", "got 0."),
        ({"clusters": "alpha,,beta"}, "clusters", "is not a cluster slug"),
        ({"clusters": "alpha,alpha"}, "clusters", "named twice"),
        ({"clusters": "alpha,beta", "indicator": "no such thing"}, "indicator", "expected an indicator"),
    ],
)
def test_compare_refuses_parameters_that_do_not_fit(
    dash: TestClient, params: dict[str, str], parameter: str, says: str
) -> None:
    response = dash.get(COMPARE, params={**params, "lang": "en"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert f'<code class="parameter">{parameter}</code>' in response.text
    assert says in response.text


def test_compare_errors_speak_russian(dash: TestClient) -> None:
    response = dash.get(COMPARE, params={"clusters": "alpha,nope"}, headers={"Accept-Language": "ru"})
    assert response.status_code == 422
    assert 'Параметр <code class="parameter">clusters</code> не подходит' in response.text
    assert "в графе нет кластера nope." in response.text


# --- The charts on their own ------------------------------------------------------------------


def test_chart_escapes_quotes_and_draws_nothing_for_undated_values() -> None:
    c, i = Entity("http://e/c"), Entity("http://e/i")
    obs = [
        Observation("http://e/s1", c, i, UNIT + "NUM", "2019", value="3", quote="<script>alert(1)</script>"),
        Observation("http://e/s2", c, i, UNIT + "NUM", "2021", value="5"),
        Observation("http://e/s3", c, i, UNIT + "NUM", None, value="9"),
        Observation("javascript:alert(1)", c, i, UNIT + "NUM", "2020", max_exclusive="4"),
    ]
    svg = render_chart(
        [ChartLine('A "<b>"', PALETTE[0], obs)], "en", title="<T>", unit=UNIT + "NUM", href=str
    )
    assert "<script" not in svg and "&lt;script&gt;" in svg and "<title>&lt;T&gt;</title>" in svg
    tree = ET.fromstring(svg)
    assert sum(1 for _ in tree.iter(SVG + "circle")) == 2  # the undated 9 is not placed
    assert (
        "javascript:" not in svg.split("<title>", 2)[2].split("less than")[0] or 'href="javascript' not in svg
    )
    assert 'href="javascript' not in svg  # a link only for a web link
    (less,) = [g for g in tree.iter(SVG + "g") if g.get("class") == "observation range"]
    assert (less.findtext(SVG + "title") or "").startswith('A "<b>": less than 4 (2020)')
