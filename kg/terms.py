"""RDF terms read from text, and the term aliases every layer shares.

One parser per datatype, used by the REST parameters (:func:`queries.to_term`) and by the
ingest cells (:mod:`kg.ingest.values`), so a year, a language tag or an IRI means the same
wherever it is written. A parser returns the lexical form (or the term) and raises
:class:`TermError` saying what it expected; each caller turns that into its own error (a
``ParameterError`` naming the parameter, a ``CellError`` at a cell of a sheet).

The rules are XSD 1.1's, BCP 47's and RFC 3987's. Where the two older parsers disagreed:

- ``xsd:gYear`` (and the year of ``xsd:gYearMonth`` and ``xsd:date``) has an optional minus and
  four or more digits, no leading zero beyond four (``2015``, ``-0044``, ``12015``), and an
  optional time zone (``2015Z``, ``2015+03:00``); digits are ASCII digits only;
- a language tag is a well-formed BCP 47 tag (RFC 5646): a primary subtag of 2-3 letters (with
  up to three extended subtags), or of 4 or 5-8 letters, then optional script, region, variants,
  extensions and private use (``ru``, ``en-GB``, ``zh-Hant-CN``, ``sl-rozaj-biske``,
  ``x-private``), or one of the irregular grandfathered tags (``i-klingon``); tags are
  lower-cased, as the RDF store keeps them;
- ``xsd:duration`` has no weeks (``P2W`` is ISO 8601, not XSD);
- ``xsd:boolean`` is ``true``, ``false``, ``1`` or ``0`` (written ``true``/``false``);
- an IRI is an absolute RFC 3987 IRI (checked by pyoxigraph's parser, so anything it cannot hold
  is refused here); a CURIE with a published prefix (:data:`kg.namespaces.PREFIXES`) is expanded
  first. The prefixes win over URI schemes of the same name (none of them is a registered one).

>>> g_year("-0044")
'-0044'
>>> literal("+007", XSD + "integer")
<Literal value=7 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
>>> language_tag("en-GB")
'en-gb'
>>> iri("ckg:anchorFinisherRole")
<NamedNode value=https://w3id.org/clusterkg/ontology#anchorFinisherRole>
>>> compact("https://w3id.org/clusterkg/ontology#Cluster")
'ckg:Cluster'
>>> g_year("15")
Traceback (most recent call last):
kg.terms.TermError: expected a year (xsd:gYear) such as 2015 or -0044; got '15'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pyoxigraph as ox

from kg.errors import KgError
from kg.namespaces import PREFIXES

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""Any RDF term pyoxigraph can put in a quad or a solution."""

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = ox.NamedNode(RDF + "type")
"""``rdf:type`` as a term (its IRI is ``RDF_TYPE.value``)."""
RDF_LANG_STRING = RDF + "langString"


class TermError(KgError, ValueError):
    """A text is not the term its datatype asks for; ``expected`` says what would be.

    A :class:`~kg.errors.KgError` (the API answers it with a 422), and a ``ValueError`` for
    callers that read values.
    """

    def __init__(self, expected: str, text: str, reason: str | None = None) -> None:
        detail = f" ({reason})" if reason else ""
        super().__init__(f"expected {expected}; got {text!r}{detail}")
        self.expected = expected
        self.text = text
        self.reason = reason


# --- Patterns (JSON Schema and the parsers share them) -------------------------------------------
# Each is a valid ECMA-262 regular expression too, so OpenAPI can publish it as a ``pattern``.

_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12][0-9]|3[01])"

INTEGER_PATTERN = r"[+-]?[0-9]+"
DECIMAL_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
G_YEAR_PATTERN = _YEAR + _TZ + "?"
G_YEAR_MONTH_PATTERN = f"{_YEAR}-{_MONTH}{_TZ}?"
DATE_PATTERN = f"({_YEAR})-({_MONTH})-({_DAY}){_TZ}?"
_SECONDS = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)S"
DURATION_PATTERN = (
    r"-?P(?=[0-9]|T[0-9.])(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?"
    rf"(?:T(?=[0-9.])(?:[0-9]+H)?(?:[0-9]+M)?(?:{_SECONDS})?)?"
)
_ALNUM = "[A-Za-z0-9]"
_LANGTAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4}|[A-Za-z]{5,8})"  # language (+ extlang)
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9A-WY-Za-wy-z](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-[xX](?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_IRREGULAR = (
    "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
    "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
)  # fmt: skip
LANGUAGE_TAG_PATTERN = f"(?:{_LANGTAG}|[xX](?:-{_ALNUM}{{1,8}})+|" + "|".join(_IRREGULAR) + ")"
"""A well-formed BCP 47 language tag (RFC 5646 ``Language-Tag``; matched case-insensitively)."""
LOCAL_NAME_PATTERN = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?"
"""The local names of the CURIEs the API prints and reads (a subset of SPARQL's ``PN_LOCAL``)."""

_INTEGER = re.compile(INTEGER_PATTERN)
_DECIMAL = re.compile(DECIMAL_PATTERN)
_G_YEAR = re.compile(G_YEAR_PATTERN)
_G_YEAR_MONTH = re.compile(G_YEAR_MONTH_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_DURATION = re.compile(DURATION_PATTERN)
_LANGUAGE = re.compile(LANGUAGE_TAG_PATTERN, re.IGNORECASE)
_LOCAL = re.compile(LOCAL_NAME_PATTERN)
# Characters no IRI may hold (RFC 3987; SPARQL's IRIREF), refused before pyoxigraph's parser.
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


# --- Literals ------------------------------------------------------------------------------------


def integer(text: str) -> str:
    """An ``xsd:integer`` in its canonical form (no ``+``, no leading zeros).

    >>> integer("-007")
    '-7'
    """
    if not _INTEGER.fullmatch(text):
        raise TermError("a whole number (xsd:integer) such as 28", text)
    digits = text.lstrip("+-").lstrip("0") or "0"
    return "-" + digits if text.startswith("-") and digits != "0" else digits


def decimal(text: str) -> str:
    """An ``xsd:decimal`` as written, without a leading ``+`` (no exponent, no NaN or INF).

    >>> decimal("+60.5")
    '60.5'
    """
    if not _DECIMAL.fullmatch(text):
        raise TermError("a decimal number (xsd:decimal) such as 60 or 60.5", text)
    return text.removeprefix("+")


def boolean(text: str) -> str:
    """An ``xsd:boolean``: ``true``/``1`` or ``false``/``0``, written ``true`` or ``false``.

    >>> boolean("1")
    'true'
    """
    if text in ("true", "1"):
        return "true"
    if text in ("false", "0"):
        return "false"
    raise TermError("a boolean (xsd:boolean): true or false", text)


def g_year(text: str) -> str:
    """An ``xsd:gYear``: ``2015``, ``-0044``, ``12015`` or ``2015Z``."""
    if not _G_YEAR.fullmatch(text):
        raise TermError("a year (xsd:gYear) such as 2015 or -0044", text)
    return text


def g_year_month(text: str) -> str:
    """An ``xsd:gYearMonth`` such as ``2018-05``."""
    if not _G_YEAR_MONTH.fullmatch(text):
        raise TermError("a year and month (xsd:gYearMonth) such as 2018-05", text)
    return text


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def date(text: str) -> str:
    """An ``xsd:date`` such as ``2018-05-31``: a day that exists in that month.

    >>> date("2024-02-29")
    '2024-02-29'
    >>> date("2023-02-29")
    Traceback (most recent call last):
    kg.terms.TermError: expected a date (xsd:date) such as 2018-05-31; got '2023-02-29'
    """
    match = _DATE.fullmatch(text)
    if match:
        # XSD 1.1 numbers years astronomically (0000 is 1 BCE), so the leap rule holds throughout.
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        last = 29 if month == 2 and _leap(year) else _DAYS_IN_MONTH[month]
        if day <= last:
            return text
    raise TermError("a date (xsd:date) such as 2018-05-31", text)


def duration(text: str) -> str:
    """An ``xsd:duration`` such as ``P3Y`` or ``P1Y6M`` or ``PT36H``."""
    if not _DURATION.fullmatch(text):
        raise TermError("a duration (xsd:duration) such as P3Y (3 years) or P6M (6 months)", text)
    return text


def string(text: str) -> str:
    """An ``xsd:string``: any text."""
    return text


LEXICAL: dict[str, Callable[[str], str]] = {
    XSD + "string": string,
    XSD + "integer": integer,
    XSD + "decimal": decimal,
    XSD + "boolean": boolean,
    XSD + "gYear": g_year,
    XSD + "gYearMonth": g_year_month,
    XSD + "date": date,
    XSD + "duration": duration,
}
"""The parsers by datatype IRI: each returns the lexical form to store."""


def literal(text: str, datatype: str) -> ox.Literal:
    """A typed literal of one of the datatypes of :data:`LEXICAL` (a ``KeyError`` for others).

    >>> literal("2018-05", XSD + "gYearMonth").value
    '2018-05'
    """
    return ox.Literal(LEXICAL[datatype](text), datatype=ox.NamedNode(datatype))


def language_tag(text: str) -> str:
    """A well-formed BCP 47 language tag, lower-cased.

    >>> language_tag("zh-Hant-CN"), language_tag("i-klingon")
    ('zh-hant-cn', 'i-klingon')
    """
    if not _LANGUAGE.fullmatch(text):
        raise TermError("a language tag (BCP 47) such as ru or en-GB", text)
    return text.lower()


def lang_string(text: str) -> ox.Literal:
    """A language-tagged string written ``text@tag`` (the last ``@`` starts the tag).

    >>> lang_string("user@example.org@en-GB")
    <Literal value=user@example.org language=en-gb>
    """
    value, sep, tag = text.rpartition("@")
    expected = "text@language, with a BCP 47 language tag (e.g. МедИнж@ru)"
    if not sep or not _LANGUAGE.fullmatch(tag):
        raise TermError(expected, text)
    try:
        return ox.Literal(value, language=tag.lower())
    except ValueError as exc:  # pragma: no cover - the pattern is stricter than the store
        raise TermError(expected, text, str(exc)) from None


# --- IRIs and CURIEs -----------------------------------------------------------------------------


def expand(text: str, prefixes: Mapping[str, str] = PREFIXES) -> str | None:
    """The IRI a CURIE with one of the prefixes stands for; ``None`` if the text is no such CURIE.

    >>> expand("skos:broader")
    'http://www.w3.org/2004/02/skos/core#broader'
    >>> expand("https://example.org/x") is None
    True

    :raises TermError: for a known prefix with a local name that is not one.
    """
    prefix, sep, local = text.partition(":")
    if not sep or prefix not in prefixes:
        return None
    if not _LOCAL.fullmatch(local):
        raise TermError(
            f"a CURIE {prefix}:<name>, the name of letters, digits, '_', '-' and '.' (not last)", text
        )
    return prefixes[prefix] + local


def compact(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str | None:
    """The IRI as a CURIE with the longest matching namespace, or ``None`` (the inverse of :func:`expand`).

    >>> compact("https://example.org/x") is None
    True
    """
    best = max(
        (p for p, ns in prefixes.items() if iri.startswith(ns)), key=lambda p: len(prefixes[p]), default=None
    )
    if best is None:
        return None
    local = iri[len(prefixes[best]) :]
    return f"{best}:{local}" if _LOCAL.fullmatch(local) else None


def iri(text: str, *, prefixes: Mapping[str, str] = PREFIXES) -> ox.NamedNode:
    """An absolute IRI, or a CURIE with one of the prefixes, as a term.

    >>> iri("urn:isbn:9780000000000")
    <NamedNode value=urn:isbn:9780000000000>
    >>> iri("_:b0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kg.terms.TermError: expected an absolute IRI ... or a CURIE ...; got '_:b0' (Invalid IRI code point ':')

    :raises TermError: for anything else (a blank node, a relative or malformed IRI, a CURIE
        with an unknown prefix that is no IRI either).
    """
    expected = (
        "an absolute IRI such as https://w3id.org/clusterkg/id/cluster/biomed"
        f" or a CURIE such as ckg:Cluster (prefixes: {', '.join(prefixes)})"
    )
    full = expand(text, prefixes) or text
    bad = _BAD_IRI.search(full)
    if not full or bad:
        raise TermError(expected, text, f"it holds {bad[0]!r}" if bad else "it is empty")
    try:
        return ox.NamedNode(full)
    except ValueError as exc:
        raise TermError(expected, text, str(exc)) from None
