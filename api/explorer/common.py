"""What every explorer page shares: the language choice, binding entities into queries, links,
the view the templates ask, and the pages for "not found" and for a bad parameter.

The explorer's pages are :mod:`api.explorer.pages` (a project's scheme, and the router that
holds the others), :mod:`api.explorer.cluster` (a cluster's dashboard) and
:mod:`api.explorer.compare` (clusters side by side). Their data come from named queries
(``queries/``) and from the explorer's own ``.rq`` files (``api/explorer/rq/``), with entities
bound in a ``VALUES`` block as RDF terms, never spliced from request text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import pyoxigraph as ox
from fastapi import Header, Query
from fastapi.responses import HTMLResponse

import queries
from api.negotiation import accepted_languages
from api.pages import html
from api.pages.words import choose, word
from api.schema.openapi import ENGINE, HTML, answer, error_responses
from kg import namespaces
from kg.engine.binding import MARKER, bind_values
from kg.entities import Actor, Entity, Lang
from kg.errors import QueryError

__all__ = [
    "HEADERS",
    "ID",
    "SLUG",
    "SYNTHETIC_ID",
    "AcceptLanguage",
    "ExplorerView",
    "LangParam",
    "bad_parameter",
    "bound",
    "bound_text",
    "choose_lang",
    "explorer_query",
    "local",
    "not_found",
    "page_responses",
]

ID = str(namespaces.ID)
SYNTHETIC_ID = str(namespaces.SYNTH) + "id/"
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
HEADERS = {"Cache-Control": "no-cache"}
"""The explorer's own headers (those of every page are :data:`api.pages.html.HEADERS`)."""
RQ = Path(__file__).resolve().parent / "rq"


def choose_lang(lang: str | None, accept_language: str | None) -> Lang:
    """``en`` or ``ru``: the ``lang`` parameter, else the best of them in Accept-Language, else en.

    >>> choose_lang(None, "de, ru;q=0.8, en;q=0.5")
    'ru'
    """
    if lang in ("en", "ru"):
        return "ru" if lang == "ru" else "en"
    return choose(accepted_languages(accept_language))


def bound_text(text: str, variable: str, terms: Sequence[ox.NamedNode]) -> str:
    """A query's text with ``variable`` taking each of ``terms`` (a VALUES block at the top of its
    WHERE clause, or at its ``#@values`` line; the terms are written by pyoxigraph).

    >>> print(bound_text("SELECT ?x WHERE {\\n  ?x ?p ?o }", "x", [ox.NamedNode("http://e/a")]))
    SELECT ?x WHERE {
      VALUES (?x) {
        (<http://e/a>)
      }
      ?x ?p ?o }

    :raises QueryError: if the query has neither a ``#@values`` line nor a ``WHERE {`` line.
    """
    lines = text.split("\n")
    if not any(line.strip() == MARKER for line in lines):
        at = next((i for i, line in enumerate(lines) if line.rstrip().endswith("WHERE {")), None)
        if at is None:
            raise QueryError(f"a query has no 'WHERE {{' line to bind ?{variable} in")
        lines.insert(at + 1, "  " + MARKER)
    return bind_values("\n".join(lines), [variable], [[term] for term in terms])


def bound(name: str, variable: str, term: ox.NamedNode | Sequence[ox.NamedNode]) -> str:
    """A named query's text with ``variable`` fixed to ``term`` (or each of several terms).

    :raises QueryError: if the query has no ``WHERE {`` line to put the block in.
    """
    terms = [term] if isinstance(term, ox.NamedNode) else list(term)
    return bound_text(queries.get(name).text, variable, terms)


def explorer_query(name: str, variable: str, terms: Sequence[ox.NamedNode]) -> str:
    """One of the explorer's own queries (``api/explorer/rq/<name>.rq``) with ``variable`` bound."""
    return bound_text((RQ / f"{name}.rq").read_text(encoding="utf-8"), variable, terms)


def local(iri: str, root: str) -> str:
    """Where this service dereferences an IRI of ours (``/id/...``), relative to the page."""
    return root + iri[len(namespaces.BASE) :] if iri.startswith(ID) else iri


@dataclass(frozen=True)
class ExplorerView:
    """What the explorer's templates ask: the language, words, and where entities link to."""

    lang: Lang
    root: str = "../../"

    @property
    def id_namespace(self) -> str:
        """Our id namespace (``https://w3id.org/clusterkg/id/``): the IRIs the explorer pages."""
        return ID

    def word(self, key: str) -> str:
        """A fixed word of the pages in the page's language."""
        return word(key, self.lang)

    def href(self, entity: Entity | str) -> str:
        """Where an entity (or an IRI) links to: its ``/id/`` page for ours, else its IRI."""
        return local(entity if isinstance(entity, str) else entity.iri, self.root)

    def label(self, entity: Entity) -> str:
        """An entity's label in the page's language."""
        return entity.text(self.lang)

    def slug(self, entity: Entity) -> str:
        """The last segment of an entity's IRI (its explorer page's name)."""
        return entity.iri.rsplit("/", 1)[-1]

    def group_note(self, actor: Actor) -> str:
        """What a participant is when it is a group: unnamed organisations, and how many if known."""
        note = word("group", self.lang)
        if actor.group_size is not None:
            note += ", " + word("group-of", self.lang).format(n=actor.group_size)
        return note


LangParam = Annotated[Literal["en", "ru"] | None, Query(description="Label language: en or ru.")]
AcceptLanguage = Annotated[str | None, Header()]


def page_responses(what: str) -> dict[int | str, dict[str, object]]:
    """The OpenAPI answers of an explorer page about one ``what``."""
    return {
        **answer(f"The {what}'s page.", HTML),
        **answer(f"No such {what} in the graph: a page that says so.", HTML, status=404),
        **error_responses(422, *ENGINE),
    }


def not_found(kind: str, iri: str, lang: Lang, root: str = "../../") -> HTMLResponse:
    """The 404 page: the graph holds no ``kind`` with this IRI."""
    return html.page(
        "explorer_not_found.html",
        status_code=404,
        headers=HEADERS,
        view=ExplorerView(lang, root),
        lang=lang,
        what=kind.lower(),
        iri=iri,
    )


def bad_parameter(parameter: str, message: str, lang: Lang, root: str = "../") -> HTMLResponse:
    """The 422 page: the request's ``parameter`` does not fit, and why (in the page's language)."""
    return html.page(
        "explorer_error.html",
        status_code=422,
        headers=HEADERS,
        view=ExplorerView(lang, root),
        lang=lang,
        parameter=parameter,
        message=message,
    )
