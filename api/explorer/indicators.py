"""Indicators as the dashboard reads them: observations from the rows of the named query
``statistics``, grouped into series (one subject, one indicator, one unit) over reference times.

An :class:`Observation` keeps what its statistic states and nothing more: an exact value, or
one or two bounds (a range "60 to 80 %", a bound "more than 60 %"), its unit, its reference
time where the source gives one (``as_of``: an ``xsd:gYear``, ``gYearMonth`` or ``date``), and
the quote that states it. :func:`phrase` says a value or a range in words; :func:`when` places a
reference time on a time axis (a decimal year). Pure: rows in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from api.pages.words import word
from kg.entities import Entity, Lang, Row, cell, row_entity

__all__ = [
    "Observation",
    "Series",
    "format_date",
    "format_number",
    "observations",
    "phrase",
    "series_of",
    "unit_suffix",
    "unit_word",
    "when",
]

UNIT = "http://qudt.org/vocab/unit/"
CURRENCY = "http://qudt.org/vocab/currency/"


def when(as_of: str | None) -> float | None:
    """A reference time as a decimal year: ``2019`` -> 2019.0, ``2018-05`` -> 2018.33...,
    ``2018-05-16`` -> 2018.37...; None for none or a text it cannot read.

    >>> when("2019"), round(when("2018-07") or 0, 2), when(None), when("May 2018")
    (2019.0, 2018.5, None, None)
    """
    if not as_of:
        return None
    parts = as_of.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else None
        day = int(parts[2][:2]) if len(parts) > 2 else None
    except ValueError:
        return None
    if month is None:
        return float(year)
    return year + (month - 1) / 12 + ((day - 1) / 31 / 12 if day else 0.0)


def format_date(as_of: str | None, lang: Lang) -> str:
    """A reference time in words: a year as it is, a month by name, a date in the language's way.

    >>> format_date("2018-05", "en"), format_date("2018-05", "ru"), format_date("2019-03-02", "ru")
    ('May 2018', 'май 2018', '02.03.2019')
    """
    if not as_of:
        return word("no-date", lang)
    parts = as_of.split("-")
    if len(parts) == 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        return f"{word('months', lang).split(',')[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 3 and lang == "ru":
        return f"{parts[2][:2]}.{parts[1]}.{parts[0]}"
    return as_of


def format_number(text: str, lang: Lang) -> str:
    """A number as the source gives it, without trailing zeros, grouped by thousands.

    >>> format_number("28", "en"), format_number("41.50", "en"), format_number("41.5", "ru")
    ('28', '41.5', '41,5')
    >>> format_number("12500", "en"), format_number("12500", "ru")
    ('12,500', '12 500')
    """
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    whole = number == number.to_integral_value()
    out = f"{int(number):,}" if whole else f"{number.normalize():,f}"
    if lang == "ru":
        out = out.replace(",", " ").replace(".", ",")
    return out


def unit_suffix(unit: str | None) -> str:
    """What follows a number of the unit: `` %`` for per cent, a currency's code, else nothing.

    >>> unit_suffix(UNIT + "PERCENT"), unit_suffix(CURRENCY + "RUB"), unit_suffix(UNIT + "NUM")
    (' %', ' RUB', '')
    """
    if unit is None:
        return ""
    if unit == UNIT + "PERCENT":
        return " %"
    if unit.startswith(CURRENCY):
        return " " + unit[len(CURRENCY) :]
    return ""


def unit_word(unit: str | None, lang: Lang) -> str:
    """The unit in words, for an axis: number, per cent, ratio, a currency's code, or the IRI's name.

    >>> unit_word(UNIT + "NUM", "ru"), unit_word(UNIT + "PERCENT", "en"), unit_word(None, "en")
    ('число', 'per cent', 'unit not stated')
    """
    if unit is None:
        return word("unit-none", lang)
    for name in ("NUM", "PERCENT", "UNITLESS"):
        if unit == UNIT + name:
            return word("unit-" + name.lower(), lang)
    if unit.startswith(CURRENCY):
        return unit[len(CURRENCY) :]
    return unit.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass(frozen=True)
class Observation:
    """One statistic: its subject, indicator, unit, reference time, an exact value or bounds, quote."""

    statistic: str
    subject: Entity
    indicator: Entity
    unit: str | None = None
    as_of: str | None = None
    value: str | None = None
    min_inclusive: str | None = None
    max_inclusive: str | None = None
    min_exclusive: str | None = None
    max_exclusive: str | None = None
    quote: str | None = None

    @property
    def when(self) -> float | None:
        """The reference time as a decimal year; None where the source gives none."""
        return when(self.as_of)

    @property
    def exact(self) -> float | None:
        """The exact value; None for a range or a bound."""
        return _number(self.value)

    @property
    def low(self) -> float | None:
        """The lower bound of a range (inclusive or not); None if it has none."""
        return _number(self.min_inclusive if self.min_inclusive is not None else self.min_exclusive)

    @property
    def high(self) -> float | None:
        """The upper bound of a range (inclusive or not); None if it has none."""
        return _number(self.max_inclusive if self.max_inclusive is not None else self.max_exclusive)

    @property
    def is_range(self) -> bool:
        """Whether the source gives bounds, not a value."""
        return self.value is None


def _number(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def phrase(obs: Observation, lang: Lang) -> str:
    """The value or range in words, with its unit.

    >>> c, i = Entity("c"), Entity("i")
    >>> o = Observation("s", c, i, UNIT + "PERCENT", min_inclusive="60", max_inclusive="80")
    >>> phrase(o, "en"), phrase(o, "ru")
    ('60 to 80 %', 'от 60 до 80 %')
    >>> phrase(Observation("s", c, i, UNIT + "PERCENT", min_exclusive="60"), "en")
    'more than 60 %'
    """
    suffix = unit_suffix(obs.unit)
    if obs.value is not None:
        return format_number(obs.value, lang) + suffix
    if obs.min_inclusive is not None and obs.max_inclusive is not None:
        low, high = format_number(obs.min_inclusive, lang), format_number(obs.max_inclusive, lang)
        return word("range", lang).format(low=low, high=high) + suffix
    parts = [
        word(key, lang).format(n=format_number(text, lang))
        for key, text in (
            ("more-than", obs.min_exclusive),
            ("at-least", obs.min_inclusive),
            ("at-most", obs.max_inclusive),
            ("less-than", obs.max_exclusive),
        )
        if text is not None
    ]
    return (word("and", lang).join(parts) or word("no-value", lang)) + suffix


def observations(rows: Iterable[Row]) -> list[Observation]:
    """The statistics among the rows of ``statistics`` (not the numeric facts stated with a
    property of their own), one per statistic, with the first quote given for it, in row order."""
    found: dict[str, Observation] = {}
    for row in rows:
        statistic = cell(row, "statistic")
        subject, indicator = row_entity(row, "subject"), row_entity(row, "indicator")
        if statistic is None or subject is None or indicator is None:
            continue
        if statistic in found:
            if found[statistic].quote is None and cell(row, "quoteText") is not None:
                old = found[statistic]
                found[statistic] = Observation(**{**old.__dict__, "quote": cell(row, "quoteText")})
            continue
        found[statistic] = Observation(
            statistic,
            subject,
            indicator,
            unit=cell(row, "unit"),
            as_of=cell(row, "asOf"),
            value=cell(row, "value"),
            min_inclusive=cell(row, "minInclusive"),
            max_inclusive=cell(row, "maxInclusive"),
            min_exclusive=cell(row, "minExclusive"),
            max_exclusive=cell(row, "maxExclusive"),
            quote=cell(row, "quoteText"),
        )
    return list(found.values())


@dataclass(frozen=True)
class Series:
    """One subject's observations of one indicator in one unit, dated ones by time, undated last."""

    subject: Entity
    indicator: Entity
    unit: str | None
    observations: tuple[Observation, ...]

    @property
    def dated(self) -> tuple[Observation, ...]:
        """The observations with a reference time, oldest first."""
        return tuple(o for o in self.observations if o.when is not None)

    @property
    def undated(self) -> tuple[Observation, ...]:
        """The observations whose source gives no reference time."""
        return tuple(o for o in self.observations if o.when is None)

    @property
    def latest(self) -> Observation:
        """The latest dated observation, else the first undated one."""
        dated = self.dated
        return dated[-1] if dated else self.observations[0]


def series_of(found: Sequence[Observation], subjects: Sequence[str] = ()) -> list[Series]:
    """The observations grouped by subject, indicator and unit: subjects in the order of
    ``subjects`` (then first seen), indicators by first sight; within a series by time.

    >>> c, i = Entity("http://e/c"), Entity("http://e/i")
    >>> obs = [Observation("b", c, i, as_of="2021", value="2"),
    ...        Observation("a", c, i, as_of="2019", value="1"), Observation("u", c, i, value="3")]
    >>> [o.statistic for o in series_of(obs)[0].observations]
    ['a', 'b', 'u']
    """
    groups: dict[tuple[str, str, str | None], list[Observation]] = {}
    for obs in found:
        groups.setdefault((obs.subject.iri, obs.indicator.iri, obs.unit), []).append(obs)
    rank = {iri: n for n, iri in enumerate(subjects)}
    keys = sorted(groups, key=lambda k: rank.get(k[0], len(rank)))
    out = []
    for key in keys:
        items = sorted(groups[key], key=lambda o: (o.when is None, o.when or 0.0, o.statistic))
        out.append(Series(items[0].subject, items[0].indicator, key[2], tuple(items)))
    return out
