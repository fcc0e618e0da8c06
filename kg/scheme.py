"""The production cooperation scheme of a project, and a cluster's roster, as data and as SVG.

:func:`build_schemes` turns the rows of the named query ``project-stages`` into one
:class:`Scheme` per technology platform: its stages in ``ckg:stageOrder``, whoever acts at
each, and the finisher (final assembly). :func:`render_scheme` draws it: one column per stage,
left to right, a band for the through-technology across them, arrows from stage to stage and
into the finisher. :func:`build_roster` and :func:`render_roster` do the same for a cluster's
participants by role (``cluster-participants``). Everything here is pure: rows in, text out;
every text drawn is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from kg.store import Term, text_of

Lang = Literal["en", "ru"]
Row = Mapping[str, Term]

WORDS: dict[str, dict[Lang, str]] = {
    "stage": {"en": "stage", "ru": "передел"},
    "final-assembly": {"en": "final assembly", "ru": "финишная сборка"},
    "anchor": {"en": "anchor finisher", "ru": "якорный финишёр"},
    "through": {"en": "through-technology", "ru": "сквозная технология"},
    "no-actor": {"en": "no actor known", "ru": "участник не указан"},
    "group": {"en": "group of unnamed organisations", "ru": "группа неназванных организаций"},
    "named": {"en": "named organisation", "ru": "названная организация"},
    "flow": {"en": "flow of components", "ru": "поток компонентов"},
    "group-of": {"en": "{n} organisations", "ru": "организаций: {n}"},
    "members": {"en": "members: {n}", "ru": "участников: {n}"},
}


def word(key: str, lang: Lang) -> str:
    """A fixed word of the drawings in a language.

    >>> word("final-assembly", "ru")
    'финишная сборка'
    """
    return WORDS[key][lang]


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


@dataclass(frozen=True)
class Role(Entity):
    """A role in a cluster and the members in it."""

    members: tuple[Actor, ...] = ()


@dataclass(frozen=True)
class Roster:
    """A cluster's participants by role."""

    cluster: Entity
    roles: tuple[Role, ...]


def _value(row: Row, name: str) -> str | None:
    term = row.get(name)
    return None if term is None else text_of(term)


def _int(row: Row, name: str) -> int | None:
    value = _value(row, name)
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def _label(row: Row, prefix: str) -> Label:
    """The labels ``<prefix>LabelEn`` / ``<prefix>LabelRu`` (``labelEn`` / ``labelRu`` for no prefix)."""
    en, ru = (prefix + "LabelEn", prefix + "LabelRu") if prefix else ("labelEn", "labelRu")
    return Label(en=_value(row, en), ru=_value(row, ru))


def _entity(row: Row, name: str, label_prefix: str | None = None) -> Entity | None:
    iri = _value(row, name)
    return None if iri is None else Entity(iri, _label(row, name if label_prefix is None else label_prefix))


def entities(rows: Iterable[Row], name: str, label_prefix: str | None = None) -> tuple[Entity, ...]:
    """The distinct resources bound to ``name`` in the rows, in first-seen order, with labels
    from ``<label_prefix>LabelEn`` / ``...LabelRu``."""
    seen: dict[str, Entity] = {}
    for row in rows:
        found = _entity(row, name, label_prefix)
        if found is not None and found.iri not in seen:
            seen[found.iri] = found
    return tuple(seen.values())


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
        platform, project = _value(row, "platform"), _entity(row, "project")
        if platform is None or project is None:
            continue
        draft = drafts.setdefault(
            platform, _PlatformDraft(project, Entity(platform, _label(row, "platform")))
        )
        if draft.finisher is None and (finisher := _value(row, "finisher")) is not None:
            draft.finisher = Actor(finisher, _label(row, "finisher"))
        if draft.stage_count is None:
            draft.stage_count = _int(row, "stageCount")
        stage = _value(row, "stage")
        if stage is None:
            continue
        entry = draft.stages.setdefault(
            stage, _StageDraft(_label(row, "stage"), _int(row, "stageOrder"), _entity(row, "stageType"))
        )
        actor = _value(row, "actor")
        if actor is not None and actor not in entry.actors:
            is_group = _value(row, "actorIsGroup") == "true"
            entry.actors[actor] = Actor(actor, _label(row, "actor"), is_group=is_group)
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


def build_roster(rows: Iterable[Row]) -> Roster | None:
    """A cluster's participants by role from the rows of ``cluster-participants`` (one cluster),
    roles and members in row order; None when there are no rows."""
    cluster: Entity | None = None
    roles: dict[str, tuple[Label, dict[str, Actor]]] = {}
    for row in rows:
        cluster = cluster or _entity(row, "cluster")
        role, member = _value(row, "role"), _value(row, "participant")
        if role is None or member is None:
            continue
        _, members = roles.setdefault(role, (_label(row, "role"), {}))
        members.setdefault(
            member,
            Actor(
                member,
                _label(row, ""),
                is_group=_value(row, "isGroup") == "true",
                group_size=_int(row, "groupSize"),
            ),
        )
    if cluster is None:
        return None
    return Roster(cluster, tuple(Role(iri, label, tuple(m.values())) for iri, (label, m) in roles.items()))


# --- Drawing ----------------------------------------------------------------------------------

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
MARGIN, COL_W, GAP, FIN_W = 24, 196, 52, 236
LINE, EM = 16, 0.56  # line height; average glyph width of DejaVu Sans, in em
INK, MUTED, STAGE_FILL, GROUP_FILL = "#1f2933", "#52606d", "#f0f4f8", "#fffdf5"
ANCHOR_FILL, ANCHOR_INK, BAND_FILL, ARROW = "#e3f2e9", "#1d6b3a", "#dbe8fb", "#3e5c8a"
ANCHOR_ROLE = "https://w3id.org/clusterkg/ontology#anchorFinisherRole"


def wrap(text: str, width: float, size: int = 12) -> list[str]:
    """Words of ``text`` in lines that fit ``width`` pixels at font ``size`` (a long word stands alone).

    >>> wrap("minimally invasive surgery", 100)
    ['minimally', 'invasive', 'surgery']
    """
    limit = max(4, int(width / (EM * size)))
    lines: list[str] = []
    for word_ in text.split():
        if lines and len(lines[-1]) + 1 + len(word_) <= limit:
            lines[-1] += " " + word_
        else:
            lines.append(word_)
    return lines or [""]


def _text(
    x: float,
    y: float,
    lines: Sequence[str],
    *,
    size: int = 13,
    weight: str = "normal",
    fill: str = INK,
    anchor: str = "start",
    cls: str = "",
) -> str:
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text{klass} x="{x:g}" y="{y:g}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
        f'text-anchor="{anchor}">{spans}</text>'
    )


def _box(
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    fill: str,
    stroke: str,
    width: float = 1.2,
    dashed: bool = False,
    radius: int = 6,
    cls: str = "",
) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<rect{klass} x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{radius}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width:g}"{dash}/>'
    )


def _arrow(x1: float, x2: float, y: float) -> str:
    return (
        f'<line class="flow" x1="{x1:g}" y1="{y:g}" x2="{x2:g}" y2="{y:g}" stroke="{ARROW}" '
        'stroke-width="2.5" marker-end="url(#ckg-arrow)"/>'
    )


def _actor_lines(actor: Actor, width: float, lang: Lang) -> list[str]:
    lines = wrap(actor.text(lang), width)
    if actor.group_size is not None:
        lines.append("(" + word("group-of", lang).format(n=actor.group_size) + ")")
    return lines


def _svg(width: float, height: float, title: str, body: list[str], cls: str) -> str:
    defs = (
        '<defs><marker id="ckg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{ARROW}"/>'
        "</marker></defs>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" role="img" font-family="{FONT}">'
        f"<title>{escape(title)}</title>{defs}" + "".join(body) + "</svg>"
    )


def _legend(y: float, lang: Lang) -> list[str]:
    x = MARGIN
    parts = [
        _box(x, y, 28, 18, fill="#ffffff", stroke=INK),
        _text(x + 36, y + 14, [word("named", lang)], size=12, fill=MUTED),
        _box(x + 210, y, 28, 18, fill=GROUP_FILL, stroke=INK, dashed=True),
        _text(x + 246, y + 14, [word("group", lang)], size=12, fill=MUTED),
        _box(x + 500, y, 28, 18, fill=ANCHOR_FILL, stroke=ANCHOR_INK, width=2.5),
        _text(x + 536, y + 14, [word("anchor", lang)], size=12, fill=MUTED),
        _arrow(x + 680, x + 716, y + 9),
        _text(x + 724, y + 14, [word("flow", lang)], size=12, fill=MUTED),
    ]
    return parts


def render_scheme(scheme: Scheme, lang: Lang) -> str:
    """The scheme as an SVG element: stage columns left to right, the through-technology as a
    band across them, arrows from stage to stage and into the final assembly by the finisher."""
    inner = COL_W - 16
    heads = [wrap(stage.text(lang), inner) for stage in scheme.stages]
    if scheme.finisher is not None:
        heads.append(wrap(word("anchor", lang), FIN_W - 20))
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
            (a, _actor_lines(a, inner - 16, lang)) for a in stage.actors
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

    out: list[str] = []
    for i, stage in enumerate(scheme.stages):
        x = col_x[i]
        number = stage.order if stage.order is not None else i + 1
        out.append(f'<g class="stage" data-order="{number}">')
        out.append(_box(x, top, COL_W, bottom - top, fill=STAGE_FILL, stroke="#9aa5b1", cls="stage-column"))
        out.append(_text(x + 10, top + 22, [f"{word('stage', lang)} {number}"], size=15, weight="bold"))
        out.append(_text(x + 10, top + 22 + LINE + 4, heads[i], size=12, fill=MUTED, cls="stage-label"))
        y = body_y
        for actor, lines in columns[i]:
            h = 18 + LINE * len(lines)
            if actor is None:
                out.append(_box(x + 8, y, COL_W - 16, h, fill="none", stroke="#9aa5b1", dashed=True))
                out.append(_text(x + COL_W / 2, y + 22, lines, size=12, fill=MUTED, anchor="middle"))
            else:
                kind = "actor group" if actor.is_group else "actor"
                out.append(f'<g class="{kind}">')
                out.append(
                    _box(
                        x + 8,
                        y,
                        COL_W - 16,
                        h,
                        fill=GROUP_FILL if actor.is_group else "#ffffff",
                        stroke=INK,
                        dashed=actor.is_group,
                    )
                )
                out.append(_text(x + 16, y + 22, lines, size=12) + "</g>")
            y += h + 10
        out.append("</g>")
        if i + 1 < len(scheme.stages):
            out.append(_arrow(x + COL_W + 4, col_x[i + 1] - 4, mid))
    if scheme.finisher is not None:
        out.append('<g class="finisher">')
        out.append(
            _box(
                fin_x,
                top,
                FIN_W,
                bottom - top,
                fill=ANCHOR_FILL,
                stroke=ANCHOR_INK,
                width=2.5,
                cls="finisher-column",
            )
        )
        out.append(
            _text(
                fin_x + 10, top + 22, [word("final-assembly", lang)], size=15, weight="bold", fill=ANCHOR_INK
            )
        )
        out.append(_text(fin_x + 10, top + 22 + LINE + 4, heads[-1], size=12, fill=ANCHOR_INK))
        box_h = 18 + LINE * len(fin_lines)
        out.append(
            _box(fin_x + 10, mid - box_h / 2, FIN_W - 20, box_h, fill="#ffffff", stroke=ANCHOR_INK, width=2.5)
        )
        out.append(
            _text(fin_x + 18, mid - box_h / 2 + 22, fin_lines, size=13, weight="bold", cls="finisher-label")
        )
        out.append("</g>")
        if scheme.stages:
            out.append(_arrow(col_x[-1] + COL_W + 4, fin_x - 4, mid))
    if band_lines:
        out.append('<g class="through-technology">')
        out.append(
            _box(
                MARGIN - 6,
                band_y,
                right - MARGIN + 12,
                band_h,
                fill=BAND_FILL,
                stroke=ARROW,
                radius=band_h // 2,
            )
        )
        out.append(_text(MARGIN + 14, band_y + 20, band_lines, size=13, weight="bold", fill=ARROW))
        out.append("</g>")
    out += _legend(bottom + 22, lang)
    width = max(right + MARGIN, 900)
    return _svg(width, bottom + 60, scheme.project.text(lang), out, "scheme")


def render_roster(roster: Roster, lang: Lang, *, per_line: int = 4) -> str:
    """A cluster's participants as an SVG element: one band per role, its members as boxes
    (groups of unnamed organisations dashed, with their size where the source states it)."""
    role_w, member_w, gap = 250, 220, 14
    per_line = max(2, min(per_line, max((len(r.members) for r in roster.roles), default=1)))
    out: list[str] = []
    y = MARGIN
    for role in roster.roles:
        cells = [(m, _actor_lines(m, member_w - 24, lang)) for m in role.members]
        rows = [cells[i : i + per_line] for i in range(0, len(cells), per_line)] or [[]]
        row_hs = [max([18 + LINE * len(lines) for _, lines in r] or [34]) for r in rows]
        role_lines = wrap(role.text(lang), role_w - 24)
        h = max(sum(row_hs) + gap * (len(rows) - 1), 26 + LINE * (len(role_lines) + 1)) + 20
        out.append('<g class="role">')
        out.append(
            _box(MARGIN, y, role_w + (member_w + gap) * per_line + 10, h, fill=STAGE_FILL, stroke="#9aa5b1")
        )
        out.append(_text(MARGIN + 12, y + 24, role_lines, size=14, weight="bold", cls="role-label"))
        count = word("members", lang).format(n=len(role.members))
        out.append(_text(MARGIN + 12, y + 24 + LINE * len(role_lines) + 4, [count], size=12, fill=MUTED))
        my = y + 10
        for r, row_h in zip(rows, row_hs, strict=True):
            for j, (member, lines) in enumerate(r):
                mx = MARGIN + role_w + j * (member_w + gap)
                anchor = role.iri == ANCHOR_ROLE
                out.append(f'<g class="{"member group" if member.is_group else "member"}">')
                out.append(
                    _box(
                        mx,
                        my,
                        member_w,
                        row_h,
                        fill=GROUP_FILL if member.is_group else ANCHOR_FILL if anchor else "#ffffff",
                        stroke=ANCHOR_INK if anchor else INK,
                        width=2.5 if anchor else 1.2,
                        dashed=member.is_group,
                    )
                )
                weight = "bold" if anchor else "normal"
                out.append(_text(mx + 12, my + 22, lines, size=12, weight=weight) + "</g>")
            my += row_h + gap
        out.append("</g>")
        y += h + 12
    out += _legend(y + 10, lang)[:6]
    width = MARGIN * 2 + role_w + (member_w + gap) * per_line + 10
    return _svg(width, y + 50, roster.cluster.text(lang), out, "roster")
