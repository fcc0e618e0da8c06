"""The SVG vocabulary of the explorer's drawings: palette, text, boxes, arrows, groups.

:func:`wrap` breaks text into lines that fit a width; the ``draw_*`` functions return shapes
(:class:`Text`, :class:`Box`, :class:`Arrow`, :class:`Group`: geometry and words, no markup)
and :func:`legend` the key shared by the scheme and the roster. :func:`draw_svg` renders the
shapes through the template ``drawing.svg``, which escapes every text (:mod:`api.pages.html`). The
fixed words are :mod:`api.pages.words`'. Pure: values in, text out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from markupsafe import Markup

from api.pages import html
from api.pages.words import word
from kg.entities import Actor, Lang

__all__ = [
    "Arrow",
    "Box",
    "Group",
    "Shape",
    "Text",
    "actor_lines",
    "draw_actor",
    "draw_arrow",
    "draw_box",
    "draw_svg",
    "draw_text",
    "legend",
    "wrap",
]

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
MARGIN = 24
LINE, EM = 16, 0.56  # line height; average glyph width of DejaVu Sans, in em
INK, MUTED, STAGE_FILL, GROUP_FILL = "#1f2933", "#52606d", "#f0f4f8", "#fffdf5"
ANCHOR_FILL, ANCHOR_INK, BAND_FILL, ARROW = "#e3f2e9", "#1d6b3a", "#dbe8fb", "#3e5c8a"


@dataclass(frozen=True)
class Text:
    """A ``<text>`` element: one ``<tspan>`` per line, each a line height below the last."""

    kind: ClassVar[str] = "text"
    x: float
    y: float
    lines: tuple[str, ...]
    size: int = 13
    weight: str = "normal"
    fill: str = INK
    anchor: str = "start"
    cls: str = ""


@dataclass(frozen=True)
class Box:
    """A rounded ``<rect>`` element, dashed for groups."""

    kind: ClassVar[str] = "box"
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str
    width: float = 1.2
    dashed: bool = False
    radius: int = 6
    cls: str = ""


@dataclass(frozen=True)
class Arrow:
    """A horizontal flow arrow (``<line class="flow">``) from ``x1`` to ``x2`` at height ``y``."""

    kind: ClassVar[str] = "arrow"
    x1: float
    x2: float
    y: float


@dataclass(frozen=True)
class Group:
    """A ``<g>`` element of a class around shapes, with a stage's ``data-order`` if it has one."""

    kind: ClassVar[str] = "group"
    cls: str
    shapes: tuple[Shape, ...]
    order: int | None = None


Shape = Text | Box | Arrow | Group


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
) -> Text:
    """Lines of text from ``(x, y)`` down, a line height apart."""
    return Text(x, y, tuple(lines), size=size, weight=weight, fill=fill, anchor=anchor, cls=cls)


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
) -> Box:
    """A rounded box, dashed for groups."""
    return Box(x, y, w, h, fill=fill, stroke=stroke, width=width, dashed=dashed, radius=radius, cls=cls)


def draw_arrow(x1: float, x2: float, y: float) -> Arrow:
    """A horizontal flow arrow from ``x1`` to ``x2`` at height ``y``."""
    return Arrow(x1, x2, y)


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
) -> Group:
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
    return Group(f"{kind} group" if group else kind, (box, text))


def draw_svg(width: float, height: float, title: str, body: Sequence[Shape], cls: str) -> Markup:
    """The ``<svg>`` element: its title, the arrow marker, then the shapes (``drawing.svg``).

    >>> svg = draw_svg(10, 5, "<A & B>", [draw_arrow(1, 9, 2.5)], "demo")
    >>> svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="demo" width="10" height="5"')
    True
    >>> "<title>&lt;A &amp; B&gt;</title>" in svg, '<line class="flow" x1="1" y1="2.5" x2="9"' in svg
    (True, True)
    """
    return html.render(
        "drawing.svg",
        width=width,
        height=height,
        title=title,
        cls=cls,
        shapes=body,
        font=FONT,
        arrow=ARROW,
        line=LINE,
    )


def legend(y: float, lang: Lang) -> list[Shape]:
    """The key of the drawings: named organisation, group, anchor finisher, flow."""
    x = MARGIN
    parts: list[Shape] = [
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
