"""The explorer pages: a project's production cooperation scheme and a cluster's participants.

HTTP checks run on the `client` fixture; the browser test starts the app with uvicorn on a
loopback port over a private store copy and drives Debian's Chromium (``/usr/bin/chromium``)
with Playwright, as ``tests/test_ui.py`` does. Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import itertools
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from conftest import serve

from api.explorer.pages import choose_lang
from kg.settings import Settings
from tests.browser import chromium

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

TESTS = Path(__file__).resolve().parent
ARTIFACTS = TESTS / "artifacts"
PROJECT = "/explore/project/medinzh-x-ray-endovascular-devices"
CLUSTER = "/explore/cluster/biomed"
SVG = "{http://www.w3.org/2000/svg}"


def _svg(html: str, cls: str) -> ET.Element:
    match = re.search(rf'<svg [^>]*class="{cls}".*?</svg>', html, re.S)
    assert match, f"the page has no {cls} SVG"
    return ET.fromstring(match.group(0))


def _groups(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in svg.iter(SVG + "g") if g.get("class") == cls]


def _text(element: ET.Element) -> str:
    return " ".join(" ".join(t.itertext()) for t in element.iter(SVG + "text"))


# --- Over HTTP --------------------------------------------------------------------------------


def test_project_page_draws_five_unordered_stages_and_no_invented_finisher(client: TestClient) -> None:
    response = client.get(PROJECT, params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    svg = _svg(html, "scheme")
    stages = _groups(svg, "stage")
    # The article counts five stages and orders none: no numbers, no order, no arrows.
    assert len(stages) == 5
    assert [g.get("data-order") for g in stages] == [None] * 5
    assert all(_text(g).startswith("unordered stage") for g in stages)
    flows = [line for line in svg.iter(SVG + "line") if line.get("class") == "flow"]
    assert len(flows) == 1  # the legend's arrow only
    # The group acting at every stage is drawn as a group (dashed) in each column.
    assert all(len(_groups(g, "actor group")) == 1 for g in stages)
    # The article calls MedInzh an anchor finisher, but not the finisher of this platform.
    assert _groups(svg, "finisher") == []
    (band,) = _groups(svg, "through-technology")
    assert "minimally invasive surgery" in _text(band)
    assert "not their order" in html  # the article only counts the stages
    assert "does not name the stages" in html
    # Who took part in the project's R&D: the article's 11 companies of the cluster, unnamed.
    research = html.split('<section class="research">', 1)[1].split("</section>", 1)[0]
    assert "on the initiative of" in research and "MedInzh" in research
    assert re.findall(r'<li class="rd-participant">(.*?)</li>', research) == [
        '<a href="../../id/group/medinzh-project-rd-companies">11 companies of the cluster that took part'
        " in the research and development</a> (group of unnamed organisations, 11 organisations)"
    ]
    assert 'href="../../id/project/medinzh-x-ray-endovascular-devices"' in html
    assert 'href="../cluster/biomed"' in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html.split("<svg", 1)[0])


def test_project_page_speaks_russian_by_parameter_or_header(client: TestClient) -> None:
    by_param = client.get(PROJECT, params={"lang": "ru"}).text
    by_header = client.get(PROJECT, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).text
    for html in (by_param, by_header):
        assert '<html lang="ru">' in html
        stages = _groups(_svg(html, "scheme"), "stage")
        assert [_text(g).split(" один")[0] for g in stages] == ["передел без порядка"] * 5
        assert "не их порядок" in html


def test_cluster_page_lists_participants_by_role(client: TestClient) -> None:
    response = client.get(CLUSTER, params={"lang": "en"})
    assert response.status_code == 200
    svg = _svg(response.text, "roster")
    roles = {_text(g).split(" members:")[0]: g for g in _groups(svg, "role")}
    assert "MedInzh research and production enterprise" in _text(roles["anchor enterprise"])
    assert "MedInzh research and production enterprise" in _text(roles["finisher"])
    # The 11 companies of the R&D are "companies of the cluster", in no more particular role.
    assert "(11 organisations)" in _text(roles["participant (no particular role stated)"])
    assert "members: 1" in _text(roles["research organisation"])
    assert 'href="../project/medinzh-x-ray-endovascular-devices"' in response.text


@pytest.mark.parametrize(
    "path",
    ["/explore/project/no-such-project", "/explore/cluster/no-such-cluster", "/explore/project/.hidden"],
)
def test_unknown_slugs_are_404_pages(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_language_choice() -> None:
    assert choose_lang("ru", "en") == "ru"
    assert choose_lang(None, "ru;q=0.4, en;q=0.6") == "en"
    assert choose_lang(None, "de") == "en"
    assert choose_lang(None, None) == "en"


# --- A real server and a real browser ---------------------------------------------------------


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Debian's headless Chromium through Playwright, with an empty profile."""
    with chromium(tmp_path / "chromium-profile", width=1600, height=900) as context:
        yield context


def test_browser_shows_the_unordered_scheme_and_talks_only_to_our_host(
    fresh_store: Path, browser: BrowserContext
) -> None:
    with serve(Settings(store=fresh_store, query_timeout_s=30)) as base:
        page = browser.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(base + PROJECT + "?lang=en")
        columns = page.locator("svg.scheme g.stage")
        assert columns.count() == 5
        boxes = []
        for n in range(5):
            column = columns.nth(n)
            assert column.is_visible()
            assert column.get_attribute("data-order") is None
            assert column.locator("text").first.text_content() == "unordered stage"
            box = column.locator("rect.stage-column").bounding_box()
            assert box is not None
            boxes.append(box)
        assert all(a["x"] + a["width"] <= b["x"] for a, b in itertools.pairwise(boxes))
        assert page.locator("svg.scheme g.finisher").count() == 0
        assert page.locator("svg.scheme line.flow").count() == 1  # the legend's arrow only
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer-project.png"), full_page=True)

        page.goto(base + PROJECT + "?lang=ru")
        assert page.locator("svg.scheme g.stage").first.locator("text").first.text_content() == (
            "передел без порядка"
        )
        page.screenshot(path=str(ARTIFACTS / "explorer-project-ru.png"), full_page=True)

        page.goto(base + CLUSTER + "?lang=en")
        assert page.locator("svg.roster g.role").count() >= 5
        page.screenshot(path=str(ARTIFACTS / "explorer-cluster.png"), full_page=True)

        ours = urlsplit(base).netloc
        assert [u for u in requests if not u.startswith("data:") and urlsplit(u).netloc != ours] == []
        assert errors == []
