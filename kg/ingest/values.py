"""Cell text to RDF literals: one parser per datatype, each saying what it expected on failure.

The mapping names a column's datatype with a short name (``integer``, ``gYear``, ``temporal``
...); a statement row may name any of the XSD datatypes below by CURIE. Whole numbers become
``xsd:integer``, a ``number`` is an integer or a decimal as written, decimals accept a comma,
dates accept ``2018-05-31`` and ``31.05.2018``, and a ``temporal`` value is a year, a year and
month or a date, whichever it is written as.

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

from kg.ingest.problems import CellError

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


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


_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_YEAR = re.compile(r"\d{4}")
_YEAR_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])|(0[1-9]|1[0-2])\.(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RU_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DURATION = re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
_LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*")
_TRUE = {"true", "yes", "1", "да"}
_FALSE = {"false", "no", "0", "нет"}


def _string(text: str) -> Lit:
    return Lit(text, XSD + "string")


def _integer(text: str, *, minimum: int | None = None, datatype: str = "integer") -> Lit:
    if not _INTEGER.fullmatch(text) or (minimum is not None and int(text) < minimum):
        at_least = f" of at least {minimum}" if minimum is not None else ""
        raise CellError(f"a whole number{at_least}, such as 28")
    return Lit(str(int(text)), XSD + datatype)


def _decimal(text: str) -> Lit:
    if not _DECIMAL.fullmatch(text):
        raise CellError("a number such as 60 or 60.5")
    return Lit(text.replace(",", ".").lstrip("+"), XSD + "decimal")


def _number(text: str) -> Lit:
    if _INTEGER.fullmatch(text):
        return _integer(text)
    if not _DECIMAL.fullmatch(text):
        raise CellError("a number such as 28 or 60.5")
    return _decimal(text)


def _boolean(text: str) -> Lit:
    lowered = text.lower()
    if lowered in _TRUE:
        return Lit("true", XSD + "boolean")
    if lowered in _FALSE:
        return Lit("false", XSD + "boolean")
    raise CellError("true or false")


def _year(text: str) -> Lit:
    if not _YEAR.fullmatch(text):
        raise CellError("a year of four digits such as 2015")
    return Lit(text, XSD + "gYear")


def _year_month(text: str) -> Lit:
    match = _YEAR_MONTH.fullmatch(text)
    if not match:
        raise CellError("a year and month such as 2018-05")
    if match.group(1):
        return Lit(text, XSD + "gYearMonth")
    return Lit(f"{match.group(4)}-{match.group(3)}", XSD + "gYearMonth")


def _date(text: str) -> Lit:
    try:
        if _ISO_DATE.fullmatch(text):
            return Lit(dt.date.fromisoformat(text).isoformat(), XSD + "date")
        match = _RU_DATE.fullmatch(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return Lit(dt.date(year, month, day).isoformat(), XSD + "date")
    except ValueError:
        pass
    raise CellError("a date such as 2018-05-31 or 31.05.2018")


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
    if not _DURATION.fullmatch(text):
        raise CellError("a duration such as P3Y (3 years) or P6M (6 months)")
    return Lit(text, XSD + "duration")


def _any_uri(text: str) -> Lit:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", text):
        raise CellError("an absolute IRI such as https://example.org/")
    return Lit(text, XSD + "anyURI")


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
    """A BCP 47 language tag such as ``ru`` or ``en-GB``, lower-cased."""
    if not _LANGUAGE.fullmatch(text):
        raise CellError("a language tag such as ru or en")
    return text.lower()


def text_literal(text: str, language: str | None) -> Lit:
    """A text with a language tag (``rdf:langString``), or a plain string without one."""
    return Lit(text, language=language) if language else _string(text)
