"""Cluster research over the graph: the cooperation network of a cluster and the article's eight
management tasks, computed from the graph with the graphs that state each finding.

The public surface (what the REST routes and the dashboard use):

- :mod:`kg.analysis.model`: :class:`Network`, :class:`Node`, :class:`Edge`, :class:`Reason`,
  :data:`EDGE_KINDS` (frozen dataclasses);
- :func:`cooperation_network` (``await cooperation_network(select, cluster_iri)``), where
  ``select`` runs a SELECT (``lambda q: runtime.client.select(q, timeout_s=...)``, or
  :func:`store_select` over a pyoxigraph store);
- :func:`layout`: positions in ``[0, 1]²`` for drawing, deterministic;
- :mod:`kg.analysis.exports`: :func:`to_json`, :func:`to_graphml`, :func:`nodes_csv`,
  :func:`edges_csv`;
- :mod:`kg.analysis.tasks`: :data:`TASKS` (the eight tasks: notation, IRI, named query, what each
  rests on) and :func:`management_tasks` (``await management_tasks(select, cluster_iri)``, each
  task's findings).
"""

from __future__ import annotations

from kg.analysis.exports import edges_csv, nodes_csv, to_graphml, to_json
from kg.analysis.layout import layout
from kg.analysis.local import store_select
from kg.analysis.model import EDGE_KINDS, Edge, Network, Node, Reason
from kg.analysis.network import Select, cooperation_network
from kg.analysis.tasks import TASKS, Finding, Task, TaskResult, management_tasks

__all__ = [
    "EDGE_KINDS",
    "TASKS",
    "Edge",
    "Finding",
    "Network",
    "Node",
    "Reason",
    "Select",
    "Task",
    "TaskResult",
    "cooperation_network",
    "edges_csv",
    "layout",
    "management_tasks",
    "nodes_csv",
    "store_select",
    "to_graphml",
    "to_json",
]
