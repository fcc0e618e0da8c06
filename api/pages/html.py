"""HTML pages and SVG drawings: Jinja2 templates with autoescaping, one CSP, one link rule.

Every HTML page is a template of ``api/templates`` that extends ``base.html``, rendered by
:func:`page` into a :func:`response` that carries :data:`HEADERS` (the one
Content-Security-Policy, :data:`CSP`, among them). Drawings and other fragments are rendered
by :func:`render`. The environment (:func:`environment`) is built on first use and kept; it
escapes every value in ``.html`` and ``.svg`` templates (and in any other, by default), so a
template never escapes by hand and Python code never writes markup.

Links to IRIs go through the macro ``link`` of ``_macros.html``, which makes an ``href`` only of
what :func:`is_web_link` accepts (an http(s) URL or a reference relative to the page): any other
IRI (``javascript:``, ``data:``, ``file:``...) is shown as text. Filters and tests the templates
have: ``compact`` (:func:`compact`), ``num`` (:func:`num`), ``web_link``, ``named_node``,
``blank_node`` and ``literal`` (pyoxigraph terms).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from kg.namespaces import PREFIXES

__all__ = [
    "CSP",
    "HEADERS",
    "TEMPLATES",
    "compact",
    "environment",
    "is_web_link",
    "num",
    "page",
    "render",
    "response",
]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
"""The templates: ``base.html``, ``_macros.html``, one per page, ``drawing.svg``."""

# Every fetch, script, style, image and font must come from this origin. Styles also allow
# inline ones: YASR's table (column-resizer) inserts a <style> element, YASQE draws its
# tooltips with style attributes and the resource and ontology pages carry their own <style>;
# inline CSS cannot reach another host, since img-src and font-src stay 'self'. Images allow
# data: URIs (CodeMirror's drag image, our empty favicon). No inline script runs anywhere.
# Workers may start from blob: URLs of this page's own scripts (ReDoc's search index at /redoc).
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""The Content-Security-Policy of every HTML page."""

HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""The headers every HTML page carries."""

_WEB_SCHEMES = frozenset({"http", "https"})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*(?=:)")
_EDGES = "".join(chr(c) for c in range(0x21))  # C0 controls and space, which browsers strip
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")  # which browsers remove anywhere in a URL


def is_web_link(url: str) -> bool:
    """Whether ``url`` may be an ``href``: an http(s) URL, or a reference relative to the page.

    The scheme is read as a browser reads it (WHATWG URL): leading and trailing controls and
    spaces stripped, tabs and newlines removed, case ignored.

    >>> is_web_link("https://ror.org/02mh1ke95"), is_web_link("/id/cluster/biomed"), is_web_link("#Cluster")
    (True, True, True)
    >>> is_web_link("javascript:alert(5)"), is_web_link(" JaVa\\tScRiPt:alert(5)"), is_web_link("data:,x")
    (False, False, False)
    >>> is_web_link("file:///etc/passwd"), is_web_link("urn:isbn:0451450523")
    (False, False)
    """
    cleaned = _TAB_OR_NEWLINE.sub("", url.strip(_EDGES))
    scheme = _SCHEME.match(cleaned)
    return scheme is None or scheme.group(0).lower() in _WEB_SCHEMES


def compact(iri: str) -> str:
    """An IRI as ``prefix:local`` when one of our prefixes fits (the longest), else the IRI.

    >>> compact("https://w3id.org/clusterkg/ontology#region")
    'ckg:region'
    >>> compact("https://ror.org/02mh1ke95")
    'https://ror.org/02mh1ke95'
    """
    best = ""
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = name
    if best:
        return f"{best}:{iri[len(PREFIXES[best]) :]}"
    return iri


def num(value: float) -> str:
    """A coordinate as the drawings write it: at most six significant digits, no trailing zeros.

    >>> num(196), num(24.0), num(112.5), num(1 / 3)
    ('196', '24', '112.5', '0.333333')
    """
    return format(value, "g")


@cache
def environment() -> Environment:
    """The Jinja2 environment of the templates, built once: autoescaping everywhere, undefined
    names an error, our filters and tests."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(
            enabled_extensions=("html", "svg"), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["compact"] = compact
    env.filters["num"] = num
    env.tests["web_link"] = is_web_link
    env.tests["named_node"] = lambda term: isinstance(term, ox.NamedNode)
    env.tests["blank_node"] = lambda term: isinstance(term, ox.BlankNode)
    env.tests["literal"] = lambda term: isinstance(term, ox.Literal)
    # ``tojson`` (data for a script) keeps non-ASCII text as it is; <, >, & and ' are escaped.
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    return env


def render(name: str, /, **context: object) -> Markup:
    """A template rendered with ``context``, every value escaped: markup to put in a page."""
    return Markup(environment().get_template(name).render(**context))


def response(
    body: str, /, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    """An HTML response of a rendered page, with :data:`HEADERS`.

    :param headers: more headers (``Vary``, ``Cache-Control``...); they cannot replace ours.
    """
    return HTMLResponse(body, status_code=status_code, headers={**(headers or {}), **HEADERS})


def page(
    name: str, /, *, status_code: int = 200, headers: Mapping[str, str] | None = None, **context: object
) -> HTMLResponse:
    """An HTML page: the template ``name`` rendered with ``context``, as a :func:`response`."""
    return response(render(name, **context), status_code=status_code, headers=headers)
