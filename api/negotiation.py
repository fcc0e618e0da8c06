"""Content negotiation: which format to answer in, from ``format`` parameters and ``Accept``.

The SPARQL endpoint answers SELECT/ASK (``kind="results"``) and CONSTRUCT/DESCRIBE
(``kind="graph"``); the Graph Store and resource pages answer RDF, with HTML for browsers
(:func:`negotiate_rdf`). The language of HTML pages comes from ``Accept-Language``, read by
:func:`accepted_languages`. The rules for formats:

1. ``format_params`` are the values of the query parameters ``format``, ``output`` and
   ``results``, in order (SPARQLWrapper sends all three, sometimes ``format`` twice). Each value
   is a short name (``json``, ``ttl``...), a media type, or a comma-separated list of media
   types; the first item we recognise wins. An item we do not recognise is ignored, never an
   error: negotiation then falls back to ``Accept``.
2. ``Accept`` (RFC 9110, section 12.5.1): q-values (``q=0`` means "not acceptable"), ``*/*`` and
   ``type/*``; the most specific range that matches a type gives its weight; other parameters
   (``charset``...) are tolerated and ignored, as we only write UTF-8; malformed elements are
   skipped. Equal weights are broken by the client's order, then by our preference.
   Formats are ranked, not media types: a format sent under an alias (below) weighs what its
   best media type weighs, and goes out under its canonical type unless only the alias is
   accepted. Aliases count only where the client names them, never through a wildcard.
3. No ``Accept``, an empty one or one with no well-formed element gives the default:
   SPARQL Results JSON for results, Turtle for graphs. An ``Accept`` that rules out everything
   we serve is refused with :class:`~kg.errors.RequestError` (status 406) listing what we serve.

Aliases (a format's media types after its preferred one; the table, short names included, is
:mod:`kg.formats`): ``application/json`` is SPARQL Results JSON for results and JSON-LD for
graphs; ``application/xml`` is SPARQL Results XML (for graphs only the short name ``xml`` means
RDF/XML: a browser's ``application/xml;q=0.9`` should not turn Turtle into RDF/XML). For graphs
``text/plain`` is N-Triples (as RDF4J and Virtuoso serve it) and ``application/x-turtle`` and
``application/turtle`` are Turtle. We answer with a media type the client accepted
(``Accept: application/json`` gets ``Content-Type: application/json``). Callers should send
``Vary: Accept``.

>>> negotiate("results", "text/csv;q=0.5, application/sparql-results+xml", [])
Negotiated(media_type='application/sparql-results+xml', format='xml')
>>> negotiate("graph", None, ["json-ld"]).media_type
'application/ld+json'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from kg import formats
from kg.errors import NotAcceptable
from kg.formats import Format

Kind = Literal["results", "graph"]


@dataclass(frozen=True)
class Negotiated:
    """The outcome: the media type to send and the serialisation key to write it with.

    ``format`` is the name of a format of :mod:`kg.formats`: a results format (``json``, ``xml``,
    ``csv``, ``tsv``) or an RDF format (``turtle``, ``ntriples``, ``jsonld``, ``rdfxml``, ``trig``,
    ``nquads``), or ``html`` from :func:`negotiate_rdf`.
    """

    media_type: str
    format: str

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value (``text/*`` types say ``charset=utf-8``).

        >>> Negotiated("text/turtle", "turtle").content_type
        'text/turtle; charset=utf-8'
        """
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


def _offers(family: Iterable[Format]) -> tuple[Negotiated, ...]:
    """What we serve of a family of formats (:mod:`kg.formats`), in our order of preference: the
    first is the default. Aliases come after every preferred type, so that wildcards never pick them."""
    family = list(family)
    preferred = [Negotiated(f.media_type, f.name) for f in family]
    return (*preferred, *(Negotiated(m, f.name) for f in family for m in f.media_types[1:]))


RESULT_OFFERS = _offers(formats.RESULT_FORMATS.values())
GRAPH_OFFERS = _offers(formats.RDF_FORMATS.values())
HTML = Negotiated("text/html", "html")

# Short names in format/output/results parameters (case-insensitive), per kind. They include
# SPARQLWrapper's (json, xml, turtle, n3, rdf, rdf+xml, json-ld, csv, tsv) and Jena's (srj, srx).
RESULT_NAMES = formats.short_names(formats.RESULT_FORMATS)
GRAPH_NAMES = formats.short_names(formats.RDF_FORMATS)

_TOKEN = r"[!#$%&'*+.^_`|~0-9a-z-]+"
_MEDIA_RANGE = re.compile(rf"({_TOKEN})/({_TOKEN})")
_QVALUE = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")


def _split(text: str, separator: str) -> list[str]:
    """Split on a separator outside quoted strings (``"a,b"``, with backslash escapes)."""
    if '"' not in text:
        return text.split(separator)
    parts: list[str] = []
    start, quoted, escaped = 0, False, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header: ``type/subtype``, its weight and its position."""

    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media_type: str) -> int:
        """How specifically this range names ``media_type``: 2 exact, 1 ``type/*``, 0 ``*/*``, -1 not."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str) -> list[MediaRange]:
    """The well-formed media ranges of an ``Accept`` header; malformed elements are skipped.

    Types are lower-cased; a bare ``*`` (old Java clients) is ``*/*``; a missing ``q`` is 1;
    a ``q`` outside 0..1 or not a number drops the element.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/*;q=0.5, image/png;charset=x, nonsense")]
    [('text', '*', 0.5), ('image', 'png', 1.0)]
    """
    ranges: list[MediaRange] = []
    for position, element in enumerate(_split(header, ",")):
        head, *params = (p.strip() for p in _split(element, ";"))
        head = head.lower()
        if head == "*":
            head = "*/*"
        match = _MEDIA_RANGE.fullmatch(head)
        if match is None or (match[1] == "*" and match[2] != "*"):
            continue
        q: float | None = 1.0
        for param in params:
            name, eq, value = param.partition("=")
            if eq and name.strip().lower() == "q":
                q = _qvalue(value.strip())
                break  # parameters after q are accept-ext: tolerated
        if q is not None:
            ranges.append(MediaRange(match[1], match[2], q, position))
    return ranges


def _qvalue(text: str) -> float | None:
    if _QVALUE.fullmatch(text) is None:
        return None
    value = float(text)
    return value if value <= 1.0 else None


def accepted_languages(header: str | None) -> list[str]:
    """The primary language tags of an ``Accept-Language`` header, best first (RFC 9110, 12.5.4).

    Tags are lower-cased and cut to their primary subtag (``ru-RU`` is ``ru``); equal weights keep
    the client's order; ``*``, ``q=0`` and malformed elements (a bad ``q``, a tag that is not
    letters) are dropped; each tag comes once, at its best place.

    >>> accepted_languages("ru-RU,ru;q=0.9,en;q=0.8")
    ['ru', 'en']
    >>> accepted_languages("de, en;q=0, ru;q=0.5, *;q=0.1")
    ['de', 'ru']
    >>> accepted_languages(None)
    []
    """
    weighted: list[tuple[float, int, str]] = []
    for position, element in enumerate(_split(header or "", ",")):
        tag, *params = (part.strip() for part in _split(element, ";"))
        q: float | None = 1.0
        for param in params:
            name, eq, value = param.partition("=")
            if eq and name.strip().lower() == "q":
                q = _qvalue(value.strip())
                break
        primary = tag.lower().split("-", 1)[0]
        if q and primary.isascii() and primary.isalpha():
            weighted.append((-q, position, primary))
    return list(dict.fromkeys(tag for _, _, tag in sorted(weighted)))


def _weight(ranges: Sequence[MediaRange], media_type: str, *, named: bool = False) -> tuple[float, int]:
    """The weight of a media type (from its most specific matching ranges) and the client's position.

    With ``named``, only ranges that name the type count, not wildcards.
    """
    best: tuple[int, float, int] | None = None  # (specificity, q, -position)
    for r in ranges:
        specificity = r.specificity(media_type)
        if specificity < (2 if named else 0):
            continue
        candidate = (specificity, r.q, -r.position)
        if best is None or candidate > best:
            best = candidate
    if best is None:
        return 0.0, 0
    return best[1], -best[2]


def _from_params(
    offers: Sequence[Negotiated], names: dict[str, str], values: Sequence[str]
) -> Negotiated | None:
    by_type = {offer.media_type: offer for offer in offers}
    for value in values:
        for item in value.split(","):
            # A '+' sent unencoded in a query string arrives as a space.
            token = item.split(";", 1)[0].strip().lower().replace(" ", "+")
            media_type = names.get(token, token)
            if media_type in by_type:
                return by_type[media_type]
    return None


def _choose(offers: Sequence[Negotiated], accept: str | None, what: str) -> Negotiated:
    ranges = parse_accept(accept) if accept else []
    if not ranges:
        return offers[0]
    # Formats are ranked, not media types: a format weighs what its best media type weighs, and
    # is sent as the first of ours with that weight (the canonical one, unless the client
    # accepts only an alias). Aliases count only where the client names them: "*/*" or
    # "application/sparql-results+json;q=0, */*" do not mean application/json. Formats are in
    # our order of preference (dicts keep order).
    formats: dict[str, list[tuple[float, int, Negotiated]]] = {}
    for offer in offers:
        members = formats.setdefault(offer.format, [])
        members.append((*_weight(ranges, offer.media_type, named=bool(members)), offer))
    best: tuple[float, int, int] | None = None  # (q, -client position, -our preference)
    chosen = offers[0]
    for preference, members in enumerate(formats.values()):
        q = max(weight for weight, _, _ in members)
        if q <= 0:
            continue
        offer = next(offer for weight, _, offer in members if weight == q)
        position = min(pos for weight, pos, _ in members if weight == q)
        key = (q, -position, -preference)
        if best is None or key > best:
            best, chosen = key, offer
    if best is None:
        served = ", ".join(dict.fromkeys(offer.media_type for offer in offers))
        raise NotAcceptable(
            f"cannot answer {what} in any media type the Accept header allows ({(accept or '')[:200]!r}); "
            f"available: {served}",
        )
    return chosen


def negotiate(kind: Kind, accept: str | None, format_params: Sequence[str]) -> Negotiated:
    """The format of a SPARQL answer: results (SELECT/ASK) or a graph (CONSTRUCT/DESCRIBE).

    :param kind: ``"results"`` or ``"graph"``.
    :param accept: the ``Accept`` header, if any.
    :param format_params: the values of ``format``, ``output`` and ``results``, in order.
    :raises RequestError: status 406 if ``Accept`` allows nothing we serve.

    >>> negotiate("results", "image/png", ["json"]).format
    'json'
    >>> negotiate("results", "*/*", ["foo"]).media_type
    'application/sparql-results+json'
    """
    if not format_params and (accept is None or len(accept) <= _CACHED_ACCEPT):
        return _negotiate_accept(kind, accept)
    return _negotiate(kind, accept, format_params)


_CACHED_ACCEPT = 1024
"""``Accept`` headers up to this length are remembered (the last 256): clients repeat theirs."""


def _negotiate(kind: Kind, accept: str | None, format_params: Sequence[str]) -> Negotiated:
    if kind == "results":
        offers, names, what = RESULT_OFFERS, RESULT_NAMES, "SELECT/ASK results"
    elif kind == "graph":
        offers, names, what = GRAPH_OFFERS, GRAPH_NAMES, "a CONSTRUCT/DESCRIBE graph"
    else:
        raise ValueError(f"unknown kind of answer: {kind!r}")
    return _from_params(offers, names, format_params) or _choose(offers, accept, what)


@functools.lru_cache(maxsize=256)
def _negotiate_accept(kind: Kind, accept: str | None) -> Negotiated:
    """:func:`negotiate` without format parameters, remembered (a refusal is not)."""
    return _negotiate(kind, accept, ())


def negotiate_rdf(accept: str | None, format_params: Sequence[str], *, html: bool) -> Negotiated:
    """The format of an RDF document (Graph Store, resource pages): a graph format, or HTML.

    With ``html=True``, ``text/html`` is offered too (after Turtle, so ``*/*`` still gets
    Turtle; browsers name ``text/html``), and ``format=html`` selects it.

    >>> negotiate_rdf("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", [], html=True)
    Negotiated(media_type='text/html', format='html')
    >>> negotiate_rdf("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", [], html=False)
    Negotiated(media_type='text/turtle', format='turtle')
    """
    offers: tuple[Negotiated, ...] = GRAPH_OFFERS
    names = GRAPH_NAMES
    if html:
        offers = (GRAPH_OFFERS[0], HTML, *GRAPH_OFFERS[1:])
        names = {**GRAPH_NAMES, "html": HTML.media_type}
    return _from_params(offers, names, format_params) or _choose(offers, accept, "this RDF document")
