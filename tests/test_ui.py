"""The query UI at ``/``: the page, its vendored YASGUI, and a real browser driving it.

The browser tests start the app with uvicorn on a loopback port over a private store copy and
drive Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``) with Playwright
(:mod:`tests.browser`).
Every request the page makes is recorded and must go to our host. Screenshots are saved in
``tests/artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from conftest import serve

import queries
from api.routers import ui
from kg.namespaces import PREFIXES
from kg.settings import Settings
from tests.browser import chromium

with warnings.catch_warnings():
    # starlette 1.x warns on import that it wants httpx2; pytest turns warnings into errors, and
    # the conftest's `client` fixture imports it lazily. Import it once here, quietly.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

TESTS = Path(__file__).resolve().parent
ARTIFACTS = TESTS / "artifacts"
VENDORED = TESTS.parent / "api" / "static" / "yasgui"
RQ_FILES = sorted((TESTS.parent / "queries").glob("*.rq"))
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"
# Three triple patterns joined on nothing: |store|^3 solutions to count, far past one second.
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FEDERATED = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
ACTIVE = ".yasgui .tabPanel.active"


def _config(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="clusterkg-ui-config" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page has no configuration block"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def _body(rq: str) -> str:
    """A query's SPARQL text without its ``#+`` header."""
    return "\n".join(line for line in rq.splitlines() if not line.startswith("#+")).strip()


# --- The page, without a browser -------------------------------------------------------------


def test_page_has_a_same_origin_csp_and_loads_only_our_files(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'"
    for directive in ("script-src", "connect-src", "font-src"):
        assert csp[directive] == "'self'", directive
    assert csp["style-src"] == "'self' 'unsafe-inline'"
    assert csp["img-src"] == "'self' data:"
    html = response.text
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == [
        "data:,",
        "static/yasgui/yasgui.min.css",
        "static/ui/clusterkg-ui.css",
        "static/yasgui/yasgui.min.js",
        "static/ui/clusterkg-ui.js",
    ]
    for path in ("static/yasgui/yasgui.min.js", "static/yasgui/yasgui.min.css", "static/ui/clusterkg-ui.js"):
        assert client.get("/" + path).status_code == 200, path


def test_page_offers_our_prefixes_and_every_named_query(client: TestClient) -> None:
    config = _config(client.get("/").text)
    assert config["endpoint"] == "sparql"
    assert config["prefixes"] == PREFIXES
    assert all(f"PREFIX {p}:" in config["defaultTab"]["query"] for p in PREFIXES)
    tabs = {tab["namedQuery"]: tab for tab in config["tabs"]}
    assert sorted(tabs) == [path.stem for path in RQ_FILES]
    for path in RQ_FILES:
        named = queries.get(path.stem)
        tab = tabs[path.stem]
        assert tab["name"] == named.summary
        # The query is the file's, parameters unbound; the examples are in comments only.
        head, _, body = tab["query"].partition(_body(named.text).splitlines()[0])
        assert (_body(named.text).splitlines()[0] + body).strip() == _body(named.text)
        assert all(line.startswith("#") for line in head.splitlines())
        for param in named.params:
            assert f"#   ?{param.name} ({param.type}," in head
            if param.example is not None:
                assert param.example in head


def test_vendored_files_match_their_pins() -> None:
    notes = (VENDORED / "VENDORED.md").read_text(encoding="utf-8")
    for name in ("yasgui.min.js", "yasgui.min.css"):
        pinned = re.search(rf"`{re.escape(name)}` \|[^|]*sha256 `([0-9a-f]{{64}})`", notes)
        assert pinned, f"VENDORED.md gives no sha256 for {name}"
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() == pinned.group(1), name
    assert (VENDORED / "LICENSE").is_file()


# --- A real server and a real browser ---------------------------------------------------------


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Debian's headless Chromium through Playwright, with an empty profile."""
    with chromium(tmp_path / "chromium-profile") as context:
        yield context


@dataclass
class Recorder:
    """What a page did: every request, console errors, uncaught errors, CSP violations."""

    base: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.add_init_script(
            "window.__cspViolations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )

    def foreign_requests(self) -> list[str]:
        """Requests to anywhere but our host (data: and blob: URLs are not requests to a host)."""
        ours = urlsplit(self.base)
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:"))
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (ours.scheme, ours.netloc)
        ]


def open_ui(browser: BrowserContext, base: str) -> tuple[Page, Recorder]:
    page = browser.new_page()
    recorder = Recorder(base)
    recorder.watch(page)
    page.goto(base)
    page.wait_for_function("() => window.clusterkgYasgui !== undefined")
    page.wait_for_selector(f"{ACTIVE} .yasqe .CodeMirror")
    return page, recorder


def tab_names(page: Page) -> list[str]:
    names: list[str] = page.eval_on_selector_all(
        ".yasgui .tabsList .tab a > span", "spans => spans.map(s => s.textContent)"
    )
    return names


def run_active_tab(page: Page) -> None:
    page.click(f"{ACTIVE} .yasqe_queryButton")


def table(page: Page) -> tuple[list[str], list[list[str]]]:
    """The results table of the active tab: header texts and rows of cell texts (no row number)."""
    page.wait_for_selector(f"{ACTIVE} .yasr table.dataTable tbody tr td:nth-child(2)")
    header: list[str] = page.eval_on_selector_all(
        f"{ACTIVE} .yasr table.dataTable thead th", "cells => cells.map(c => c.textContent.trim())"
    )
    rows: list[list[str]] = page.eval_on_selector_all(
        f"{ACTIVE} .yasr table.dataTable tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))",
    )
    return header[1:], [row[1:] for row in rows]


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_ui_loads_runs_queries_and_talks_only_to_our_host(fresh_store: Path, browser: BrowserContext) -> None:
    with serve(Settings(store=fresh_store, query_timeout_s=30)) as root:
        base = root + "/"
        page, seen = open_ui(browser, base)
        screenshot(page, "ui-loaded")

        # The page: a default tab, then one tab per named query, named by its summary.
        assert tab_names(page) == ["Query"] + [queries.get(p.stem).summary for p in RQ_FILES]
        yasqe = "window.clusterkgYasgui.getTab().getYasqe()"
        assert page.evaluate(f"() => {yasqe}.config.autocompleters") == ["variables", "prefixes"]
        assert page.evaluate(f"() => {yasqe}.getValue()") == ui.default_text()
        assert page.input_value(f"{ACTIVE} .autocomplete") == f"{base}sparql"

        # The default tab's query: the BioMed cluster and its English label.
        run_active_tab(page)
        header, rows = table(page)
        assert header == ["cluster", "label"]
        assert rows == [[f"<{BIOMED}>", '"BioMed industrial cluster of Penza Oblast"@en']]
        screenshot(page, "ui-default-query")

        # A named query's tab: the clusters, with BioMed's 28 participants as of May 2018.
        page.get_by_role("tab", name=queries.get("clusters").summary).click()
        assert page.evaluate(f"() => {yasqe}.getValue()") == ui.example_text(queries.get("clusters"))
        run_active_tab(page)
        header, rows = table(page)
        assert len(rows) == 3  # one per specialisation area
        column = dict(zip(header, zip(*rows, strict=True), strict=True))
        assert set(column["cluster"]) == {f"<{BIOMED}>"}
        assert set(column["labelEn"]) == {'"BioMed industrial cluster of Penza Oblast"@en'}
        assert set(column["participants"]) == {'"28"^^xsd:integer'}
        assert set(column["participantsAsOf"]) == {'"2018-05"^^xsd:gYearMonth'}
        assert set(column["clusterType"]) == {"ckg:verticallyIntegratedCluster"}
        screenshot(page, "ui-named-query")

        # Our prefixes, offered from memory: typing an undeclared ckg: adds its declaration.
        page.get_by_role("tab", name="Query", exact=True).click()
        page.evaluate(f"() => {{ {yasqe}.setValue(''); {yasqe}.focus(); }}")
        page.keyboard.type("SELECT * WHERE { ?s a ckg:")
        page.wait_for_function(f"() => {yasqe}.getValue().includes('PREFIX ckg:')")
        assert "PREFIX ckg: <https://w3id.org/clusterkg/ontology#>" in page.evaluate(
            f"() => {yasqe}.getValue()"
        )

        assert seen.foreign_requests() == []
        assert f"{base}sparql" in seen.requests
        assert seen.console_errors == []
        assert seen.page_errors == []
        assert page.evaluate("() => window.__cspViolations") == []
        assert page.evaluate("() => window.localStorage.length") == 0


def test_ui_shows_a_timeout_and_other_errors_as_readable_messages(
    fresh_store: Path, browser: BrowserContext
) -> None:
    with serve(Settings(store=fresh_store, query_timeout_s=1)) as root:
        base = root + "/"
        page, seen = open_ui(browser, base)
        page.evaluate(f"() => window.clusterkgYasgui.getTab().getYasqe().setValue({json.dumps(CROSS_JOIN)})")
        run_active_tab(page)
        error = page.wait_for_selector(f"{ACTIVE} .clusterkg-error", timeout=30_000)
        assert error is not None
        screenshot(page, "ui-timeout")
        assert (
            page.inner_text(f"{ACTIVE} .clusterkg-error-title") == "The query took too long and was stopped"
        )
        assert re.fullmatch(
            r"the query timed out after 1(\.0)? s and was stopped",
            page.inner_text(f"{ACTIVE} .clusterkg-error-message"),
        )
        assert "{" not in error.inner_text()  # the message, not the JSON it came in

        # Any other refusal reads the same way, e.g. federation (refused by the server: the
        # browser itself never contacts the SERVICE).
        page.evaluate(f"() => window.clusterkgYasgui.getTab().getYasqe().setValue({json.dumps(FEDERATED)})")
        run_active_tab(page)
        page.wait_for_selector(f"{ACTIVE} .clusterkg-error-title >> text=federation-refused")
        assert page.inner_text(f"{ACTIVE} .clusterkg-error-title") == "The query failed (federation-refused)"
        assert "<http://example.org/sparql>" in page.inner_text(f"{ACTIVE} .clusterkg-error-message")
        screenshot(page, "ui-refused")

        assert seen.foreign_requests() == []
        # Chromium logs the error statuses itself; nothing else may go wrong.
        assert seen.console_errors == [
            "Failed to load resource: the server responded with a status of 503 (Service Unavailable)",
            "Failed to load resource: the server responded with a status of 403 (Forbidden)",
        ]
        assert seen.page_errors == []
        assert page.evaluate("() => window.__cspViolations") == []
