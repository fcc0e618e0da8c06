"""The production cooperation scheme of a project, as data and as SVG.

:func:`build_schemes` turns the rows of the named query ``project-stages`` into one
:class:`Scheme` per technology platform: its stages in ``ckg:stageOrder`` where the source
orders them, whoever acts at each, and the finisher (final assembly) where one is stated.
:func:`render_scheme` draws it: one column per stage, left to right, a band for the
through-technology across them; arrows from a stage to the next and into the finisher only
where the stages are ordered. Stages without an order are drawn side by side, unnumbered.
Everything here is pure: rows in, text out; the drawing is rendered by the template
``drawing.svg``, which escapes every text.
The cluster's roster is in :mod:`api.explorer.roster`, labelled resources in
:mod:`kg.entities` and the drawing primitives in :mod:`api.explorer.drawing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from api.explorer.drawing import (
    ANCHOR_FILL,
    ANCHOR_INK,
    ARROW,
    BAND_FILL,
    LINE,
    MARGIN,
    MUTED,
    STAGE_FILL,
    Group,
    Shape,
    actor_lines,
    draw_actor,
    draw_arrow,
    draw_box,
    draw_svg,
    draw_text,
    legend,
    wrap,
)
from api.pages.words import word
from kg.entities import Actor, Entity, Label, Lang, Row, cell, cell_int, row_entity, row_label

__all__ = ["Scheme", "Stage", "build_schemes", "render_scheme"]

COL_W, GAP, FIN_W = 196, 52, 236


@dataclass(frozen=True)
class Stage(Entity):
    """A production stage ("peredel") with its order, kind and actors."""

    order: int | None = None
    kind: Entity | None = None
    actors: tuple[Actor, ...] = ()


@dataclass(frozen=True)
class Scheme:
    """The production cooperation scheme of one technology platform of a project."""

    project: Entity
    platform: Entity
    stages: tuple[Stage, ...]
    finisher: Actor | None = None
    stage_count: int | None = None
    technologies: tuple[Entity, ...] = ()

    @property
    def stages_named(self) -> bool:
        """Whether the source names the stages (gives them a kind), not only counts them."""
        return any(stage.kind is not None for stage in self.stages)

    @property
    def stages_ordered(self) -> bool:
        """Whether the source orders every stage (each has a ``ckg:stageOrder``)."""
        return all(stage.order is not None for stage in self.stages)


@dataclass
class _PlatformDraft:
    project: Entity
    platform: Entity
    finisher: Actor | None = None
    stage_count: int | None = None
    stages: dict[str, _StageDraft] = field(default_factory=dict)


@dataclass
class _StageDraft:
    label: Label
    order: int | None
    kind: Entity | None
    actors: dict[str, Actor] = field(default_factory=dict)


def build_schemes(rows: Iterable[Row], technologies: Sequence[Entity] = ()) -> list[Scheme]:
    """One scheme per platform from the rows of ``project-stages``, stages by ``stageOrder``
    (stages without an order last, then by IRI), actors in first-seen order.

    >>> from pyoxigraph import NamedNode as N, Literal as L
    >>> rows = [{"project": N("http://e/p"), "platform": N("http://e/f"), "stage": N("http://e/s2"),
    ...          "stageOrder": L("2")}, {"project": N("http://e/p"), "platform": N("http://e/f"),
    ...          "stage": N("http://e/s1"), "stageOrder": L("1")}]
    >>> [s.order for s in build_schemes(rows)[0].stages]
    [1, 2]
    """
    drafts: dict[str, _PlatformDraft] = {}
    for row in rows:
        platform, project = cell(row, "platform"), row_entity(row, "project")
        if platform is None or project is None:
            continue
        draft = drafts.setdefault(
            platform, _PlatformDraft(project, Entity(platform, row_label(row, "platform")))
        )
        if draft.finisher is None and (finisher := cell(row, "finisher")) is not None:
            draft.finisher = Actor(finisher, row_label(row, "finisher"))
        if draft.stage_count is None:
            draft.stage_count = cell_int(row, "stageCount")
        stage = cell(row, "stage")
        if stage is None:
            continue
        entry = draft.stages.setdefault(
            stage,
            _StageDraft(row_label(row, "stage"), cell_int(row, "stageOrder"), row_entity(row, "stageType")),
        )
        actor = cell(row, "actor")
        if actor is not None and actor not in entry.actors:
            is_group = cell(row, "actorIsGroup") == "true"
            entry.actors[actor] = Actor(actor, row_label(row, "actor"), is_group=is_group)
    schemes = []
    for draft in drafts.values():
        stages = sorted(
            (
                Stage(iri, e.label, order=e.order, kind=e.kind, actors=tuple(e.actors.values()))
                for iri, e in draft.stages.items()
            ),
            key=lambda s: (s.order is None, s.order or 0, s.iri),
        )
        schemes.append(
            Scheme(
                project=draft.project,
                platform=draft.platform,
                stages=tuple(stages),
                finisher=draft.finisher,
                stage_count=draft.stage_count,
                technologies=tuple(technologies),
            )
        )
    return schemes


def render_scheme(scheme: Scheme, lang: Lang) -> Markup:
    """The scheme as an SVG element: stage columns left to right, the through-technology as a
    band across them, arrows from stage to stage and into the final assembly by the finisher
    where the source orders the stages (unordered stages are unnumbered and unconnected)."""
    inner = COL_W - 16
    heads = [wrap(stage.text(lang), inner) for stage in scheme.stages]
    if scheme.finisher is not None:
        heads.append(wrap(word("finisher", lang), FIN_W - 20))
    head_h = 34 + LINE * max((len(h) for h in heads), default=1)
    top = MARGIN
    band_y = top + head_h + 12
    tech = "; ".join(t.text(lang) for t in scheme.technologies)
    band_lines = wrap(f"{word('through', lang)}: {tech}", 900, size=14) if tech else []
    band_h = 14 + LINE * len(band_lines) if band_lines else 0
    body_y = band_y + band_h + (16 if band_lines else 0)

    columns: list[list[tuple[Actor | None, list[str]]]] = []
    for stage in scheme.stages:
        cells: list[tuple[Actor | None, list[str]]] = [
            (a, actor_lines(a, inner - 16, lang)) for a in stage.actors
        ]
        columns.append(cells or [(None, [word("no-actor", lang)])])
    heights = [sum(18 + LINE * len(lines) + 10 for _, lines in col) for col in columns]
    fin_lines = wrap(scheme.finisher.text(lang), FIN_W - 36, size=14) if scheme.finisher else []
    body_h = max([*heights, 18 + LINE * (len(fin_lines) + 2), 60])
    bottom = body_y + body_h + 8
    col_x = [MARGIN + i * (COL_W + GAP) for i in range(len(scheme.stages))]
    fin_x = MARGIN + len(scheme.stages) * (COL_W + GAP)
    right = fin_x + (FIN_W if scheme.finisher else -GAP)
    mid = body_y + body_h / 2

    out: list[Shape] = []
    for i, stage in enumerate(scheme.stages):
        x = col_x[i]
        # A stage is numbered only by the order its source states; unordered ones are not.
        numbered = f"{word('stage', lang)} {stage.order}"
        head = word("unordered-stage", lang) if stage.order is None else numbered
        column: list[Shape] = [
            draw_box(x, top, COL_W, bottom - top, fill=STAGE_FILL, stroke="#9aa5b1", cls="stage-column"),
            draw_text(x + 10, top + 22, [head], size=15, weight="bold"),
            draw_text(x + 10, top + 22 + LINE + 4, heads[i], size=12, fill=MUTED, cls="stage-label"),
        ]
        y = body_y
        for actor, lines in columns[i]:
            h = 18 + LINE * len(lines)
            if actor is None:
                column.append(draw_box(x + 8, y, COL_W - 16, h, fill="none", stroke="#9aa5b1", dashed=True))
                column.append(draw_text(x + COL_W / 2, y + 22, lines, size=12, fill=MUTED, anchor="middle"))
            else:
                column.append(
                    draw_actor(x + 8, y, COL_W - 16, h, lines, kind="actor", group=actor.is_group, inset=8)
                )
            y += h + 10
        out.append(Group("stage", tuple(column), order=stage.order))
        # An arrow only from a stage to the one its source says comes next in order.
        following = scheme.stages[i + 1] if i + 1 < len(scheme.stages) else None
        if following is not None and stage.order is not None and following.order == stage.order + 1:
            out.append(draw_arrow(x + COL_W + 4, col_x[i + 1] - 4, mid))
    if scheme.finisher is not None:
        box_h = 18 + LINE * len(fin_lines)
        finisher: tuple[Shape, ...] = (
            draw_box(
                fin_x,
                top,
                FIN_W,
                bottom - top,
                fill=ANCHOR_FILL,
                stroke=ANCHOR_INK,
                width=2.5,
                cls="finisher-column",
            ),
            draw_text(
                fin_x + 10, top + 22, [word("final-assembly", lang)], size=15, weight="bold", fill=ANCHOR_INK
            ),
            draw_text(fin_x + 10, top + 22 + LINE + 4, heads[-1], size=12, fill=ANCHOR_INK),
            draw_box(
                fin_x + 10, mid - box_h / 2, FIN_W - 20, box_h, fill="#ffffff", stroke=ANCHOR_INK, width=2.5
            ),
            draw_text(
                fin_x + 18, mid - box_h / 2 + 22, fin_lines, size=13, weight="bold", cls="finisher-label"
            ),
        )
        out.append(Group("finisher", finisher))
        if scheme.stages and scheme.stages[-1].order is not None:
            out.append(draw_arrow(col_x[-1] + COL_W + 4, fin_x - 4, mid))
    if band_lines:
        band = (
            draw_box(
                MARGIN - 6,
                band_y,
                right - MARGIN + 12,
                band_h,
                fill=BAND_FILL,
                stroke=ARROW,
                radius=band_h // 2,
            ),
            draw_text(MARGIN + 14, band_y + 20, band_lines, size=13, weight="bold", fill=ARROW),
        )
        out.append(Group("through-technology", band))
    out += legend(bottom + 22, lang)
    width = max(right + MARGIN, 900)
    return draw_svg(width, bottom + 60, scheme.project.text(lang), out, "scheme")
