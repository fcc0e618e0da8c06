"""The cluster dashboard, a project's scheme and the compare page in Debian's Chromium
(:mod:`tests.browser`), at 1280x800 and on a phone (390x844): the document never scrolls
sideways, every drawing lies within its box (or scrolls inside its own box, with a visible
hint), the charts are visible and their text is drawn at least 10 px high (on the phone too),
the cooperation network fits its box at 1280 px and scrolls in its own on the phone, text is at
least 14 px, and the pages load nothing from another host. Screenshots go to
``tests/artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from conftest import serve

from kg.settings import Settings
from tests.browser import chromium
from tests.dashboard_data import dashboard_store

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PAGES = {
    "dashboard-biomed": "/explore/cluster/biomed?lang=en",
    "dashboard-alpha": "/explore/cluster/alpha?lang=ru",
    "scheme": "/explore/project/medinzh-x-ray-endovascular-devices?lang=en",
    "compare": "/explore/compare?clusters=alpha,beta,gamma,biomed&lang=en",
}
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}

# Each SVG against its parent's box; a drawing wider than its box must be in a scroll box
# (overflow-x auto, scrolling) whose figure shows the hint.
LAYOUT = """() => {
  const out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
               svgs: [], small: []};
  for (const svg of document.querySelectorAll('main svg')) {
    const box = svg.parentElement;
    const r = svg.getBoundingClientRect(), b = box.getBoundingClientRect();
    const style = getComputedStyle(box);
    const hint = svg.closest('figure') && svg.closest('figure').querySelector('.scroll-hint');
    out.svgs.push({
      cls: svg.getAttribute('class'),
      inside: r.left >= b.left - 0.5 && r.right <= b.right + 0.5,
      scrolls: (style.overflowX === 'auto' || style.overflowX === 'scroll')
               && box.scrollWidth > box.clientWidth,
      hint: !!hint && hint.offsetParent !== null && hint.getBoundingClientRect().height > 0,
      width: r.width, height: r.height,
    });
  }
  const texts = 'p, li, td, th, dd, dt, summary, label, select, button, h1, h2, h3';
  for (const el of document.querySelectorAll(texts)) {
    if (el.closest('svg') || !el.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 14) out.small.push(el.tagName + ' ' + size + ' ' + el.textContent.trim().slice(0, 40));
  }
  return out;
}"""


# Each chart's first year label: its drawn height and its font size as drawn (px).
CHART_TEXT = """() => [...document.querySelectorAll('svg.chart')].map(svg => {
  const label = svg.querySelector('text.year');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return {height: label.getBoundingClientRect().height,
          font: parseFloat(label.getAttribute('font-size')) * scale};
})"""


def check_layout(page: Page, name: str) -> dict[str, Any]:
    """The page's layout facts, asserted: no sideways scroll, drawings in their boxes, text >= 14 px."""
    facts: dict[str, Any] = page.evaluate(LAYOUT)
    assert facts["scrollWidth"] <= facts["innerWidth"], f"{name}: the document scrolls sideways"
    assert facts["svgs"], f"{name}: no drawing"
    for svg in facts["svgs"]:
        assert svg["width"] > 0 and svg["height"] > 0, f"{name}: an invisible {svg['cls']}"
        assert svg["inside"] or (svg["scrolls"] and svg["hint"]), f"{name}: {svg} is cut off"
    assert facts["small"] == [], f"{name}: text under 14 px: {facts['small']}"
    return facts


@pytest.mark.parametrize("size", list(SIZES))
def test_dashboard_scheme_and_compare_fit_the_screen(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, size: str
) -> None:
    store = dashboard_store(tmp_path_factory.getbasetemp() / "dashboard")
    width, height = SIZES[size]
    with (
        serve(Settings(store=store, query_timeout_s=30)) as base,
        chromium(tmp_path / "profile", width=width, height=height) as browser,
    ):
        page = browser.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        ARTIFACTS.mkdir(exist_ok=True)
        seen: dict[str, dict[str, Any]] = {}
        for name, path in PAGES.items():
            response = page.goto(base + path)
            assert response is not None and response.status == 200, name
            seen[name] = check_layout(page, f"{name} at {size}")
            page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
        # The charts are drawn and visible: three on Alpha's dashboard, one on the compare page.
        page.goto(base + PAGES["dashboard-alpha"])
        charts = page.locator("svg.chart")
        assert charts.count() == 3
        for n in range(3):
            assert charts.nth(n).is_visible()
            box = charts.nth(n).bounding_box()
            assert box is not None and box["width"] >= min(300, width - 40)
        # Chart text stays readable: a tick label is drawn at least 10 px high, on a phone too.
        sizes = page.evaluate(CHART_TEXT)
        assert len(sizes) == 3 and all(s["height"] >= 10 and s["font"] >= 10 for s in sizes), sizes
        # The cooperation network: drawn, within its box at 1280 px, scrolling with a hint on a phone.
        for name in ("dashboard-biomed", "dashboard-alpha"):
            page.goto(base + PAGES[name])
            network = page.locator("svg.network")
            assert network.count() == 1 and network.is_visible()
            (facts,) = [f for f in seen[name]["svgs"] if f["cls"] == "network"]
            if size == "phone":
                assert facts["scrolls"] and facts["hint"], facts
            else:
                assert facts["inside"] and not facts["hint"] and facts["width"] >= 700, facts
            label = page.locator("svg.network text.node-label").first.bounding_box()
            assert label is not None and label["height"] >= 10
            page.locator("#network").screenshot(path=str(ARTIFACTS / f"network-{name}-{size}.png"))
        page.goto(base + PAGES["compare"])
        assert page.locator("svg.chart").is_visible()
        assert page.locator("article.cluster-column").count() == 4
        if size == "phone":
            # One column: the clusters' columns stand one above the other.
            boxes = [page.locator("article.cluster-column").nth(n).bounding_box() for n in range(2)]
            assert boxes[0] and boxes[1] and boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"]
            # The wide scheme keeps a readable size and scrolls in its own box, with the hint.
            assert any(s["scrolls"] and s["hint"] for s in seen["scheme"]["svgs"])
        else:
            # At 1280 px every drawing fits its box: nothing to scroll, no hint shown.
            for name in PAGES:
                assert all(s["inside"] and not s["hint"] for s in seen[name]["svgs"]), name
        # A point's tooltip is its <title>: the value, the date and the quote.
        page.goto(base + "/explore/compare?clusters=alpha,biomed&indicator=ckg:participantCount&lang=en")
        tip = page.locator("svg.chart a.observation title").last.text_content() or ""
        assert "28 (May 2018)" in tip and "28 участников" in tip
        ours = urlsplit(base).netloc
        assert [u for u in requests if not u.startswith("data:") and urlsplit(u).netloc != ours] == []
        assert errors == []
