"""A cooperation network written out: JSON (:func:`to_json`), GraphML (:func:`to_graphml`) and the
node and edge tables that Gephi imports (:func:`nodes_csv`, :func:`edges_csv`).

GraphML comes from networkx (``networkx.read_graphml`` and Gephi read it): nodes carry
``label`` (Gephi's label), ``label_en``, ``label_ru``, ``kind``, ``member``, ``roles``, ``degree``,
``weighted_degree``, ``betweenness``, ``community`` and ``group_size`` where stated; edges carry
``weight``, ``label`` (the kinds), ``kinds``, ``vias`` and ``graphs`` (space-separated IRIs). The
CSV tables use Gephi's spreadsheet columns: ``Id,Label,...`` for nodes and
``Source,Target,Type,Weight,Label,...`` for edges (``Type`` is ``Undirected``: an edge joins two
agents; a reason's direction is in the JSON).

>>> from kg.analysis.model import Edge, Network, Node, Reason
>>> net = Network("http://x/c", (Node("http://x/a", "A"), Node("http://x/b", "B")),
...               (Edge("http://x/a", "http://x/b", (Reason("licence", "http://x/l", graphs=("http://x/g",),
...                                                         direction="forward"),)),))
>>> print(edges_csv(net), end="")
Source,Target,Type,Weight,Label,kinds,graphs\r
http://x/a,http://x/b,Undirected,1,licence,licence,http://x/g\r
"""

from __future__ import annotations

import csv
import io
from typing import Any

import networkx as nx

from kg.analysis.layout import layout
from kg.analysis.model import Edge, Network, Node


def _labels(en: str | None, ru: str | None) -> dict[str, str | None]:
    return {"en": en, "ru": ru}


def node_json(node: Node, position: tuple[float, float] | None = None) -> dict[str, Any]:
    """One node as JSON: its IRI, labels, kind, membership and metrics (and position, if given)."""
    found: dict[str, Any] = {
        "iri": node.iri,
        "labels": _labels(node.label_en, node.label_ru),
        "kind": node.kind,
        "group_size": node.group_size,
        "member": node.member,
        "roles": list(node.roles),
        "degree": node.degree,
        "weighted_degree": node.weighted_degree,
        "betweenness": node.betweenness,
        "community": node.community,
    }
    if position is not None:
        found["position"] = {"x": position[0], "y": position[1]}
    return found


def edge_json(edge: Edge) -> dict[str, Any]:
    """One edge as JSON: its ends, weight, kinds, reasons (with their graphs) and all its graphs."""
    return {
        "source": edge.source,
        "target": edge.target,
        "weight": edge.weight,
        "kinds": list(edge.kinds),
        "reasons": [
            {
                "kind": r.kind,
                "via": r.via,
                "via_labels": _labels(r.via_label_en, r.via_label_ru),
                "direction": r.direction,
                "graphs": list(r.graphs),
            }
            for r in edge.reasons
        ],
        "graphs": list(edge.graphs),
    }


def to_json(network: Network, *, positions: bool = True) -> dict[str, Any]:
    """The network as a JSON document (with :func:`kg.analysis.layout.layout` positions)."""
    places = layout(network) if positions else {}
    return {
        "cluster": {
            "iri": network.cluster,
            "labels": _labels(network.cluster_label_en, network.cluster_label_ru),
        },
        "communities": network.communities,
        "nodes": [node_json(n, places.get(n.iri)) for n in network.nodes],
        "edges": [edge_json(e) for e in network.edges],
    }


def to_graph(network: Network) -> nx.Graph:
    """The network as a networkx graph with the GraphML attributes (none of them ``None``)."""
    graph = nx.Graph(name=network.cluster_label_en or network.cluster, cluster=network.cluster)
    for node in network.nodes:
        attributes: dict[str, Any] = {
            "label": node.label,
            "label_en": node.label_en or "",
            "label_ru": node.label_ru or "",
            "kind": node.kind,
            "member": node.member,
            "roles": " ".join(node.roles),
            "degree": node.degree,
            "weighted_degree": node.weighted_degree,
            "betweenness": node.betweenness,
            "community": node.community,
        }
        if node.group_size is not None:
            attributes["group_size"] = node.group_size
        graph.add_node(node.iri, **attributes)
    for edge in network.edges:
        graph.add_edge(
            edge.source,
            edge.target,
            weight=edge.weight,
            label=", ".join(edge.kinds),
            kinds=" ".join(edge.kinds),
            vias=" ".join(sorted({r.via for r in edge.reasons if r.via})),
            graphs=" ".join(edge.graphs),
        )
    return graph


def to_graphml(network: Network) -> str:
    """The network as a GraphML document (UTF-8 text)."""
    return "\n".join(nx.generate_graphml(to_graph(network))) + "\n"


def _table(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def nodes_csv(network: Network) -> str:
    """The nodes table of Gephi's import: ``Id,Label`` and the node attributes."""
    header = [
        "Id",
        "Label",
        "kind",
        "member",
        "roles",
        "group_size",
        "degree",
        "weighted_degree",
        "betweenness",
        "community",
        "label_en",
        "label_ru",
    ]
    rows: list[list[object]] = [
        [
            n.iri,
            n.label,
            n.kind,
            str(n.member).lower(),
            " ".join(n.roles),
            "" if n.group_size is None else n.group_size,
            n.degree,
            n.weighted_degree,
            n.betweenness,
            n.community,
            n.label_en or "",
            n.label_ru or "",
        ]
        for n in network.nodes
    ]
    return _table(header, rows)


def edges_csv(network: Network) -> str:
    """The edges table of Gephi's import: ``Source,Target,Type,Weight,Label``, kinds and graphs."""
    rows: list[list[object]] = [
        [
            e.source,
            e.target,
            "Undirected",
            e.weight,
            ", ".join(e.kinds),
            " ".join(e.kinds),
            " ".join(e.graphs),
        ]
        for e in network.edges
    ]
    return _table(["Source", "Target", "Type", "Weight", "Label", "kinds", "graphs"], rows)
