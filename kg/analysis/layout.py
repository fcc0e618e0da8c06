"""Deterministic positions of a network's nodes in the unit square, for drawing: :func:`layout`.

Fruchterman-Reingold force-directed placement in plain Python (no numpy), started from the
communities on a circle (each community's nodes on a small circle around its centre, in IRI
order), a fixed number of iterations and a cooling schedule: the same network always gets the
same picture, and nodes of one community stay near each other. Positions are then scaled to
fill ``[margin, 1 - margin]`` on both axes (keeping the aspect ratio); a single node sits at the
centre.

>>> from kg.analysis.model import Network, Node
>>> layout(Network("http://x/c", (Node("http://x/a"),)))
{'http://x/a': (0.5, 0.5)}
"""

from __future__ import annotations

import math

from kg.analysis.model import Network

Position = tuple[float, float]
ITERATIONS = 60
MAX_NODES_FORCED = 400
"""Above this many nodes the start positions are kept (the forces cost O(n²) per iteration)."""


def _start(network: Network) -> dict[str, list[float]]:
    groups: dict[int, list[str]] = {}
    for node in network.nodes:
        groups.setdefault(node.community, []).append(node.iri)
    order = sorted(groups)
    positions: dict[str, list[float]] = {}
    big = 1.0 if len(order) > 1 else 0.0
    for index, community in enumerate(order):
        angle = 2 * math.pi * index / max(len(order), 1)
        cx, cy = big * math.cos(angle), big * math.sin(angle)
        members = sorted(groups[community])
        radius = 0.35 if len(members) > 1 else 0.0
        for j, iri in enumerate(members):
            a = 2 * math.pi * j / len(members) + index
            positions[iri] = [cx + radius * math.cos(a), cy + radius * math.sin(a)]
    return positions


def _forces(network: Network, pos: dict[str, list[float]]) -> None:
    nodes = sorted(pos)
    k = math.sqrt(4.0 / max(len(nodes), 1))
    temperature = 0.2
    edges = [(e.source, e.target, float(e.weight)) for e in network.edges]
    for _ in range(ITERATIONS):
        move = {n: [0.0, 0.0] for n in nodes}
        for i, u in enumerate(nodes):
            for v in nodes[i + 1 :]:
                dx, dy = pos[u][0] - pos[v][0], pos[u][1] - pos[v][1]
                d = math.hypot(dx, dy) or 1e-6
                f = k * k / d
                move[u][0] += dx / d * f
                move[u][1] += dy / d * f
                move[v][0] -= dx / d * f
                move[v][1] -= dy / d * f
        for u, v, w in edges:
            dx, dy = pos[u][0] - pos[v][0], pos[u][1] - pos[v][1]
            d = math.hypot(dx, dy) or 1e-6
            f = d * d / k * min(w, 3.0)
            move[u][0] -= dx / d * f
            move[u][1] -= dy / d * f
            move[v][0] += dx / d * f
            move[v][1] += dy / d * f
        for n in nodes:
            length = math.hypot(*move[n]) or 1e-9
            step = min(length, temperature)
            pos[n][0] += move[n][0] / length * step
            pos[n][1] += move[n][1] / length * step
        temperature *= 0.95


def layout(network: Network, *, margin: float = 0.05) -> dict[str, Position]:
    """Each node's position in ``[0, 1]²`` (by IRI), the same for the same network."""
    pos = _start(network)
    if not pos:
        return {}
    if len(pos) <= MAX_NODES_FORCED:
        _forces(network, pos)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    if span == 0:
        return {iri: (0.5, 0.5) for iri in sorted(pos)}
    scale = (1 - 2 * margin) / span
    ox_, oy_ = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {
        iri: (round(0.5 + (p[0] - ox_) * scale, 6), round(0.5 + (p[1] - oy_) * scale, 6))
        for iri, p in sorted(pos.items())
    }
