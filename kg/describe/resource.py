"""What the server says about one resource (``/id/...``): its triples, labels and claims.

Three queries from ``kg/rq/describe-*.rq``, each with the resource bound by a VALUES
block built from a pyoxigraph term (never from request text):

- ``describe-graph``: the triples about the resource (outgoing, in every graph, inferred ones
  included), the links to it (incoming) and the triples about the hash IRIs under it that it
  links to or is linked from (``<r#selector>`` of a quote ``<r>``, with its ``oa:exact`` text).
  This is the RDF document served for it; an empty graph means the server knows nothing of the
  IRI (404).
- ``describe-labels``: labels (``rdfs:label``, ``skos:prefLabel``) of every IRI the page shows.
- ``describe-claims``: the claim graphs that state something about the resource, with the
  quote each claim was derived from, the quote's exact text and its source.

Which label a page shows is :func:`pick_label`'s choice, from the languages the caller
prefers (the web layer reads them from ``Accept-Language``; nothing here reads HTTP).

>>> pick_label([ox.Literal("BioMed", language="en"), ox.Literal("БиоМед", language="ru")], ["ru"])
'БиоМед'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import rq, terms
from kg.engine.binding import bind_values
from kg.engine.client import EngineClient
from kg.errors import EngineError
from kg.terms import Term

NTRIPLES = "application/n-triples"
RESULTS_JSON = "application/sparql-results+json"
RDF_TYPE = terms.RDF_TYPE.value
LANGUAGES = ("en", "ru")
"""The languages the data carries labels in: :func:`pick_label`'s fallback after the caller's."""


@dataclass
class Claim:
    """A claim graph about the resource: its statements involving it, its quotes and sources."""

    iri: str
    statements: list[tuple[Term, str, Term]] = field(default_factory=list)
    quotes: list[ox.Literal] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class Description:
    """A resource as its page shows it."""

    iri: str
    ntriples: bytes
    outgoing: list[ox.Triple]
    incoming: list[ox.Triple]
    labels: dict[str, list[ox.Literal]]
    claims: list[Claim]
    fragments: dict[str, list[ox.Triple]] = field(default_factory=dict)
    """The hash IRIs under the resource's (``<iri>#...``), each with the triples about it."""

    @property
    def types(self) -> list[str]:
        """The IRIs of the resource's classes (asserted and inferred), sorted."""
        return sorted(
            {
                t.object.value
                for t in self.outgoing
                if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)
            }
        )


def pick_label(labels: Sequence[ox.Literal], preferred: Sequence[str]) -> str | None:
    """The label in the first language of ``preferred`` that has one, then of :data:`LANGUAGES`;
    else an untagged one; else any (the first in code point order, so the choice is stable).

    :param preferred: primary language tags (``ru``, ``de``...), best first.

    >>> pick_label([ox.Literal("x")], ["ru"])
    'x'
    >>> pick_label([ox.Literal("BioMed", language="en"), ox.Literal("БиоМед", language="ru")], ["de"])
    'BioMed'
    >>> pick_label([], ["en"]) is None
    True
    """
    by_language: dict[str, list[str]] = {}
    for label in labels:
        primary = (label.language or "").lower().split("-", 1)[0]
        by_language.setdefault(primary, []).append(label.value)
    for language in [*preferred, *LANGUAGES, ""]:
        if language in by_language:
            return sorted(by_language[language])[0]
    every = sorted(label.value for label in labels)
    return every[0] if every else None


async def resource_graph(client: EngineClient, iri: ox.NamedNode, *, timeout_s: float) -> bytes:
    """The N-Triples document about ``iri``: its triples and the links to it (may be empty).

    :raises EngineError: if the engine's answer is not N-Triples.
    """
    query = bind_values(rq.load("describe-graph"), ["r"], [[iri]])
    answer = await client.query(query, accept=NTRIPLES, timeout_s=timeout_s)
    return answer.body


def _triples(body: bytes) -> list[ox.Triple]:
    try:
        return [ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise EngineError(f"the engine's answer was malformed: {exc}") from None


async def describe(client: EngineClient, iri: ox.NamedNode, *, timeout_s: float) -> Description | None:
    """Everything a resource page shows about ``iri``; None when the store does not know it."""
    body = await resource_graph(client, iri, timeout_s=timeout_s)
    triples = _triples(body)
    if not triples:
        return None
    outgoing = sorted((t for t in triples if t.subject == iri), key=str)
    incoming = sorted((t for t in triples if t.object == iri and t.subject != iri), key=str)
    fragments: dict[str, list[ox.Triple]] = {}
    for t in sorted(triples, key=str):
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(iri.value + "#"):
            fragments.setdefault(t.subject.value, []).append(t)
    claims = await _claims(client, iri, timeout_s=timeout_s)
    shown: set[str] = {iri.value}
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                shown.add(term.value)
    for claim in claims:
        shown.update(claim.sources)
        shown.update(p for _, p, _ in claim.statements)
        for s, _, o in claim.statements:
            shown.update(term.value for term in (s, o) if isinstance(term, ox.NamedNode))
    labels = await _labels(client, sorted(shown), timeout_s=timeout_s)
    return Description(iri.value, body, outgoing, incoming, labels, claims, dict(sorted(fragments.items())))


async def _labels(
    client: EngineClient, iris: Iterable[str], *, timeout_s: float
) -> dict[str, list[ox.Literal]]:
    rows = [[ox.NamedNode(iri)] for iri in iris]
    if not rows:
        return {}
    found = await client.select(bind_values(rq.load("describe-labels"), ["x"], rows), timeout_s=timeout_s)
    labels: dict[str, list[ox.Literal]] = {}
    for row in found:
        x, label = row.get("x"), row.get("label")
        if isinstance(x, ox.NamedNode) and isinstance(label, ox.Literal):
            labels.setdefault(x.value, []).append(label)
    return labels


async def _claims(client: EngineClient, iri: ox.NamedNode, *, timeout_s: float) -> list[Claim]:
    query = bind_values(rq.load("describe-claims"), ["r"], [[iri]])
    claims: dict[str, Claim] = {}
    for row in await client.select(query, timeout_s=timeout_s):
        graph, s, p, o = row.get("claim"), row.get("s"), row.get("p"), row.get("o")
        if not isinstance(graph, ox.NamedNode) or not isinstance(p, ox.NamedNode) or s is None or o is None:
            continue
        claim = claims.setdefault(graph.value, Claim(graph.value))
        statement = (s, p.value, o)
        if statement not in claim.statements:
            claim.statements.append(statement)
        exact, source = row.get("exact"), row.get("source")
        if isinstance(exact, ox.Literal) and exact not in claim.quotes:
            claim.quotes.append(exact)
        if isinstance(source, ox.NamedNode) and source.value not in claim.sources:
            claim.sources.append(source.value)
    return list(claims.values())
