"""Reading the ontology and the data files into rdflib, with errors that name file and line.

Data files are TriG (claim graphs + provenance), N-Quads, or Turtle/N-Triples; triples of a
file without graphs go into the graph ``https://w3id.org/clusterkg/graph/data/<file stem>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef

import ontology
from kg import formats
from kg.errors import SourceError
from kg.namespaces import BASE, ONTOLOGY_GRAPH

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCES_DIR = DATA_DIR / "sources"
FOUNDING_CASE_DIR = DATA_DIR / "biomed"

DATA_FORMATS = tuple(formats.get(name) for name in ("trig", "nquads", "turtle", "ntriples"))
"""The formats of data files (by their extension); RDF/XML and JSON-LD are for exchange, not sources."""
DATA_SUFFIXES = frozenset(ext for fmt in DATA_FORMATS for ext in fmt.extensions)


@dataclass
class SourceSet:
    """The ontology graph, the data as a dataset of named graphs, and where each node came from."""

    ontology: Graph
    dataset: Dataset
    files: list[Path] = field(default_factory=list)
    node_sources: dict[str, str] = field(default_factory=dict)

    def data_graph_count(self) -> int:
        """How many named graphs of data there are."""
        return sum(1 for g in self.dataset.graphs() if len(g) and g.identifier != ONTOLOGY_GRAPH)


def founding_case_files() -> list[Path]:
    """The data files of the founding case that ship with the package."""
    return sorted(FOUNDING_CASE_DIR.glob("*.trig"))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the data files (by suffix) under any folder, sorted per folder."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in DATA_SUFFIXES)
        elif path.exists():
            found.append(path)
        else:
            raise SourceError(path, "no such file or folder")
    return found


def check_syntax(path: Path) -> None:
    """Parse a file with Oxigraph's strict parser to report the first syntax error exactly.

    :raises SourceError: with the line of the first error.
    """
    fmt = formats.by_extension(path.suffix, DATA_FORMATS)
    if fmt is None:
        raise SourceError(path, f"unknown data format {path.suffix!r}; use one of {sorted(DATA_SUFFIXES)}")
    try:
        for _ in ox.parse(path=path, format=formats.rdf_format(fmt.name)):
            pass
    except SyntaxError as exc:
        raise SourceError(path, f"syntax error: {exc.msg}", line=exc.lineno) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"cannot read: {exc}") from exc


def parse_into(dataset: Dataset, path: Path) -> list[URIRef | BNode]:
    """Parse one data file into the dataset; returns the subjects it states things about.

    :raises SourceError: when the file is unreadable or malformed (with the line).
    """
    check_syntax(path)
    found = formats.by_extension(path.suffix, DATA_FORMATS)
    if found is None:  # check_syntax refuses these first
        raise SourceError(path, f"unknown data format {path.suffix!r}")
    fmt = found.rdflib
    parsed = Dataset()
    if found.kind == "dataset":
        with path.open("rb") as stream:
            parsed.parse(stream, format=fmt, publicID=path.resolve().as_uri())
        if len(parsed.default_graph):
            raise SourceError(path, "triples outside any named graph; put every claim in a named graph")
    else:
        with path.open("rb") as stream:
            parsed.graph(URIRef(f"{BASE}graph/data/{path.stem}")).parse(
                stream, format=fmt, publicID=path.resolve().as_uri()
            )
    subjects: list[URIRef | BNode] = []
    for s, p, o, g in parsed.quads():
        dataset.add((s, p, o, g))  # type: ignore[arg-type]
        if isinstance(s, URIRef | BNode):
            subjects.append(s)
    return subjects


def load_ontology() -> Graph:
    """The ontology graph, parsed from ``ontology/clusterkg.ttl``."""
    check_syntax(ontology.ONTOLOGY_FILE)
    graph = Graph(identifier=ONTOLOGY_GRAPH)
    with ontology.ONTOLOGY_FILE.open("rb") as stream:
        graph.parse(stream, format="turtle", publicID=ontology.ONTOLOGY_IRI)
    return graph


def load_sources(
    paths: Sequence[Path],
    *,
    progress: Callable[[Path], None] | None = None,
) -> SourceSet:
    """Read the ontology and the given data files (folders are expanded).

    :raises SourceError: on the first file that cannot be read or parsed.
    """
    files = expand_paths(paths)
    dataset = Dataset()
    node_sources: dict[str, str] = {}
    for path in files:
        if progress is not None:
            progress(path)
        for subject in parse_into(dataset, path):
            node_sources.setdefault(str(subject), path.name)
    return SourceSet(ontology=load_ontology(), dataset=dataset, files=files, node_sources=node_sources)
