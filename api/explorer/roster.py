"""A cluster's roster, its participants by role, as data and as SVG.

:func:`build_roster` turns the rows of the named query ``cluster-participants`` (one cluster)
into a :class:`Roster`; :func:`render_roster` draws it: one band per role, its members as boxes
(groups of unnamed organisations dashed, anchors and finishers emphasised). Pure: rows in, text out;
the drawing is rendered by the template ``drawing.svg``, which escapes every text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from api.explorer.drawing import (
    LINE,
    MARGIN,
    MUTED,
    STAGE_FILL,
    Group,
    Shape,
    actor_lines,
    draw_actor,
    draw_box,
    draw_svg,
    draw_text,
    legend,
    wrap,
)
from api.pages.words import word
from kg.entities import Actor, Entity, Label, Lang, Row, cell, cell_int, row_entity, row_label
from kg.namespaces import CKG

__all__ = ["ANCHOR_ROLES", "Role", "Roster", "build_roster", "render_roster"]

ANCHOR_ROLES = frozenset({str(CKG.anchorRole), str(CKG.finisherRole), str(CKG.anchorFinisherRole)})
"""The roles whose members the drawing emphasises: anchors and finishers (and the deprecated
role that joined them)."""


@dataclass(frozen=True)
class Role(Entity):
    """A role in a cluster and the members in it."""

    members: tuple[Actor, ...] = ()


@dataclass(frozen=True)
class Roster:
    """A cluster's participants by role."""

    cluster: Entity
    roles: tuple[Role, ...]


def build_roster(rows: Iterable[Row]) -> Roster | None:
    """A cluster's participants by role from the rows of ``cluster-participants`` (one cluster),
    roles and members in row order; None when there are no rows."""
    cluster: Entity | None = None
    roles: dict[str, tuple[Label, dict[str, Actor]]] = {}
    for row in rows:
        cluster = cluster or row_entity(row, "cluster")
        role, member = cell(row, "role"), cell(row, "participant")
        if role is None or member is None:
            continue
        _, members = roles.setdefault(role, (row_label(row, "role"), {}))
        members.setdefault(
            member,
            Actor(
                member,
                row_label(row, ""),
                is_group=cell(row, "isGroup") == "true",
                group_size=cell_int(row, "groupSize"),
            ),
        )
    if cluster is None:
        return None
    return Roster(cluster, tuple(Role(iri, label, tuple(m.values())) for iri, (label, m) in roles.items()))


def render_roster(roster: Roster, lang: Lang, *, per_line: int = 4) -> Markup:
    """A cluster's participants as an SVG element: one band per role, its members as boxes
    (groups of unnamed organisations dashed, with their size where the source states it)."""
    role_w, member_w, gap = 250, 220, 14
    per_line = max(2, min(per_line, max((len(r.members) for r in roster.roles), default=1)))
    out: list[Shape] = []
    y = MARGIN
    for role in roster.roles:
        cells = [(m, actor_lines(m, member_w - 24, lang)) for m in role.members]
        rows = [cells[i : i + per_line] for i in range(0, len(cells), per_line)] or [[]]
        row_hs = [max([18 + LINE * len(lines) for _, lines in r] or [34]) for r in rows]
        role_lines = wrap(role.text(lang), role_w - 24)
        h = max(sum(row_hs) + gap * (len(rows) - 1), 26 + LINE * (len(role_lines) + 1)) + 20
        count = word("members", lang).format(n=len(role.members))
        band: list[Shape] = [
            draw_box(
                MARGIN, y, role_w + (member_w + gap) * per_line + 10, h, fill=STAGE_FILL, stroke="#9aa5b1"
            ),
            draw_text(MARGIN + 12, y + 24, role_lines, size=14, weight="bold", cls="role-label"),
            draw_text(MARGIN + 12, y + 24 + LINE * len(role_lines) + 4, [count], size=12, fill=MUTED),
        ]
        my = y + 10
        anchor = role.iri in ANCHOR_ROLES
        for r, row_h in zip(rows, row_hs, strict=True):
            for j, (member, lines) in enumerate(r):
                mx = MARGIN + role_w + j * (member_w + gap)
                band.append(
                    draw_actor(
                        mx,
                        my,
                        member_w,
                        row_h,
                        lines,
                        kind="member",
                        group=member.is_group,
                        inset=12,
                        anchor=anchor,
                    )
                )
            my += row_h + gap
        out.append(Group("role", tuple(band)))
        y += h + 12
    out += legend(y + 10, lang)[:6]
    # At least as wide as the legend (its longest words are the Russian ones).
    width = max(MARGIN * 2 + role_w + (member_w + gap) * per_line + 10, 860)
    return draw_svg(width, y + 50, roster.cluster.text(lang), out, "roster")
