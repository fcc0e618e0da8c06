"""The SVG vocabulary of the explorer's drawings: fixed words, palette, text, boxes, arrows.

:func:`word` gives the fixed words of the drawings in English and Russian, :func:`wrap` breaks
text into lines that fit a width; the ``draw_*`` functions return SVG elements (every text
XML-escaped) and :func:`legend` the key shared by the scheme and the roster. Pure: values in,
text out.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from kg.entities import Actor, Lang

__all__ = [
    "WORDS",
    "actor_lines",
    "draw_arrow",
    "draw_box",
    "draw_svg",
    "draw_text",
    "legend",
    "word",
    "wrap",
]

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


FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
MARGIN = 24
LINE, EM = 16, 0.56  # line height; average glyph width of DejaVu Sans, in em
INK, MUTED, STAGE_FILL, GROUP_FILL = "#1f2933", "#52606d", "#f0f4f8", "#fffdf5"
ANCHOR_FILL, ANCHOR_INK, BAND_FILL, ARROW = "#e3f2e9", "#1d6b3a", "#dbe8fb", "#3e5c8a"


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


def draw_text(
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
    """A ``<text>`` element, one ``<tspan>`` per line, each a line height below the last."""
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text{klass} x="{x:g}" y="{y:g}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
        f'text-anchor="{anchor}">{spans}</text>'
    )


def draw_box(
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
    """A rounded ``<rect>`` element, dashed for groups."""
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<rect{klass} x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{radius}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width:g}"{dash}/>'
    )


def draw_arrow(x1: float, x2: float, y: float) -> str:
    """A horizontal flow arrow from ``x1`` to ``x2`` at height ``y``."""
    return (
        f'<line class="flow" x1="{x1:g}" y1="{y:g}" x2="{x2:g}" y2="{y:g}" stroke="{ARROW}" '
        'stroke-width="2.5" marker-end="url(#ckg-arrow)"/>'
    )


def actor_lines(actor: Actor, width: float, lang: Lang) -> list[str]:
    """An actor's label wrapped to ``width``, with its group size on a line of its own."""
    lines = wrap(actor.text(lang), width)
    if actor.group_size is not None:
        lines.append("(" + word("group-of", lang).format(n=actor.group_size) + ")")
    return lines


def draw_actor(
    x: float,
    y: float,
    w: float,
    h: float,
    lines: Sequence[str],
    *,
    kind: str,
    group: bool,
    inset: float,
    anchor: bool = False,
) -> str:
    """An organisation's box with its name, ``<g class="{kind}">``: a group (no one firm)
    dashed and shaded, the anchor finisher bold; the text ``inset`` from the box's left."""
    box = draw_box(
        x,
        y,
        w,
        h,
        fill=GROUP_FILL if group else ANCHOR_FILL if anchor else "#ffffff",
        stroke=ANCHOR_INK if anchor else INK,
        width=2.5 if anchor else 1.2,
        dashed=group,
    )
    text = draw_text(x + inset, y + 22, lines, size=12, weight="bold" if anchor else "normal")
    opening = f'<g class="{kind} group">' if group else f'<g class="{kind}">'
    return opening + box + text + "</g>"


def draw_svg(width: float, height: float, title: str, body: list[str], cls: str) -> str:
    """The ``<svg>`` document: its title, the arrow marker, then the body."""
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


def legend(y: float, lang: Lang) -> list[str]:
    """The key of the drawings: named organisation, group, anchor finisher, flow."""
    x = MARGIN
    parts = [
        draw_box(x, y, 28, 18, fill="#ffffff", stroke=INK),
        draw_text(x + 36, y + 14, [word("named", lang)], size=12, fill=MUTED),
        draw_box(x + 210, y, 28, 18, fill=GROUP_FILL, stroke=INK, dashed=True),
        draw_text(x + 246, y + 14, [word("group", lang)], size=12, fill=MUTED),
        draw_box(x + 500, y, 28, 18, fill=ANCHOR_FILL, stroke=ANCHOR_INK, width=2.5),
        draw_text(x + 536, y + 14, [word("anchor", lang)], size=12, fill=MUTED),
        draw_arrow(x + 680, x + 716, y + 9),
        draw_text(x + 724, y + 14, [word("flow", lang)], size=12, fill=MUTED),
    ]
    return parts
