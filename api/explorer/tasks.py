"""The eight management tasks on a cluster's dashboard: :func:`task_views`.

The findings are :func:`kg.analysis.management_tasks`'s, one :class:`~kg.analysis.TaskResult`
per task in the article's order. Each becomes a :class:`TaskView`: the task's label (from the
graph, in the page's language), what it rests on (the sentence of :data:`kg.analysis.TASKS` and
its ontology terms, linked to the ontology page), and its findings as a compact table: the
query's columns in the order it selects them (a variable and its ``...LabelEn`` /
``...LabelRu`` make one column: the IRI linked, with its label), columns empty in every row
left out, and the graphs that state each row last. The table shows the first
:data:`FIRST_ROWS` rows, with the count and a link to the named query for all of them. A task
with no finding says so plainly. Pure: results in, views out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import queries
from api.pages import html
from api.pages.words import WORDS, word
from kg.analysis import Finding, TaskResult
from kg.entities import Lang
from kg.namespaces import BASE as _BASE
from kg.namespaces import CKG

__all__ = ["FIRST_ROWS", "Cell", "TaskView", "columns_of", "task_views"]

FIRST_ROWS = 8
"""How many findings of a task the dashboard shows (the named query gives them all)."""
LABEL = re.compile(r"(.+)Label(En|Ru)")
HIDDEN = {"cluster", "graphs"}
BASE = str(_BASE)


def columns_of(text: str) -> list[str]:
    """The variables a SELECT query projects, in order (``?x`` and ``(... AS ?x)`` at the top).

    >>> columns_of("SELECT ?a ?b (COUNT(DISTINCT ?c) AS ?n) (GROUP_CONCAT(?g) AS ?gs)\\nWHERE { ?a ?b ?c }")
    ['a', 'b', 'n', 'gs']
    """
    head = re.split(r"\bWHERE\b", re.split(r"\bSELECT\b", text, maxsplit=1)[-1], maxsplit=1)[0]
    out: list[str] = []
    depth = 0
    for token in re.finditer(r"\(|\)|\bAS\s+\?(\w+)|\?(\w+)", head):
        piece = token.group(0)
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
        elif token.group(1) is not None:
            out.append(token.group(1))
        elif depth == 0:
            out.append(token.group(2))
    return out


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, and where it links to (None: plain text)."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class TaskView:
    """One task as the dashboard shows it."""

    notation: str
    name: str
    query: str
    rests_on: str
    terms: tuple[Cell, ...]
    headings: tuple[str, ...]
    rows: tuple[tuple[tuple[Cell, ...], ...], ...]
    """Rows of columns, each column's content one or more cells (the graphs: one per graph)."""
    count: int
    all_href: str

    @property
    def empty(self) -> bool:
        """True when the graph holds nothing for the task yet."""
        return self.count == 0


def _heading(column: str, lang: Lang) -> str:
    key = "col-" + column
    return WORDS[key][lang] if key in WORDS else column


def _is_iri(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _cell(
    finding: Finding,
    column: str,
    lang: Lang,
    href: Callable[[str], str],
    labels: Mapping[str, str],
) -> Cell:
    value = finding.values.get(column)
    if value is None:
        return Cell("—")
    if _is_iri(value):
        own = finding.values.get(column + ("LabelRu" if lang == "ru" else "LabelEn"))
        other = finding.values.get(column + ("LabelEn" if lang == "ru" else "LabelRu"))
        text = own or other or labels.get(value) or html.compact(value).rsplit("/", 1)[-1]
        return Cell(text, href(value))
    key = "value-" + value
    return Cell(WORDS[key][lang] if key in WORDS else value)


def _graph_name(iri: str) -> str:
    """A graph's IRI, short: without our base.

    >>> _graph_name("https://w3id.org/clusterkg/id/claim/x"), _graph_name("http://e/g")
    ('id/claim/x', 'http://e/g')
    """
    return iri[len(BASE) :] if iri.startswith(BASE) else iri


def _term(iri: str, root: str) -> Cell:
    if iri.startswith(str(CKG)):
        name = iri[len(str(CKG)) :]
        return Cell("ckg:" + name, f"{root}ontology#{name}")
    return Cell(html.compact(iri), iri)


def task_views(
    results: Sequence[TaskResult],
    cluster: str,
    lang: Lang,
    href: Callable[[str], str],
    *,
    root: str,
    labels: Mapping[str, str] | None = None,
) -> tuple[TaskView, ...]:
    """The views of the tasks' results for a cluster (its IRI). ``labels`` names IRIs the rows
    leave unlabelled (the network's nodes, say); ``root`` is the path to the site's root."""
    known = labels or {}
    views = []
    for result in results:
        task = result.task
        projected = columns_of(queries.get(task.query).text)
        base = [c for c in projected if not LABEL.fullmatch(c) and c not in HIDDEN]
        extra = sorted(
            {k for f in result.findings for k in f.values} - set(projected) - HIDDEN,
            key=str,
        )
        columns = [c for c in [*base, *(k for k in extra if not LABEL.fullmatch(k))] if c]
        columns = [c for c in columns if any(c in f.values for f in result.findings)]
        rows = tuple(
            (
                *((_cell(f, c, lang, href, known),) for c in columns),
                tuple(Cell(_graph_name(g), href(g)) for g in f.graphs) or (Cell("—"),),
            )
            for f in result.findings[:FIRST_ROWS]
        )
        own = result.label_ru if lang == "ru" else result.label_en
        name = own or result.label_en or result.label_ru or task.slug
        name = name[:1].upper() + name[1:]
        query = f"{root}api/queries/{task.query}?{urlencode({'cluster': cluster})}"
        views.append(
            TaskView(
                task.notation,
                name,
                task.query,
                task.rests_on_ru if lang == "ru" else task.rests_on_en,
                tuple(_term(t, root) for t in task.terms),
                (*(_heading(c, lang) for c in columns), word("stated-in", lang)),
                rows,
                len(result.findings),
                query,
            )
        )
    return tuple(views)
