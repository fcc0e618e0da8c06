"""A :data:`~kg.analysis.network.Select` over an in-process pyoxigraph store (offline use, tests,
benchmarks): the same SPARQL as over the managed engine, the union of the graphs as default.

>>> import asyncio
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o"),
...                   ox.NamedNode("http://x/g")))
>>> asyncio.run(store_select(store)("SELECT ?o WHERE { ?s ?p ?o }"))
[{'o': <Literal value=o datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>}]
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.analysis.network import Row, Select
from kg.errors import QueryError


def store_select(store: ox.Store) -> Select:
    """A select function over ``store`` (the union of its named graphs as the default graph)."""

    async def select(query: str) -> list[Row]:
        result = store.query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in result]

    return select
