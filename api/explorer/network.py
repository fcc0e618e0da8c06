"""The cooperation network's picture on a cluster's dashboard: :func:`network_view`.

The network is :func:`kg.analysis.cooperation_network`'s; the positions are
:func:`kg.analysis.layout`'s (deterministic, in the unit square). The picture is server-drawn
SVG (template ``network.svg``, every text escaped): a node's area grows with its degree, its
colour is its community (the first :data:`COMMUNITY_COLOURS` communities, the rest grey), a
member of the cluster is a circle and a project partner that is no member a square, and a group
of unnamed organisations is drawn dashed as in the roster. Each edge is one line per kind of
cooperation (parallel lines where two organisations cooperate in several ways), coloured and
dashed by kind (:data:`EDGE_STYLES`). Every node and edge has a ``<title>``: the node's label,
kind, degree, betweenness and community; the edge's kinds, what each goes through and the
graphs (claims) that state it. Nodes link to their ``/id/`` page when the IRI is ours. A legend
(edges, nodes, communities) sits under the drawing. Pure: a network in, a view out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from markupsafe import Markup

from api.explorer.common import ID
from api.explorer.drawing import FONT, INK, MUTED, wrap
from api.pages import html
from api.pages.words import word
from kg.analysis import EDGE_KINDS, Edge, Network, Node, layout
from kg.entities import Lang

__all__ = [
    "COMMUNITY_COLOURS",
    "EDGE_STYLES",
    "EdgeMark",
    "NetworkView",
    "NodeMark",
    "network_view",
    "node_label",
    "render_network",
]

COMMUNITY_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7")
"""The fill of the nodes of the first communities (0, 1, ...: the largest first)."""
OTHER_COMMUNITY = "#bab0ac"
EDGE_STYLES: Mapping[str, tuple[str, str]] = {
    "project": ("#1f2933", ""),
    "ip-right": ("#7c3aed", "7 3"),
    "licence": ("#b91c1c", "2 3"),
    "technology": ("#0e7490", "9 3 2 3"),
    "supply": ("#1d6b3a", "12 4"),
    "service": ("#c2410c", "4 4"),
}
"""Each kind of edge: its colour and dash pattern (empty: solid)."""
WIDTH, PLOT_H = 860, 520
PAD_X, PAD_Y = 40, 36
LABELLED = 30
"""Up to this many nodes every node is labelled; above it, only this many, of highest degree."""


@dataclass(frozen=True)
class NodeMark:
    """A node as drawn: centre, size, fill, shape, link, tooltip and label lines."""

    iri: str
    x: float
    y: float
    r: float
    fill: str
    square: bool
    dashed: bool
    href: str | None
    title: str
    lines: tuple[str, ...]
    anchor: str


@dataclass(frozen=True)
class Stroke:
    """One line of an edge: one kind of cooperation, offset to lie beside the edge's others."""

    kind: str
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    dash: str
    width: float


@dataclass(frozen=True)
class EdgeMark:
    """An edge as drawn: its lines (one per kind) and its tooltip."""

    source: str
    target: str
    kinds: tuple[str, ...]
    strokes: tuple[Stroke, ...]
    title: str


@dataclass(frozen=True)
class NetworkView:
    """What the dashboard's network section shows."""

    network: Network
    svg: Markup | None
    top: tuple[Node, ...]
    members: int
    kinds: tuple[tuple[str, int], ...]
    labelled: int

    @property
    def all_labelled(self) -> bool:
        """Whether every node has its label drawn."""
        return self.labelled >= len(self.network.nodes)


def node_label(node: Node, lang: Lang) -> str:
    """A node's label in a language (else the other's, else its IRI).

    >>> node_label(Node("http://e/a", "A", "А"), "ru"), node_label(Node("http://e/b"), "en")
    ('А', 'http://e/b')
    """
    first, second = (node.label_ru, node.label_en) if lang == "ru" else (node.label_en, node.label_ru)
    return first or second or node.iri


def community_colour(community: int) -> str:
    """The fill of a community's nodes.

    >>> community_colour(0), community_colour(99)
    ('#4e79a7', '#bab0ac')
    """
    return COMMUNITY_COLOURS[community] if 0 <= community < len(COMMUNITY_COLOURS) else OTHER_COMMUNITY


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if value else "0"


def _node_title(node: Node, lang: Lang) -> str:
    kind = word("node-member" if node.member else "node-partner", lang)
    if node.kind == "group":
        kind += "; " + word("node-group", lang)
        if node.group_size is not None:
            kind += ", " + word("group-of", lang).format(n=node.group_size)
    return "\n".join(
        [
            node_label(node, lang),
            kind,
            f"{word('degree', lang)}: {node.degree}; {word('weighted-degree', lang)}: {node.weighted_degree}",
            f"{word('betweenness', lang)}: {_number(node.betweenness)}; "
            f"{word('community', lang)}: {node.community + 1}",
        ]
    )


def _edge_title(edge: Edge, names: Mapping[str, str], lang: Lang) -> str:
    a, b = names.get(edge.source, edge.source), names.get(edge.target, edge.target)
    lines = [f"{a} — {b}"]
    for reason in edge.reasons:
        via = (reason.via_label_ru or reason.via_label_en) if lang == "ru" else reason.via_label_en
        via = via or reason.via_label_en or reason.via_label_ru or reason.via or ""
        arrow = {"forward": f" ({a} → {b})", "backward": f" ({b} → {a})"}.get(reason.direction or "", "")
        line = word("edge-" + reason.kind, lang) + (f": {via}" if via else "") + arrow
        if reason.graphs:
            line += f" [{word('stated-in', lang)}: {', '.join(html.compact(g) for g in reason.graphs)}]"
        lines.append(line)
    return "\n".join(lines)


def _radius(node: Node, many: bool) -> float:
    base, step, cap = (3.0, 1.6, 14.0) if many else (7.0, 3.2, 22.0)
    return min(cap, base + step * math.sqrt(node.degree))


def network_view(network: Network, lang: Lang, href: Callable[[str], str], *, top: int = 8) -> NetworkView:
    """The section's view of a network: its picture (None when it has no node), the linked nodes
    of highest betweenness (then degree), the count of members and of edges by kind."""
    ranked = sorted(
        (n for n in network.nodes if n.degree), key=lambda n: (-n.betweenness, -n.degree, node_label(n, lang))
    )
    counts = Counter(k for e in network.edges for k in e.kinds)
    kinds = tuple((k, counts[k]) for k in EDGE_KINDS if counts[k])
    members = sum(n.member for n in network.nodes)
    if not network.nodes:
        return NetworkView(network, None, (), 0, kinds, 0)
    labelled = len(network.nodes) if len(network.nodes) <= LABELLED else LABELLED
    return NetworkView(
        network, render_network(network, lang, href), tuple(ranked[:top]), members, kinds, labelled
    )


def render_network(network: Network, lang: Lang, href: Callable[[str], str]) -> Markup:
    """The network as an ``<svg class="network">`` element (``network.svg``).

    >>> from kg.analysis import Reason
    >>> net = Network("http://e/c", (Node("http://e/a", "A", degree=1, member=True),
    ...                              Node("http://e/b", "<B>", kind="group", degree=1)),
    ...               (Edge("http://e/a", "http://e/b", (Reason("licence", "http://e/l", "L"),)),), 2)
    >>> svg = render_network(net, "en", str)
    >>> "<title>A — &lt;B&gt;\\nlicence: L</title>" in svg, svg.count(' data-iri="')
    (True, 2)
    """
    many = len(network.nodes) > LABELLED
    by_degree = sorted(network.nodes, key=lambda n: (-n.degree, n.iri))
    labelled = {n.iri for n in by_degree[:LABELLED]}
    names = {n.iri: node_label(n, lang) for n in network.nodes}
    linked = tuple(n for n in network.nodes if n.degree > 0)
    alone = tuple(n for n in network.nodes if n.degree == 0)
    positions = layout(replace(network, nodes=linked))
    plot_h = min(PLOT_H, 240 + 24 * len(linked)) if linked else 0
    per_row = 4
    alone_y = plot_h + (34 if alone else 0)
    alone_h = (alone_y - plot_h) + 50 * math.ceil(len(alone) / per_row)

    def at(iri: str) -> tuple[float, float]:
        x, y = positions[iri]
        return PAD_X + x * (WIDTH - 2 * PAD_X), PAD_Y + y * (plot_h - 2 * PAD_Y)

    def mark(node: Node, x: float, y: float, width: float, anchor: str) -> NodeMark:
        wrapped = wrap(names[node.iri], width)
        lines = wrapped[:3] if node.iri in labelled else []
        if lines and len(wrapped) > 3:
            lines[-1] += "…"
        return NodeMark(
            node.iri,
            x,
            y,
            _radius(node, many),
            community_colour(node.community),
            not node.member,
            node.kind == "group",
            href(node.iri) if node.iri.startswith(ID) else None,
            _node_title(node, lang),
            tuple(lines),
            anchor,
        )

    nodes = []
    for node in linked:
        x, y = at(node.iri)
        nodes.append(mark(node, x, y, 150, "end" if x > WIDTH * 0.62 else "start"))
    cell_w = (WIDTH - 2 * PAD_X) / per_row
    for i, node in enumerate(alone):
        x = PAD_X + (i % per_row) * cell_w + 10
        y = alone_y + 18 + (i // per_row) * 50
        nodes.append(mark(node, x, y, cell_w - 40, "start"))
    edges = []
    for edge in network.edges:
        (x1, y1), (x2, y2) = at(edge.source), at(edge.target)
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx, ny = -(y2 - y1) / length, (x2 - x1) / length
        kinds = edge.kinds
        strokes = []
        for i, kind in enumerate(kinds):
            shift = (i - (len(kinds) - 1) / 2) * 4.0
            colour, dash = EDGE_STYLES[kind]
            weight = sum(1 for r in edge.reasons if r.kind == kind)
            strokes.append(
                Stroke(
                    kind,
                    x1 + nx * shift,
                    y1 + ny * shift,
                    x2 + nx * shift,
                    y2 + ny * shift,
                    colour,
                    dash,
                    1.6 + 0.6 * min(weight - 1, 4),
                )
            )
        edges.append(
            EdgeMark(edge.source, edge.target, kinds, tuple(strokes), _edge_title(edge, names, lang))
        )
    shown = sorted({n.community for n in network.nodes})
    communities = [(str(c + 1), community_colour(c)) for c in shown if c < len(COMMUNITY_COLOURS)]
    if any(c >= len(COMMUNITY_COLOURS) for c in shown):
        communities.append((word("other-communities", lang), OTHER_COMMUNITY))
    legend_y = plot_h + alone_h + 10
    labels = (network.cluster_label_ru, network.cluster_label_en)
    cluster_name = (labels[0] or labels[1]) if lang == "ru" else (labels[1] or labels[0])
    return html.render(
        "network.svg",
        width=WIDTH,
        height=legend_y + 146,
        title=f"{word('network', lang)}: {cluster_name}" if cluster_name else word("network", lang),
        font=FONT,
        ink=INK,
        muted=MUTED,
        nodes=nodes,
        edges=edges,
        legend_y=legend_y,
        alone=(plot_h + 22) if alone else None,
        alone_text=word("network-alone", lang),
        divider=plot_h if alone and linked else None,
        kinds=[(k, word("edge-" + k, lang), *EDGE_STYLES[k]) for k in EDGE_KINDS],
        marks=[word("node-member", lang), word("node-partner", lang), word("node-group", lang)],
        communities=communities,
        words={
            "edges": word("edge-kinds", lang),
            "nodes": word("nodes-legend", lang),
            "communities": word("communities-legend", lang),
        },
    )
