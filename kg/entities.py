"""Labelled resources read from SPARQL result rows, for the explorer's drawings.

:class:`Label` holds a label in English and Russian, :class:`Entity` a resource with its
labels and :class:`Actor` an organisation or an unnamed group of them. The row readers
(:func:`cell`, :func:`cell_int`, :func:`row_label`, :func:`row_entity`, :func:`entities`) take
the values of named variables of a query's rows. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from kg.engine.local_store import text_of
from kg.terms import Term

__all__ = [
    "Actor",
    "Entity",
    "Label",
    "Lang",
    "Row",
    "cell",
    "cell_int",
    "entities",
    "row_entity",
    "row_label",
]

Lang = Literal["en", "ru"]
Row = Mapping[str, Term]


@dataclass(frozen=True)
class Label:
    """A label in English and Russian, either possibly missing."""

    en: str | None = None
    ru: str | None = None

    def text(self, lang: Lang, fallback: str = "") -> str:
        """The label in ``lang``, else in the other language, else ``fallback``.

        >>> Label(en="MedInzh").text("ru")
        'MedInzh'
        """
        first, second = (self.ru, self.en) if lang == "ru" else (self.en, self.ru)
        return first or second or fallback


@dataclass(frozen=True)
class Entity:
    """A resource of the graph with its labels."""

    iri: str
    label: Label = field(default_factory=Label)

    def text(self, lang: Lang) -> str:
        """Its label in ``lang``, or the last segment of its IRI."""
        return self.label.text(lang, self.iri.rstrip("/").rsplit("/", 1)[-1])


@dataclass(frozen=True)
class Actor(Entity):
    """An organisation, or a group of organisations the source asserts without naming them."""

    is_group: bool = False
    group_size: int | None = None


def cell(row: Row, name: str) -> str | None:
    """The text of the value bound to ``name`` in the row; None when unbound."""
    term = row.get(name)
    return None if term is None else text_of(term)


def cell_int(row: Row, name: str) -> int | None:
    """The value bound to ``name`` as an integer; None when unbound or not an integer."""
    value = cell(row, name)
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def row_label(row: Row, prefix: str) -> Label:
    """The labels ``<prefix>LabelEn`` / ``<prefix>LabelRu`` (``labelEn`` / ``labelRu`` for no prefix)."""
    en, ru = (prefix + "LabelEn", prefix + "LabelRu") if prefix else ("labelEn", "labelRu")
    return Label(en=cell(row, en), ru=cell(row, ru))


def row_entity(row: Row, name: str, label_prefix: str | None = None) -> Entity | None:
    """The resource bound to ``name`` with its labels (``<label_prefix>LabelEn``...); None when unbound."""
    iri = cell(row, name)
    return (
        None if iri is None else Entity(iri, row_label(row, name if label_prefix is None else label_prefix))
    )


def entities(rows: Iterable[Row], name: str, label_prefix: str | None = None) -> tuple[Entity, ...]:
    """The distinct resources bound to ``name`` in the rows, in first-seen order, with labels
    from ``<label_prefix>LabelEn`` / ``...LabelRu``."""
    seen: dict[str, Entity] = {}
    for row in rows:
        found = row_entity(row, name, label_prefix)
        if found is not None and found.iri not in seen:
            seen[found.iri] = found
    return tuple(seen.values())
