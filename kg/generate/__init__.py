"""Synthetic cluster data for tests and load tests: deterministic, streamed, SHACL-conformant.

A fixed seed gives byte-identical output. Every node is an IRI of the synthetic namespace
``https://w3id.org/clusterkg/synthetic/`` marked ``ckg:synthetic true``, and every triple is in
a graph under ``https://w3id.org/clusterkg/synthetic/graph/`` (kg/data/README.md):

- ``graph/shared``: regions (ISO 3166 user-assigned codes ``XZ-R01``...), sectors,
  specialisation areas, product classes, reference instants, and a three-level technology
  taxonomy (roots, branches, through-technologies) linked with ``skos:broader``;
- ``graph/cluster-<i>``, one per cluster: the cluster (region, sector, specialisations, type,
  interactions with earlier clusters), its participants (enterprises and unnamed groups) with
  ``ckg:ClusterMembership`` nodes and roles, a product segment, cooperation projects (initiator,
  participants, start year <= production launch year, a through-technology, an R&D task) each
  forming a technology platform with ordered stages and their actors, statistics (counts,
  percentages in 0-100, ranges with min <= max), and IP rights of every type with holders
  whose shares sum to at most 100, the project they came from and ODRL licences.

The size is the number of triples: clusters are added while that brings the total closer to
the scale asked for, so the output is within half a cluster (a few hundred triples) of it.
Data is generated and written one graph at a time; nothing holds the whole output.

Two modules: :mod:`kg.generate.model` (the vocabulary, the units and the seeded generator) and
:mod:`kg.generate.output` (writing units to a stream or a file); their public names are here.

>>> import io
>>> out = io.BytesIO()
>>> write(units(2_000, seed=1), out, "nquads").triples > 1_500
True
"""

from kg.generate.model import (
    DEFAULT_SEED,
    KINDS,
    SHARED_GRAPH,
    SYN,
    SYN_GRAPH,
    SYN_ID,
    GenerateError,
    Lit,
    Term,
    Triple,
    Unit,
    units,
)  # fmt: skip
from kg.generate.output import (
    FILE_FORMATS,
    FORMATS,
    PREFIXES,
    Format,
    Written,
    format_for,
    generate_file,
    terminal_progress,
    write,
)  # fmt: skip

__all__ = [
    "DEFAULT_SEED", "FILE_FORMATS", "FORMATS", "KINDS", "PREFIXES", "SHARED_GRAPH", "SYN", "SYN_GRAPH",
    "SYN_ID", "Format", "GenerateError", "Lit", "Term", "Triple", "Unit", "Written", "format_for",
    "generate_file", "terminal_progress", "units", "write",
]  # fmt: skip
