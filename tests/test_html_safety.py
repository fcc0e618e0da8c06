"""Every HTML page is safe to show hostile data: escaped text, http(s) links only, one CSP.

Plain tests check the one Content-Security-Policy on every HTML route, the link rule and the
pages rendered from hostile values. The browser test writes hostile labels and links into the
graph through the real write path (``POST /sparql``, an update with the token) and opens every
page in Debian's Chromium (:mod:`tests.browser`): no dialog opens, the hostile text reads as
text, no ``javascript:`` link exists, no CSP violation is reported, and each response carries
exactly :data:`api.pages.html.CSP`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
from conftest import TOKEN, serve
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from api.pages.html import CSP, HEADERS, is_web_link
from api.routers.linked_data import render_resource
from api.routers.ontology import ontology_version, render_ontology
from kg.describe.resource import Claim, Description
from kg.settings import Settings
from ontology import NAMESPACE, ONTOLOGY_IRI
from tests.browser import chromium

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

BASE = "https://w3id.org/clusterkg/"
BIOMED = BASE + "id/cluster/biomed"
PROJECT = BASE + "id/project/medinzh-x-ray-endovascular-devices"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
NOT_WEB = (
    "javascript:alert(5)",
    "JaVaScRiPt:alert(6)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
)
HOSTILE_GRAPH = BASE + "graph/test-hostile"
# The cluster's and the project's English labels are replaced by hostile ones (the claim graphs
# keep the rest); the cluster gets rdfs:seeAlso links to IRIs that must never become links.
HOSTILE_UPDATE = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DELETE {{ GRAPH ?g {{ ?x rdfs:label ?label }} }}
WHERE {{
  VALUES ?x {{ <{BIOMED}> <{PROJECT}> }}
  GRAPH ?g {{ ?x rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
}} ;
INSERT DATA {{ GRAPH <{HOSTILE_GRAPH}> {{
  <{BIOMED}> rdfs:label {ox.Literal(SCRIPT, language="en")} ;
      rdfs:seeAlso {", ".join(str(ox.NamedNode(iri)) for iri in NOT_WEB)} .
  <{PROJECT}> rdfs:label {ox.Literal(IMG, language="en")} .
}} }}
"""


def _pages() -> dict[str, str]:
    """The HTML pages of the app: a name and a path with its query."""
    return {
        "query UI": "/",
        "cluster resource": "/id/cluster/biomed",
        "project resource": "/id/project/medinzh-x-ray-endovascular-devices",
        "quote resource": "/id/quote/biomed-statistics-2018-05",
        "unknown resource": "/id/cluster/nowhere",
        "invalid resource": "/id/" + quote(SCRIPT),
        "ontology": "/ontology",
        "versioned ontology": f"/ontology/{ontology_version()}",
        "project explorer": "/explore/project/medinzh-x-ray-endovascular-devices?lang=en",
        "cluster explorer": "/explore/cluster/biomed?lang=en",
        "cluster explorer ru": "/explore/cluster/biomed?lang=ru",
        "unknown project": "/explore/project/nowhere",
        "invalid cluster": "/explore/cluster/" + quote(IMG),
    }


# --- Without a browser -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "web"),
    [
        ("https://ror.org/02mh1ke95", True),
        ("http://example.org/x", True),
        ("HTTPS://EXAMPLE.ORG/", True),
        ("/id/cluster/biomed", True),
        ("../../id/cluster/biomed", True),
        ("?format=ttl", True),
        ("#Cluster", True),
        ("//example.org/x", True),
        *[(url, False) for url in NOT_WEB],
        ("  javascript:alert(1)", False),
        ("\x00javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("vbscript:msgbox(1)", False),
        ("mailto:someone@example.org", False),
        ("urn:isbn:0451450523", False),
    ],
)
def test_only_http_and_relative_references_are_links(url: str, web: bool) -> None:
    assert is_web_link(url) is web


def test_every_html_page_carries_the_one_csp(client: TestClient) -> None:
    for name, path in _pages().items():
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.headers["content-type"].startswith("text/html"), name
        assert response.status_code in (200, 404), name
        assert response.headers["content-security-policy"] == CSP, name
        for header, value in HEADERS.items():
            assert response.headers[header] == value, (name, header)


def test_no_route_answers_html_without_the_csp(client: TestClient) -> None:
    """Every GET route of the OpenAPI description, asked for HTML with a placeholder for each
    path parameter: what comes back as HTML carries the CSP."""
    paths = ["/", "/docs", "/redoc", *client.get("/openapi.json").json()["paths"]]
    checked = []
    for template in paths:
        path = re.sub(r"\{[^}]+\}", "x", template)
        response = client.get(path, headers={"Accept": "text/html"})
        if response.headers.get("content-type", "").startswith("text/html"):
            assert response.headers.get("content-security-policy") == CSP, template
            checked.append(template)
    assert {"/", "/docs", "/redoc", "/id/{path}", "/ontology", "/explore/cluster/{slug}"} <= set(checked)


def _links(page: str) -> list[str]:
    """The targets of a page's ``<a href>`` links."""
    return re.findall(r'<a [^>]*href="([^"]*)"', page)


def test_resource_page_shows_hostile_values_as_text() -> None:
    iri = BASE + "id/thing/x"
    subject = ox.NamedNode(iri)
    see_also = ox.NamedNode(SEE_ALSO)
    description = Description(
        iri=iri,
        ntriples=b"",
        outgoing=[
            ox.Triple(subject, ox.NamedNode(RDFS_LABEL), ox.Literal(SCRIPT, language="en")),
            *(ox.Triple(subject, see_also, ox.NamedNode(url)) for url in NOT_WEB),
            ox.Triple(subject, see_also, ox.NamedNode("https://example.org/ok")),
        ],
        incoming=[ox.Triple(ox.NamedNode("javascript:alert(8)"), see_also, subject)],
        labels={iri: [ox.Literal(SCRIPT, language="en")], "https://example.org/ok": [ox.Literal(IMG)]},
        claims=[Claim(BASE + "id/claim/c", quotes=[ox.Literal(IMG)], sources=["javascript:alert(9)"])],
        fragments={iri + "#x": [ox.Triple(ox.NamedNode(iri + "#x"), see_also, ox.NamedNode("data:,x"))]},
    )
    page = render_resource(description, ["en"], BASE)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    links = _links(page)
    assert "https://example.org/ok" in links
    assert all(is_web_link(href) for href in links), links
    assert not re.search(r"href=\"[^\"]*script:", page, re.IGNORECASE)
    for url in NOT_WEB:
        assert f'<span class="iri" title="{url}">{url}</span>' in page


def test_ontology_page_shows_hostile_values_as_text() -> None:
    graph = Graph()
    term = URIRef(NAMESPACE + "Hostile")
    graph.add((URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology))
    graph.add((term, RDF.type, OWL.Class))
    graph.add((term, RDFS.label, Literal(SCRIPT, lang="en")))
    graph.add((term, RDFS.label, Literal(IMG, lang="ru")))
    graph.add((term, RDFS.subClassOf, URIRef("javascript:alert(5)")))
    graph.add((term, RDFS.subClassOf, URIRef("https://example.org/Thing")))
    page = render_ontology(graph, "0.0.0")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://example.org/Thing"' in page
    assert '<span class="iri"><code>javascript:alert(5)</code></span>' in page
    assert all(is_web_link(href) for href in _links(page))


# --- A real server, hostile data written through the API, and a real browser -------------------


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Debian's headless Chromium through Playwright, with an empty profile."""
    with chromium(tmp_path / "chromium-profile") as context:
        yield context


def _hrefs(page: Page, selector: str = "[href]") -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return hrefs


def _injected(page: Page) -> list[str]:
    """Elements only an injection would make: event handler attributes, inline scripts, <img>."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('*')].flatMap(e => [
            ...[...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + '@' + a.name),
            ...(e.tagName === 'SCRIPT' && !e.src && e.type !== 'application/json' ? ['inline script'] : []),
            ...(e.tagName === 'IMG' ? ['img ' + e.getAttribute('src')] : []),
        ])"""
    )
    return found


# What each page shows of the hostile data, literally: the labels where the page draws them,
# the non-web IRIs (as text) on the cluster's own page, the requested IRI on the 404 pages.
EXPECTED_TEXT = {
    "cluster resource": [SCRIPT, *NOT_WEB],
    "project resource": [IMG],
    "invalid resource": [SCRIPT],
    "project explorer": [IMG, SCRIPT],
    "cluster explorer": [SCRIPT, IMG],
    "invalid cluster": [IMG],
}


def test_hostile_data_is_shown_as_text_on_every_page(fresh_store: Path, browser: BrowserContext) -> None:
    with serve(Settings(store=fresh_store, update_token=TOKEN, query_timeout_s=30)) as base:
        written = httpx.post(
            base + "/sparql",
            content=HOSTILE_UPDATE.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
            timeout=60,
        )
        assert written.status_code in (200, 204), written.text

        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.add_init_script(
            "window.__cspViolations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        for name, path in _pages().items():
            response = page.goto(base + path)
            assert response is not None, name
            assert response.headers["content-type"].startswith("text/html"), name
            assert response.headers["content-security-policy"] == CSP, name
            if name == "query UI":
                # The default query lists the clusters' English labels: YASR draws them as text.
                page.wait_for_selector(".yasgui .tabPanel.active .yasqe .CodeMirror")
                page.click(".yasgui .tabPanel.active .yasqe_queryButton")
                page.wait_for_selector(
                    ".yasgui .tabPanel.active .yasr table.dataTable tbody tr td:nth-child(2)"
                )
                assert SCRIPT in page.inner_text(".yasgui .tabPanel.active .yasr table.dataTable")
            text = page.inner_text("body")
            for expected in EXPECTED_TEXT.get(name, []):
                assert expected in text, (name, expected)
            page.wait_for_timeout(200)  # time for any handler an injection might have set off
            # No javascript: URL anywhere; links (<a>) go only to http(s) or within the site
            # (the one data: URL is our own empty favicon, <link rel="icon" href="data:,">).
            assert [h for h in _hrefs(page) if "script:" in re.sub(r"[\x00-\x20]", "", h.lower())] == []
            assert [h for h in _hrefs(page, "a[href]") if not is_web_link(h)] == [], name
            assert _injected(page) == [], name
            assert page.evaluate("() => window.__cspViolations") == [], name
        assert dialogs == []
