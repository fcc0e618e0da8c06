"""Cell text to RDF literals: one parser per datatype, each saying what it expected on failure.

The mapping names a column's datatype with a short name (``integer``, ``gYear``, ``temporal``
...); a statement row may name any of the XSD datatypes below by CURIE. The XSD rules are those
of :mod:`kg.terms`, shared with the REST parameters; on top of them a cell may be written the way
a spreadsheet user writes it: decimals with a comma, dates as ``31.05.2018``, a year and month as
``05.2018``, booleans as yes/no/да/нет. Whole numbers become ``xsd:integer``, a ``number`` is an
integer or a decimal as written, and a ``temporal`` value is a year, a year and month or a date,
whichever it is written as.

>>> parse("28", "number")
Lit(lexical='28', datatype='http://www.w3.org/2001/XMLSchema#integer', language=None)
>>> parse("60,5", "decimal").lexical
'60.5'
>>> parse("31.05.2018", "temporal").datatype.rsplit("#")[1]
'date'
>>> parse("2018-13", "gYearMonth")
Traceback (most recent call last):
kg.ingest.problems.CellError: a year and month such as 2018-05
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kg import terms
from kg.ingest.problems import CellError
from kg.terms import TermError

XSD = terms.XSD
RDF_LANG_STRING = terms.RDF_LANG_STRING


@dataclass(frozen=True)
class Lit:
    """A literal: lexical form with a datatype IRI, or with a language tag."""

    lexical: str
    datatype: str | None = None
    language: str | None = None

    def number(self) -> Decimal | None:
        """The numeric value of a numeric literal, else None."""
        try:
            return Decimal(self.lexical)
        except InvalidOperation:
            return None


# Spreadsheet spellings, turned into the XSD lexical forms before the shared parsers see them.
_COMMA_DECIMAL = re.compile(r"([+-]?[0-9]*),([0-9]*)")
_RU_YEAR_MONTH = re.compile(r"(0[1-9]|1[0-2])\.([0-9]{4})")
_RU_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_TRUE = {"true", "yes", "1", "да"}
_FALSE = {"false", "no", "0", "нет"}


def _string(text: str) -> Lit:
    return Lit(text, XSD + "string")


def _at_least(lexical: str, minimum: int) -> bool:
    """Whether a canonical integer is at least a (small) minimum, without reading huge numbers."""
    if len(lexical) > 18:
        return not lexical.startswith("-")
    return int(lexical) >= minimum


def _integer(text: str, *, minimum: int | None = None, datatype: str = "integer") -> Lit:
    try:
        lexical = terms.integer(text)
    except TermError:
        lexical = None
    if lexical is None or (minimum is not None and not _at_least(lexical, minimum)):
        at_least = f" of at least {minimum}" if minimum is not None else ""
        raise CellError(f"a whole number{at_least}, such as 28")
    return Lit(lexical, XSD + datatype)


def _decimal(text: str, expected: str = "a number such as 60 or 60.5") -> Lit:
    comma = _COMMA_DECIMAL.fullmatch(text)
    try:
        return Lit(terms.decimal(f"{comma[1]}.{comma[2]}" if comma else text), XSD + "decimal")
    except TermError:
        raise CellError(expected) from None


def _number(text: str) -> Lit:
    try:
        return Lit(terms.integer(text), XSD + "integer")
    except TermError:
        return _decimal(text, "a number such as 28 or 60.5")


def _boolean(text: str) -> Lit:
    lowered = text.lower()
    if lowered in _TRUE:
        return Lit("true", XSD + "boolean")
    if lowered in _FALSE:
        return Lit("false", XSD + "boolean")
    raise CellError("true or false")


def _year(text: str) -> Lit:
    try:
        return Lit(terms.g_year(text), XSD + "gYear")
    except TermError:
        raise CellError("a year such as 2015") from None


def _year_month(text: str) -> Lit:
    ru = _RU_YEAR_MONTH.fullmatch(text)
    try:
        return Lit(terms.g_year_month(f"{ru[2]}-{ru[1]}" if ru else text), XSD + "gYearMonth")
    except TermError:
        raise CellError("a year and month such as 2018-05") from None


def _date(text: str) -> Lit:
    ru = _RU_DATE.fullmatch(text)
    try:
        return Lit(terms.date(f"{ru[3]}-{int(ru[2]):02}-{int(ru[1]):02}" if ru else text), XSD + "date")
    except TermError:
        raise CellError("a date such as 2018-05-31 or 31.05.2018") from None


def _date_time(text: str) -> Lit:
    try:
        return Lit(dt.datetime.fromisoformat(text).isoformat(), XSD + "dateTime")
    except ValueError:
        raise CellError("a date and time such as 2018-05-31T12:00:00") from None


def _temporal(text: str) -> Lit:
    for parser in (_year, _year_month, _date):
        try:
            return parser(text)
        except CellError:
            continue
    raise CellError("a year (2015), a year and month (2018-05) or a date (2018-05-31 or 31.05.2018)")


def _duration(text: str) -> Lit:
    try:
        return Lit(terms.duration(text), XSD + "duration")
    except TermError:
        raise CellError("a duration such as P3Y (3 years) or P6M (6 months)") from None


def _any_uri(text: str) -> Lit:
    try:
        return Lit(terms.iri(text, prefixes={}).value, XSD + "anyURI")
    except TermError:
        raise CellError("an absolute IRI such as https://example.org/") from None


PARSERS: dict[str, Callable[[str], Lit]] = {
    "string": _string,
    "integer": _integer,
    "decimal": _decimal,
    "number": _number,
    "boolean": _boolean,
    "gYear": _year,
    "gYearMonth": _year_month,
    "date": _date,
    "dateTime": _date_time,
    "duration": _duration,
    "temporal": _temporal,
}
"""Datatypes a mapping column may declare, by short name."""

XSD_PARSERS: dict[str, Callable[[str], Lit]] = {
    XSD + "string": _string,
    XSD + "integer": _integer,
    XSD + "nonNegativeInteger": lambda t: _integer(t, minimum=0, datatype="nonNegativeInteger"),
    XSD + "positiveInteger": lambda t: _integer(t, minimum=1, datatype="positiveInteger"),
    XSD + "decimal": _number,
    XSD + "boolean": _boolean,
    XSD + "gYear": _year,
    XSD + "gYearMonth": _year_month,
    XSD + "date": _date,
    XSD + "dateTime": _date_time,
    XSD + "duration": _duration,
    XSD + "anyURI": _any_uri,
}
"""Datatypes a statement row may name, by IRI (an ``xsd:decimal`` property takes any number)."""


def parse(text: str, datatype: str) -> Lit:
    """Parse a cell under a column's declared datatype (a key of :data:`PARSERS`).

    :raises CellError: saying what was expected.
    """
    return PARSERS[datatype](text)


def parse_xsd(text: str, datatype: str) -> Lit:
    """Parse a cell as a literal of an XSD datatype IRI (a key of :data:`XSD_PARSERS`)."""
    return XSD_PARSERS[datatype](text)


def language_tag(text: str) -> str:
    """A BCP 47 language tag such as ``ru`` or ``en-GB``, lower-cased (:func:`kg.terms.language_tag`)."""
    try:
        return terms.language_tag(text)
    except TermError:
        raise CellError("a language tag such as ru or en") from None


def text_literal(text: str, language: str | None) -> Lit:
    """A text with a language tag (``rdf:langString``), or a plain string without one."""
    return Lit(text, language=language) if language else _string(text)
