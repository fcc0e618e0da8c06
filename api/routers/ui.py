"""The query UI at ``/``: YASGUI, vendored under ``api/static/yasgui``, pointed at ``/sparql``.

The page loads nothing from another host: the editor and its stylesheet are our own copies,
its autocompleters that fetch prefix.cc and Linked Open Vocabularies are replaced by our
prefixes (``api/static/ui/clusterkg-ui.js``), and a Content-Security-Policy tells the browser
to refuse any request elsewhere. The tabs are a default query and one example per named
query in ``queries/``, with the parameters' example values in a comment (never spliced in).
"""

from __future__ import annotations

import json
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import queries
from kg import package_version
from kg.errors import ParameterError
from kg.namespaces import PREFIXES

router = APIRouter(tags=["ui"])

STATIC = Path(__file__).resolve().parent.parent / "static"
"""Our static files: ``yasgui/`` (vendored, see its VENDORED.md) and ``ui/`` (ours)."""

# Every fetch, script, style, image and font must come from this origin. Styles also allow
# inline ones: YASR's table (column-resizer) inserts a <style> element and YASQE draws its
# tooltips with style attributes; inline CSS cannot reach another host, since img-src and
# font-src stay 'self'. Images allow data: URIs (CodeMirror's drag image, our empty favicon).
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

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

PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>clusterkg · SPARQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="static/yasgui/yasgui.min.css">
<link rel="stylesheet" href="static/ui/clusterkg-ui.css">
</head>
<body>
<header class="clusterkg-header">
<h1>clusterkg <small>{version}</small></h1>
<p>Industrial clusters, through-technologies, production stages and IP rights.
SPARQL endpoint: <code>/sparql</code> on this host; each tab holds a named query.</p>
</header>
<main id="yasgui"></main>
<script id="clusterkg-ui-config" type="application/json">{config}</script>
<script src="static/yasgui/yasgui.min.js"></script>
<script src="static/ui/clusterkg-ui.js"></script>
</body>
</html>
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
        "prefixes": dict(PREFIXES),
        "defaultTab": {"name": "Query", "query": default_text()},
        "tabs": [
            {"name": q.summary, "query": example_text(q), "namedQuery": q.name}
            for q in queries.list_queries()
        ],
    }


def _script_json(data: object) -> str:
    """JSON safe inside a <script> element (no ``</script>``, no HTML-significant characters)."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


@router.get("/", include_in_schema=False, response_class=HTMLResponse)
async def query_ui() -> HTMLResponse:
    """The query UI: YASGUI with our prefixes and the named queries as tabs."""
    html = PAGE.format(version=package_version(), config=_script_json(ui_config()))
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )
