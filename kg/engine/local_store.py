"""The local Oxigraph store: open it, load a dataset into it, query it, describe it.

Only one process may open a store directory at a time (RocksDB); the server owns it while
it runs, so offline commands open it only when no server does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from kg import formats, rq
from kg.errors import QueryError, StoreError
from kg.terms import Term

MANIFEST = "clusterkg-build.json"


def open_store(path: Path, *, read_only: bool = True) -> ox.Store:
    """Open a built store directory.

    :raises StoreError: if it is missing, not built by clusterkg, or locked by another process.
    """
    if not (path / MANIFEST).is_file():
        raise StoreError(f"no built store at {path}: run `clusterkg build --store {path}` first")
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc


def read_manifest(path: Path) -> dict[str, object]:
    """The build manifest of a store (what was built, when, from what)."""
    try:
        data: dict[str, object] = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the build manifest of {path}: {exc}") from exc
    return data


def load_graph(store: ox.Store, graph: Graph, graph_iri: str) -> None:
    """Load an rdflib graph into a named graph of the store."""
    ntriples = formats.get("ntriples")
    data = graph.serialize(format=ntriples.rdflib, encoding="utf-8")
    store.load(data, format=ntriples.rdf, to_graph=ox.NamedNode(graph_iri))


def load_dataset(store: ox.Store, dataset: Dataset) -> None:
    """Load every named graph of an rdflib dataset into the store."""
    nquads = formats.get("nquads")
    data = dataset.serialize(format=nquads.rdflib, encoding="utf-8")
    store.load(data, format=nquads.rdf)


def run_query(
    store: ox.Store, query: str, *, union: bool = True
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run a SPARQL query, by default over the union of all graphs.

    :raises QueryError: if the query is malformed (with the parser's message).
    """
    try:
        return store.query(query, use_default_graph_as_union=union)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL query: {exc}") from exc
    except OSError as exc:
        raise QueryError(f"query failed in the engine: {exc}") from exc


def select_rows(store: ox.Store, query: str, *, union: bool = True) -> list[dict[str, Term]]:
    """Run a SELECT query and return its rows as dicts of bound variables."""
    result = run_query(store, query, union=union)
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("expected a SELECT query")
    names = [v.value for v in result.variables]
    rows: list[dict[str, Term]] = []
    for solution in result:
        row = {}
        for name in names:
            value = solution[name]
            if value is not None:
                row[name] = value
        rows.append(row)
    return rows


def text_of(term: Term) -> str:
    """The lexical value of an IRI, blank node or literal (a triple term has none).

    :raises QueryError: for a triple term, which the service's own queries never return.
    """
    if isinstance(term, ox.Triple):
        raise QueryError("unexpected RDF triple term in a result")
    return term.value


@dataclass(frozen=True)
class StoreStats:
    """Triples per named graph and instances per class."""

    graphs: list[tuple[str, int]]
    classes: list[tuple[str, int]]

    @property
    def triples(self) -> int:
        """All triples over all graphs."""
        return sum(n for _, n in self.graphs)


def stats(store: ox.Store) -> StoreStats:
    """Count triples per graph and instances per class (asserted and inferred)."""

    def pairs(name: str, key: str, count: str) -> Iterator[tuple[str, int]]:
        for row in select_rows(store, rq.load(name), union=False):
            term, n = row[key], row[count]
            if isinstance(term, ox.NamedNode | ox.BlankNode) and isinstance(n, ox.Literal):
                yield term.value, int(n.value)

    return StoreStats(
        graphs=list(pairs("stats-graphs", "graph", "triples")),
        classes=list(pairs("stats-classes", "class", "instances")),
    )
