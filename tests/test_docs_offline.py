"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) work offline, under a strict CSP.

Without a browser: the pages' CSP and the files they load (ours, vendored and pinned in
``api/static/docs/VENDORED.md``). With Debian's Chromium through Playwright (as
``tests/test_ui.py``): every request the pages make is routed through a handler that aborts
and records any request not to 127.0.0.1, console messages about the Content Security Policy
and ``securitypolicyviolation`` events are collected, and the pages must render the API:
Swagger UI lists the operations (``/sparql`` among them), ReDoc shows them in its menu.
Screenshots go to ``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from api.pages.html import CSP
from kg.settings import Settings
from tests.browser import chromium
from tests.conftest import serve

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
ARTIFACTS = TESTS / "artifacts"
VENDORED = ROOT / "api" / "static" / "docs"
PAGES = {
    "/docs": [
        "static/docs/swagger_ui/swagger-ui.css",
        "static/docs/swagger_ui/swagger-ui-bundle.js",
        "static/docs/swagger-init.js",
    ],
    "/redoc": [
        "static/docs/redoc.css",
        "static/docs/redoc/redoc.standalone.js",
        "static/docs/redoc-init.js",
    ],
}


# --- The pages, without a browser --------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(PAGES))
def test_docs_page_has_a_strict_csp_and_loads_only_our_files(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP  # the one policy of every page
    csp = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["default-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    html = response.text
    assert "<script>" not in html and "cdn" not in html.lower()  # no inline script, no CDN
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert loaded == ["data:,", *PAGES[path]]
    for file in PAGES[path]:
        assert client.get("/" + file).status_code == 200, file


def test_fastapis_cdn_pages_are_gone(client: TestClient) -> None:
    """The app's own routes serve /docs and /redoc; FastAPI's (with CDN URLs) are not mounted."""
    for path in PAGES:
        assert "cdn.jsdelivr.net" not in client.get(path).text
    assert client.get("/openapi.json").status_code == 200
    assert "/docs" not in client.get("/openapi.json").json()["paths"]


def test_vendored_docs_files_match_their_pins() -> None:
    notes = (VENDORED / "VENDORED.md").read_text(encoding="utf-8")
    pinned = re.findall(r"^\| `([\w./-]+)` \|.*\| sha256 `([0-9a-f]{64})` \|$", notes, re.MULTILINE)
    assert {name for name, _ in pinned} >= {
        "swagger_ui/swagger-ui-bundle.js",
        "swagger_ui/swagger-ui.css",
        "redoc/redoc.standalone.js",
    }
    for name, digest in pinned:
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() == digest, name
    for licence in ("swagger_ui/LICENSE", "swagger_ui/NOTICE.txt", "redoc/LICENSE"):
        assert (VENDORED / licence).is_file(), licence
    script = subprocess.run(
        ["bash", str(ROOT / "scripts" / "vendor-docs.sh"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert script.returncode == 0, script.stderr
    for bundle in ("swagger_ui/swagger-ui-bundle.js", "redoc/redoc.standalone.js"):
        text = (VENDORED / bundle).read_text(encoding="utf-8")
        assert "cdn.redoc.ly" not in text and "cdn.jsdelivr" not in text, bundle


# --- A real server and a real browser ---------------------------------------------------------


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Debian's headless Chromium through Playwright, with an empty profile."""
    with chromium(tmp_path / "chromium-profile") as context:
        yield context


@dataclass
class Watch:
    """Requests (any not to 127.0.0.1 is aborted and kept), CSP messages and page errors."""

    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp.append(message.text)
        elif message.type == "error":
            self.errors.append(message.text)

    def violations(self, page: Page) -> list[str]:
        found: list[str] = page.evaluate("window.__cspViolations")
        return found


def open_page(browser: BrowserContext, url: str) -> tuple[Page, Watch]:
    page = browser.new_page()
    watch = Watch()
    page.route("**/*", watch.route)
    page.on("console", watch.console)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto(url)
    return page, watch


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def check_quiet(page: Page, watch: Watch) -> None:
    """Nothing left 127.0.0.1, nothing broke the CSP, no script failed."""
    assert watch.foreign == [], f"requests to other hosts: {watch.foreign}"
    assert watch.csp == [], f"CSP messages: {watch.csp}"
    assert watch.violations(page) == [], f"CSP violations: {watch.violations(page)}"
    assert watch.errors == [], f"errors: {watch.errors}"
    assert any(urlsplit(url).path == "/openapi.json" for url in watch.requests), watch.requests


def test_swagger_ui_renders_the_operations_offline(fresh_store: Path, browser: BrowserContext) -> None:
    with serve(Settings(store=fresh_store)) as base:
        page, watch = open_page(browser, base + "/docs")
        page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30_000)
        paths = page.eval_on_selector_all(
            ".swagger-ui .opblock-summary-path", "nodes => nodes.map(n => n.textContent.trim())"
        )
        assert "/sparql" in paths and "/api/ingest" in paths, paths
        assert page.locator(".swagger-ui .info .title").inner_text().startswith("clusterkg")
        page.wait_for_timeout(500)  # late requests (a validator badge) would show by now
        screenshot(page, "docs-swagger-ui")
        check_quiet(page, watch)


def test_redoc_renders_the_operations_offline(fresh_store: Path, browser: BrowserContext) -> None:
    with serve(Settings(store=fresh_store)) as base:
        page, watch = open_page(browser, base + "/redoc")
        page.wait_for_selector("[role=menuitem]", timeout=30_000)
        page.wait_for_selector("h1", timeout=30_000)
        assert page.locator("h1").first.inner_text().startswith("clusterkg")
        assert "/sparql" in page.locator("body").inner_text()
        page.wait_for_timeout(500)  # the search worker and the logo load after the first render
        screenshot(page, "docs-redoc")
        check_quiet(page, watch)
