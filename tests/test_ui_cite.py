"""The query UI's citable results, in a real browser: each answer shows its dataset version and
a "Cite this result" box (permalink, version, date, BibTeX and a text line), as text only; a
write moves the next answer to the next version. Helpers and the browser come from test_ui.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from conftest import TOKEN, serve

from kg.settings import Settings
from tests.test_ui import ACTIVE, browser, open_ui, run_active_tab, screenshot, table

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["browser"]  # the fixture, used by name

HOSTILE = 'Clusters </textarea><img src=x onerror="window.__pwned=1"> {a} 100% & $x_1 ^ ~ \\end'
QUERY = 'SELECT ?label WHERE { VALUES ?label { "</textarea><script>window.__pwned=2</script>" } }'
YASGUI = "window.clusterkgYasgui"


def cite(page: Page) -> dict[str, str]:
    """Open the active tab's citation box and read it."""
    page.click(f"{ACTIVE} .clusterkg-cite-button")
    page.wait_for_selector(f"{ACTIVE} .clusterkg-cite:not([hidden])")
    return {
        "bar": page.inner_text(f"{ACTIVE} .clusterkg-version-label"),
        "version": page.get_attribute(f"{ACTIVE} .clusterkg-version", "data-version") or "",
        "permalink": page.get_attribute(f"{ACTIVE} .clusterkg-permalink", "href") or "",
        "bibtex": page.input_value(f"{ACTIVE} .clusterkg-cite-bibtex"),
        "text": page.input_value(f"{ACTIVE} .clusterkg-cite-text"),
    }


@pytest.mark.usefixtures("browser")
def test_a_result_names_its_version_and_can_be_cited(fresh_store: Path, browser: object) -> None:
    with serve(Settings(store=fresh_store, update_token=TOKEN, query_timeout_s=30)) as root:
        page, seen = open_ui(browser, root + "/")  # type: ignore[arg-type]
        page.evaluate(f"() => {{ {YASGUI}.getTab().setName({json.dumps(HOSTILE)}); }}")
        page.evaluate(f"() => {{ {YASGUI}.getTab().getYasqe().setValue({json.dumps(QUERY)}); }}")
        run_active_tab(page)
        assert table(page)[1] == [["</textarea><script>window.__pwned=2</script>"]]
        page.wait_for_selector(f"{ACTIVE} .clusterkg-version")
        first = cite(page)
        screenshot(page, "ui-cite")
        assert first["version"] == "1"
        assert re.fullmatch(r"Dataset version 1 · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["bar"])
        date = first["bar"].rsplit(" ", 1)[1]
        link = urlsplit(first["permalink"])
        assert f"{link.scheme}://{link.netloc}" == root and link.path == "/sparql"
        assert parse_qs(link.query) == {"query": [QUERY], "version": ["1"]}
        # The permalink answers the same rows (a GET: a reader can follow it).
        accept = {"Accept": "application/sparql-results+json"}
        again = httpx.get(first["permalink"], headers=accept, timeout=60)
        assert again.status_code == 200 and again.headers["clusterkg-version"] == "1"
        assert again.json()["results"]["bindings"][0]["label"]["value"].startswith("</textarea>")

        # BibTeX: the hostile title escaped, braces balanced, the permalink verbatim.
        bibtex = first["bibtex"]
        assert bibtex.startswith("@misc{clusterkg-v1-" + date[:10].replace("-", "") + ",")
        assert (
            'title   = {Query result: Clusters </textarea><img src=x onerror="window.\\_\\_pwned=1"> '
            "\\{a\\} 100\\% \\& \\$x\\_1 \\^{} \\~{} \\textbackslash{}end}," in bibtex
        )
        assert f"url     = {{{first['permalink']}}}," in bibtex
        assert f"note    = {{SPARQL query result, dataset version 1 of {date}}}," in bibtex
        unescaped = re.sub(r"\\[{}]", "", bibtex)
        assert unescaped.count("{") == unescaped.count("}")
        line = f"clusterkg ({date[:4]}). Query result: {HOSTILE}. Dataset version 1, {date}."
        assert first["text"].startswith(line)
        assert first["permalink"] in first["text"]
        # Nothing of the title or the results became markup.
        assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
        assert page.evaluate("() => window.__pwned") is None

        # A write: the next answer is of version 2, and so is its citation.
        update = 'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://e/p> "v" } }'
        wrote = httpx.post(
            root + "/sparql",
            content=update.encode(),
            headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
            timeout=60,
        )
        assert wrote.status_code == 204, wrote.text
        run_active_tab(page)
        page.wait_for_selector(f"{ACTIVE} .clusterkg-version[data-version='2']")
        second = cite(page)
        assert parse_qs(urlsplit(second["permalink"]).query)["version"] == ["2"]
        assert "dataset version 2 of" in second["bibtex"]

        # A long query (the UI's tabs carry every prefix): its permalink wraps inside the box.
        long_query = QUERY + "\n# " + "x" * 600
        page.evaluate(f"() => {{ {YASGUI}.getTab().getYasqe().setValue({json.dumps(long_query)}); }}")
        run_active_tab(page)
        link_of = f"(document.querySelector('{ACTIVE} .clusterkg-permalink') || {{}}).href || ''"
        page.wait_for_function(f"() => ({link_of}).length > 600")  # the long query's answer is in
        assert len(cite(page)["permalink"]) > 600
        box = f"document.querySelector('{ACTIVE} .clusterkg-cite')"
        assert page.evaluate(f"() => {box}.scrollWidth <= {box}.clientWidth")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

        assert seen.foreign_requests() == []
        assert seen.page_errors == []
        assert page.evaluate("() => window.__cspViolations") == []
