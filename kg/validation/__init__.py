"""SHACL validation of clusterkg data: pySHACL over the union of the data's graphs, as a report.

>>> from rdflib import Graph
>>> report = validate(Graph())
>>> report.conforms, report.violations
(True, [])

Three modules: :mod:`kg.validation.shacl` runs the validation (the shapes and the ontology,
the graph pySHACL sees, focus nodes, pySHACL itself); :mod:`kg.validation.claims` checks in
Python what SHACL cannot see (every claim graph has provenance); :mod:`kg.validation.report`
builds the :class:`ValidationReport` from pySHACL's report graph and those extra results. Their
public names are here.
"""

from kg.validation.claims import CLAIM_GRAPH_MESSAGE, CLAIM_GRAPHS, SYNTHETIC_PROVENANCE_GRAPH
from kg.validation.report import SHAPES_NAMESPACE, ValidationReport
from kg.validation.shacl import load_ontology, load_shapes, validate, validate_quads

__all__ = [
    "CLAIM_GRAPHS",
    "CLAIM_GRAPH_MESSAGE",
    "SHAPES_NAMESPACE",
    "SYNTHETIC_PROVENANCE_GRAPH",
    "ValidationReport",
    "load_ontology",
    "load_shapes",
    "validate",
    "validate_quads",
]
