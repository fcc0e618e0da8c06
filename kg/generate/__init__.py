"""Synthetic cluster data for tests and load tests: deterministic, streamed, SHACL-conformant.

A fixed seed gives byte-identical output. Every node is an IRI of the synthetic namespace
``https://w3id.org/clusterkg/synthetic/`` marked ``ckg:synthetic true``, and every triple is in
a graph under ``https://w3id.org/clusterkg/synthetic/graph/`` (kg/data/README.md):

- ``graph/shared``: regions (ISO 3166 user-assigned codes ``XZ-R01``...), sectors,
  specialisation areas, product classes, one reference instant per year (``time:inXSDgYear``)
  and a three-level technology taxonomy (roots, branches, through-technologies) linked with
  ``skos:broader``; a few technologies are drawn far more often than the rest (niches);
- ``graph/cluster-<i>``, one per cluster: the cluster (region, sector, OKVED 2 industry classes,
  specialisations, sometimes an excellence label, interactions with the clusters it shares
  organisations with), its organisations (enterprises, research and education organisations,
  each with an OKVED 2 class and technologies it uses) with one ``ckg:ClusterMembership`` node
  per membership, dated by an ``org:memberDuring`` interval (some ended, most open); a few
  organisations of earlier clusters join it too (an organisation is in at most three
  clusters, described once, in the graph of its first); an undated group of other members;
  cooperation (:mod:`kg.generate.cooperation`: projects, open-innovation ones among them,
  platforms and stages, IP rights held jointly, licences between participants, service firms
  and whom they serve) and a Data Cube dataset of yearly indicators
  (:mod:`kg.generate.indicators`: participants by kind, employment, establishments, wages,
  location quotient, patents, a development index; values, ranges and bounds).

The OKVED 2 concepts (``https://w3id.org/clusterkg/id/okved2/<code>``) are not synthetic: they
live in the model's reference graph; the generator only points at the codes the synthetic case
may use.

The size is the number of triples: clusters are added while that brings the total closer to
the scale asked for, so the output is within half a cluster (a few thousand triples) of it.
Data is generated and written one graph at a time; nothing holds the whole output.

Modules: :mod:`kg.generate.vocabulary` (namespaces, kinds, terms, units), :mod:`kg.generate.base`
(the seeded node maker), :mod:`kg.generate.model` (the generator: shared vocabulary, clusters,
members), :mod:`kg.generate.cooperation`, :mod:`kg.generate.indicators`, and
:mod:`kg.generate.output` (writing units to a stream or a file); their public names are here.

>>> import io
>>> out = io.BytesIO()
>>> write(units(2_000, seed=1), out, "nquads").triples > 1_500
True
"""

from kg.generate.model import units
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
from kg.generate.vocabulary import (
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
)  # fmt: skip

__all__ = [
    "DEFAULT_SEED", "FILE_FORMATS", "FORMATS", "KINDS", "PREFIXES", "SHARED_GRAPH", "SYN", "SYN_GRAPH",
    "SYN_ID", "Format", "GenerateError", "Lit", "Term", "Triple", "Unit", "Written", "format_for",
    "generate_file", "terminal_progress", "units", "write",
]  # fmt: skip
