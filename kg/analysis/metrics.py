"""The metrics of a cooperation network, computed with networkx: :func:`measure`.

Degree (neighbours), weighted degree (the sum of the weights of a node's edges, a weight being
the number of reasons of an edge), betweenness centrality (normalised, on the unweighted graph:
a weight counts reasons, it is no distance) and communities (Louvain modularity on the weighted
graph, seed 0). Nodes and edges go into networkx sorted, so the same network always gives the
same numbers; communities are numbered from 0, the largest first, ties by their first IRI.

>>> from kg.analysis.model import Edge, Network, Node, Reason
>>> r = (Reason("project", "http://x/p"),)
>>> net = measure(Network("http://x/c", (Node("http://x/a"), Node("http://x/b"), Node("http://x/c1")),
...                       (Edge("http://x/a", "http://x/b", r), Edge("http://x/b", "http://x/c1", r))))
>>> [(n.iri[-2:], n.degree, round(n.betweenness, 2)) for n in net.nodes]
[('/a', 1, 0.0), ('/b', 2, 1.0), ('c1', 1, 0.0)]
"""

from __future__ import annotations

import dataclasses

import networkx as nx

from kg.analysis.model import Network

SEED = 0
"""The seed of the community detection (and of the layout)."""


def to_networkx(network: Network) -> nx.Graph:
    """The network as an undirected networkx graph: node and edge attributes, ``weight`` on edges."""
    graph = nx.Graph()
    for node in network.nodes:
        graph.add_node(node.iri)
    for edge in network.edges:
        graph.add_edge(edge.source, edge.target, weight=edge.weight)
    return graph


def communities(graph: nx.Graph) -> dict[str, int]:
    """Each node's community, numbered from 0, the largest first (ties: the smallest IRI first)."""
    if graph.number_of_nodes() == 0:
        return {}
    found = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    return {iri: number for number, members in enumerate(ordered) for iri in members}


def measure(network: Network) -> Network:
    """The network with every node's degree, weighted degree, betweenness and community."""
    graph = to_networkx(network)
    betweenness = nx.betweenness_centrality(graph, normalized=True) if len(graph) else {}
    community = communities(graph)
    nodes = tuple(
        dataclasses.replace(
            node,
            degree=int(graph.degree(node.iri)),
            weighted_degree=int(graph.degree(node.iri, weight="weight")),
            betweenness=float(betweenness.get(node.iri, 0.0)),
            community=community.get(node.iri, 0),
        )
        for node in network.nodes
    )
    return dataclasses.replace(network, nodes=nodes, communities=len(set(community.values())))
