"""One change of a write (:class:`Step`), and the blank nodes of the quads a write touches.

A step is what the delta (:mod:`kg.write.delta`) folds, what a staging copy
(:mod:`kg.write.readers`) applies and what a planned write (:func:`kg.write.pipeline.apply_steps`)
is made of; it sits apart from them so that each imports it and none imports another for it.
Every part of a write must tell blank nodes apart (SPARQL cannot name a blank node of the
store): the small helpers on them are here, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.write.quad_templates import GraphName


@dataclass(frozen=True)
class Step:
    """One change, applied as: delete, drop the graph, create the graph, insert.

    ``clear`` names a graph whose whole content is deleted (its quads are in ``delete``, so
    the commit may use CLEAR, which also removes quads with blank nodes).
    """

    delete: tuple[ox.Quad, ...] = ()
    insert: tuple[ox.Quad, ...] = ()
    clear: GraphName | None = None
    drop: ox.NamedNode | None = None
    create: ox.NamedNode | None = None
    anchors: frozenset[ox.NamedNode] = frozenset()
    """IRIs of the WHERE solutions that bound blank nodes of the store: where to find them."""

    @classmethod
    def emptying(cls, graph: GraphName, content: Iterable[ox.Quad], *, drop: bool = False) -> Step:
        """Delete a graph's whole content (CLEAR); with ``drop``, a named graph itself too (DROP).

        >>> g = ox.NamedNode("http://e/g")
        >>> Step.emptying(g, [], drop=True) == Step(clear=g, drop=g)
        True
        >>> Step.emptying(ox.DefaultGraph(), [], drop=True).drop is None
        True
        """
        return cls(delete=tuple(content), clear=graph, drop=named(graph) if drop else None)


def named(graph: GraphName) -> ox.NamedNode | None:
    """The graph if it is a named graph, None for the default graph."""
    return graph if isinstance(graph, ox.NamedNode) else None


def blanks_of(quad: ox.Quad) -> list[ox.BlankNode]:
    """The blank nodes of a quad: its subject, then its object, if they are blank nodes."""
    return [t for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]


def has_blank(quad: ox.Quad) -> bool:
    """Whether a quad's subject or object is a blank node."""
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def blank_nodes(quads: Iterable[ox.Quad]) -> set[ox.BlankNode]:
    """Every blank node (as subject or object) of some quads.

    >>> b = ox.BlankNode()
    >>> blank_nodes([ox.Quad(b, ox.NamedNode("http://e/p"), ox.Literal("1"))]) == {b}
    True
    """
    return {t for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
