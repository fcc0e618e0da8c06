"""Indicator charts as server-drawn SVG: one or more series over reference times.

:func:`render_chart` draws lines of :class:`~api.explorer.indicators.Observation`: an exact value
is a point, a range is a vertical bar from its lower to its upper bound (whisker caps at both
ends), a one-sided bound ("more than 60 %") a dashed bar from the bound towards the open end with
an arrow head: never an invented point. Lines join consecutive exact values of a series only.
Every point and bar links to its statistic (``href``) and carries a ``<title>`` with the value
in words, the date and the quote that states it. Undated observations cannot be placed on a time
axis and are not drawn (the page lists them). The drawing scales to its box (``viewBox``; the
stylesheet gives it ``max-width: 100%``). Rendered by the template ``chart.svg``, which escapes
every text. Pure: values in, markup out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from markupsafe import Markup

from api.explorer.drawing import FONT, INK, MUTED
from api.explorer.indicators import Observation, format_date, format_number, phrase, unit_word
from api.pages import html
from api.pages.words import word
from kg.entities import Lang

__all__ = ["PALETTE", "ChartLine", "nice_ticks", "render_chart"]

PALETTE = ("#3e5c8a", "#c2410c", "#1d6b3a", "#7c3aed", "#b91c1c", "#0e7490")
"""The series' colours, in order (distinguishable, dark enough on white)."""
WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 18, 44


@dataclass(frozen=True)
class Line_:
    """A ``<line>``."""

    kind: ClassVar[str] = "line"
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = MUTED
    width: float = 1.0
    dashed: bool = False
    arrow: bool = False
    cls: str = ""


@dataclass(frozen=True)
class Path_:
    """A ``<polyline>`` through points."""

    kind: ClassVar[str] = "path"
    points: tuple[tuple[float, float], ...]
    stroke: str
    cls: str = "series-line"


@dataclass(frozen=True)
class Dot:
    """A ``<circle>``."""

    kind: ClassVar[str] = "dot"
    x: float
    y: float
    fill: str
    r: float = 5.0
    cls: str = "point"


@dataclass(frozen=True)
class Label_:
    """A ``<text>`` of one line."""

    kind: ClassVar[str] = "text"
    x: float
    y: float
    text: str
    anchor: str = "middle"
    size: int = 12
    fill: str = MUTED
    cls: str = ""


@dataclass(frozen=True)
class Link:
    """An ``<a>`` around shapes, with a ``<title>`` (the tooltip)."""

    kind: ClassVar[str] = "link"
    href: str
    title: str
    shapes: tuple[Shape, ...]
    cls: str = ""


Shape = Line_ | Path_ | Dot | Label_ | Link


@dataclass(frozen=True)
class ChartLine:
    """One series to draw: its name (the legend's), colour and observations."""

    name: str
    colour: str
    observations: Sequence[Observation] = field(default_factory=tuple)


def nice_ticks(high: float, low: float = 0.0, count: int = 5) -> list[float]:
    """Round tick values from ``low`` up to at least ``high``, about ``count`` steps.

    >>> nice_ticks(28), nice_ticks(100)
    ([0.0, 10.0, 20.0, 30.0], [0.0, 20.0, 40.0, 60.0, 80.0, 100.0])
    >>> nice_ticks(0.7)
    [0.0, 0.2, 0.4, 0.6, 0.8]
    """
    span = max(high - low, 1e-9)
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))
    first = float(math.floor(low / step) * step)
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        if value >= high:
            break
        value += step
    return ticks


def _tooltip(obs: Observation, lang: Lang, name: str) -> str:
    parts = [f"{name}: {phrase(obs, lang)} ({format_date(obs.as_of, lang)})"]
    if obs.is_range:
        parts.append(word("range-note", lang))
    if obs.quote:
        parts.append(f"{word('quote', lang)}: «{obs.quote}»")
    return "\n".join(parts)


def render_chart(
    lines: Sequence[ChartLine],
    lang: Lang,
    *,
    title: str,
    unit: str | None,
    href: Callable[[str], str],
) -> Markup:
    """The chart of the dated observations of ``lines`` as an ``<svg class="chart">`` element.

    >>> from kg.entities import Entity
    >>> c, i = Entity("http://e/c"), Entity("http://e/i")
    >>> obs = [Observation("http://e/s1", c, i, as_of="2019", value="12"),
    ...        Observation("http://e/s2", c, i, as_of="2021", min_inclusive="50", max_inclusive="60")]
    >>> svg = render_chart([ChartLine("C", PALETTE[0], obs)], "en", title="T", unit=None, href=str)
    >>> svg.count('<a class="observation'), '<title>C: 50 to 60 (2021)' in svg, 'viewBox="0 0 640 280"' in svg
    (2, True, True)
    """
    dated = [o for line in lines for o in line.observations if o.when is not None]
    times = [o.when for o in dated if o.when is not None]
    t0, t1 = (math.floor(min(times)), math.ceil(max(times))) if times else (0, 1)
    if t1 - t0 < 1:
        t1 = t0 + 1
    t_lo, t_hi = t0 - 0.4, t1 + 0.4
    numbers = [n for o in dated for n in (o.exact, o.low, o.high) if n is not None]
    percent = unit is not None and unit.endswith("/PERCENT")
    open_top = any(o.is_range and o.high is None for o in dated)
    top = max(numbers, default=1.0)
    if open_top:
        top = 100.0 if percent else top * 1.25
    low = min([0.0, *numbers])
    ticks = nice_ticks(top * (1 if percent and open_top else 1.05), low)
    y_lo, y_hi = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(t: float) -> float:
        return LEFT + (t - t_lo) / (t_hi - t_lo) * plot_w

    def y_of(v: float) -> float:
        return TOP + plot_h - (v - y_lo) / ((y_hi - y_lo) or 1) * plot_h

    shapes: list[Shape] = []
    for tick in ticks:
        y = y_of(tick)
        shapes.append(Line_(LEFT, y, WIDTH - RIGHT, y, stroke="#e4e7eb", cls="grid"))
        shapes.append(Label_(LEFT - 8, y + 4, format_number(f"{tick:g}", lang), anchor="end", size=12))
    step = 1 if t1 - t0 <= 12 else 2 if t1 - t0 <= 24 else 5
    for year in range(t0, t1 + 1, step):
        x = x_of(year)
        shapes.append(Line_(x, TOP + plot_h, x, TOP + plot_h + 5, stroke=MUTED))
        shapes.append(Label_(x, TOP + plot_h + 20, str(year), size=12, cls="year"))
    shapes.append(Line_(LEFT, TOP + plot_h, WIDTH - RIGHT, TOP + plot_h, stroke=INK, cls="axis"))
    shapes.append(Line_(LEFT, TOP, LEFT, TOP + plot_h, stroke=INK, cls="axis"))
    shapes.append(Label_(LEFT, HEIGHT - 6, unit_word(unit, lang), anchor="start", size=12, cls="unit"))

    offsets = [(n - (len(lines) - 1) / 2) * 6 for n in range(len(lines))]
    for line, dx in zip(lines, offsets, strict=True):
        run: list[tuple[float, float]] = []
        marks: list[Shape] = []
        for obs in line.observations:
            if obs.when is None:
                continue
            x = x_of(obs.when) + dx
            tip = _tooltip(obs, lang, line.name)
            if obs.exact is not None:
                y = y_of(obs.exact)
                run.append((x, y))
                marks.append(Link(href(obs.statistic), tip, (Dot(x, y, line.colour),), "observation value"))
                continue
            if len(run) > 1:
                shapes.append(Path_(tuple(run), line.colour))
            run = []
            lo = obs.low if obs.low is not None else y_lo
            hi = obs.high if obs.high is not None else y_hi
            one_sided = obs.low is None or obs.high is None
            bar: list[Shape] = [
                Line_(
                    x,
                    y_of(lo),
                    x,
                    y_of(hi),
                    stroke=line.colour,
                    width=4,
                    dashed=one_sided,
                    arrow=obs.high is None,
                    cls="bar",
                ),
            ]
            bar += [
                Line_(x - 7, y_of(v), x + 7, y_of(v), stroke=line.colour, width=2.5, cls="cap")
                for v in (obs.low, obs.high)
                if v is not None
            ]
            marks.append(Link(href(obs.statistic), tip, tuple(bar), "observation range"))
        if len(run) > 1:
            shapes.append(Path_(tuple(run), line.colour))
        shapes.extend(marks)
    return html.render(
        "chart.svg", width=WIDTH, height=HEIGHT, title=title, shapes=shapes, font=FONT, ink=INK
    )
