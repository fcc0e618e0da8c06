"""The query UI at ``/``: YASGUI, vendored under ``api/static/yasgui``, pointed at ``/sparql``.

The page loads nothing from another host: the editor and its stylesheet are our own copies,
its autocompleters that fetch prefix.cc and Linked Open Vocabularies are replaced by our
prefixes (``api/static/ui/clusterkg-ui.js``), and the pages' Content-Security-Policy
(:data:`api.pages.html.CSP`) tells the browser to refuse any request elsewhere. The tabs are a
default query and one example per named query in ``queries/``, with the parameters' example
values in a comment (never spliced in). The page is the template ``ui.html``; its
configuration goes in as JSON data (``tojson``), never as code.
"""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import queries
from api.pages import html
from kg import package_version
from kg.errors import ParameterError
from kg.namespaces import PREFIXES

router = APIRouter(tags=["ui"])

STATIC = Path(__file__).resolve().parent.parent / "static"
"""Our static files: ``yasgui/`` (vendored, see its VENDORED.md) and ``ui/`` (ours)."""

DEFAULT_QUERY = """\
# The clusters of the graph with their English labels. Ctrl+Enter (or the ▶ button) runs
# the query; the other tabs hold the named queries of clusterkg.
SELECT ?cluster ?label WHERE {
  ?cluster a ckg:Cluster ;
           rdfs:label ?label .
  FILTER(LANGMATCHES(LANG(?label), "en"))
}
ORDER BY ?cluster
LIMIT 100
"""


def static_files() -> StaticFiles:
    """The app's static files, to mount at ``/static``."""
    return StaticFiles(directory=STATIC)


def _comment(text: str) -> list[str]:
    """Text as SPARQL comment lines, wrapped, paragraphs kept apart."""
    lines: list[str] = []
    for paragraph in text.strip().split("\n\n"):
        if lines:
            lines.append("#")
        lines += ["# " + line for line in textwrap.wrap(" ".join(paragraph.split()), width=96)]
    return lines


def _example(param: queries.Param) -> str:
    if param.example is None:
        return "(no example)"
    try:
        return str(queries.to_term(param, param.example))
    except ParameterError:
        return param.example


def example_text(query: queries.NamedQuery) -> str:
    """A named query as its tab shows it: a comment on what it answers and its parameters
    with example values, then its SPARQL text (the ``.rq`` file without its ``#+`` header).

    The parameters stay unbound variables: the editor sends the text as it is.
    """
    lines = [f"# {query.name}: {query.summary}", "#"]
    if query.question:
        lines += [*_comment(query.question), "#"]
    if query.description:
        lines += [*_comment(query.description), "#"]
    if query.params:
        lines.append("# Parameters (unbound here, so the query answers for every value). Examples:")
        for param in query.params:
            need = "required" if param.required else "optional"
            lines.append(f"#   ?{param.name} ({param.type}, {need}): {_example(param)}")
        first = query.params[0]
        if first.example is not None:
            lines.append(
                f"# To fix one, add to the WHERE clause: VALUES ?{first.name} {{ {_example(first)} }}"
            )
        lines.append("#")
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#+")).lstrip("\n")
    return "\n".join(lines) + "\n" + body


def default_text() -> str:
    """The first tab's query: our prefixes, then a simple question."""
    width = max(len(p) for p in PREFIXES)
    decls = [f"PREFIX {p + ':':<{width + 1}} <{iri}>" for p, iri in PREFIXES.items()]
    return "\n".join(decls) + "\n\n" + DEFAULT_QUERY


@cache
def ui_config() -> dict[str, Any]:
    """What the page's script needs: the endpoint (relative to the page), our prefixes, the tabs."""
    return {
        "endpoint": "sparql",
        "dataset": "clusterkg",  # the author of citations of results ("Cite this result")
        "prefixes": dict(PREFIXES),
        "defaultTab": {"name": "Query", "query": default_text()},
        "tabs": [
            {"name": q.summary, "query": example_text(q), "namedQuery": q.name}
            for q in queries.list_queries()
        ],
    }


@router.get("/", summary="The query UI (HTML)", response_class=HTMLResponse)
async def query_ui() -> HTMLResponse:
    """The query UI: YASGUI with our prefixes and the named queries as tabs."""
    return html.page(
        "ui.html", version=package_version(), config=ui_config(), headers={"Cache-Control": "no-cache"}
    )
