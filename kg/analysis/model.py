"""The cooperation network of a cluster as typed, frozen values: :class:`Network` of :class:`Node`
and :class:`Edge`, each edge with the :class:`Reason` it exists for.

A node is an agent: an organisation, an enterprise or a group of unnamed organisations
(``kind``), a member of the cluster or a partner met in the cluster's projects (``member``).
An edge joins two nodes (``source`` < ``target`` by IRI, undirected) and lists every reason
for it: what kind of cooperation (:data:`EDGE_KINDS`), through what (a project, an IP right, a
licence, a technology, a platform), in which direction where the reason has one (the licensor
to the licensee, the supplier to the finisher, the provider to the client), and the named
graphs that state it (claim graphs of a case, synthetic graphs, or the inferred graph when
nothing else states it). The weight of an edge is the number of its reasons.

>>> reason = Reason("project", "https://example.org/p", "P", "П", ("https://example.org/g",))
>>> edge = Edge("https://example.org/a", "https://example.org/b", (reason,))
>>> edge.weight, edge.kinds, edge.graphs
(1, ('project',), ('https://example.org/g',))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EdgeKind = Literal["project", "ip-right", "licence", "technology", "supply", "service"]
EDGE_KINDS: tuple[EdgeKind, ...] = ("project", "ip-right", "licence", "technology", "supply", "service")
"""The kinds of cooperation, in this order wherever they are listed:

- ``project``: both take part in one project of the cluster (participant, initiator, participant
  of a development work within it or that it builds on, supplier an R&D task within it is set to);
- ``ip-right``: both hold shares of one IP right;
- ``licence``: one licenses a right to the other (``odrl:assigner`` -> ``odrl:assignee``);
- ``technology``: both use one technology (``ckg:usesTechnology``, stated or inferred);
- ``supply``: one acts at a stage of a platform of the cluster's project that the other finishes;
- ``service``: one provides services to the other (``ckg:providesServiceTo``).
"""

NodeKind = Literal["enterprise", "organisation", "group", "agent"]
Direction = Literal["forward", "backward"]


@dataclass(frozen=True)
class Node:
    """An agent of the network, with its metrics once :func:`kg.analysis.metrics.measure` ran.

    ``kind``: ``group`` (a group of unnamed organisations, ``group_size`` where stated),
    ``enterprise``, ``organisation`` or ``agent`` (none of these is stated). ``member``: it has a
    membership in the cluster (``roles`` lists its role IRIs there). ``community`` numbers the
    communities from 0, the largest first.
    """

    iri: str
    label_en: str | None = None
    label_ru: str | None = None
    kind: NodeKind = "agent"
    group_size: int | None = None
    member: bool = False
    roles: tuple[str, ...] = ()
    degree: int = 0
    weighted_degree: int = 0
    betweenness: float = 0.0
    community: int = 0

    @property
    def label(self) -> str:
        """The English label, else the Russian one, else the IRI."""
        return self.label_en or self.label_ru or self.iri


@dataclass(frozen=True)
class Reason:
    """One reason for an edge: the kind of cooperation, through what, and where it is stated.

    ``via`` is the project, right, licence, technology or platform (``None`` for a service, which
    goes through nothing); ``direction`` is ``forward`` when the reason goes from the edge's
    source to its target (licensor, supplier, provider first), ``backward`` the other way, and
    ``None`` when it has no direction.
    """

    kind: EdgeKind
    via: str | None
    via_label_en: str | None = None
    via_label_ru: str | None = None
    graphs: tuple[str, ...] = ()
    direction: Direction | None = None


@dataclass(frozen=True)
class Edge:
    """Two agents that cooperate (``source`` < ``target``), with every reason for it."""

    source: str
    target: str
    reasons: tuple[Reason, ...]

    @property
    def weight(self) -> int:
        """The number of reasons."""
        return len(self.reasons)

    @property
    def kinds(self) -> tuple[EdgeKind, ...]:
        """The distinct kinds of its reasons, in the order of :data:`EDGE_KINDS`."""
        found = {r.kind for r in self.reasons}
        return tuple(k for k in EDGE_KINDS if k in found)

    @property
    def graphs(self) -> tuple[str, ...]:
        """Every graph that states one of its reasons, sorted."""
        return tuple(sorted({g for r in self.reasons for g in r.graphs}))


@dataclass(frozen=True)
class Network:
    """The cooperation network of one cluster: nodes sorted by IRI, edges by (source, target).

    ``communities`` is the number of communities (0 for an empty network).
    """

    cluster: str
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    communities: int = 0
    cluster_label_en: str | None = None
    cluster_label_ru: str | None = None

    def node(self, iri: str) -> Node:
        """The node of that IRI.

        :raises KeyError: if it is not in the network.
        """
        for node in self.nodes:
            if node.iri == iri:
                return node
        raise KeyError(iri)
