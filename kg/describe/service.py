"""Descriptions of the service and the dataset: the SPARQL Service Description and VoID.

Both are built as rdflib graphs from counts the engine returns; the API serialises them in
the negotiated format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from kg import formats
from kg.namespaces import BASE, INFERRED_GRAPH

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")
OWL_PROFILE_RL = URIRef("http://www.w3.org/ns/owl-profile/RL")
DATASET = URIRef(BASE + "dataset")


def service_description(
    endpoint: str,
    graphs: Sequence[tuple[str, int]],
    *,
    updates_enabled: bool,
    federation_enabled: bool = False,
) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("formats", FORMATS)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if updates_enabled:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if federation_enabled:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    for fmt in [*formats.RESULT_FORMATS.values(), *formats.RDF_FORMATS.values()]:
        g.add((service, SD.resultFormat, URIRef(fmt.iri)))
    for fmt in formats.RDF_FORMATS.values():
        g.add((service, SD.inputFormat, URIRef(fmt.iri)))
    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, VOID.inDataset, DATASET))
    default = BNode("default")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(sum(n for _, n in graphs), datatype=XSD.integer)))
    for name, triples in graphs:
        node = BNode()
        graph = BNode()
        g.add((dataset, SD.namedGraph, node))
        g.add((node, RDF.type, SD.NamedGraph))
        g.add((node, SD.name, URIRef(name)))
        g.add((node, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(triples, datatype=XSD.integer)))
        if name == str(INFERRED_GRAPH):
            g.add((node, SD.entailmentRegime, ENTAILMENT["OWL-RDF-Based"]))
            g.add((node, SD.supportedEntailmentProfile, OWL_PROFILE_RL))
    return g


def void_description(
    *,
    sparql_endpoint: str,
    totals: Mapping[str, int],
    classes: Sequence[tuple[str, int]],
    properties: Sequence[tuple[str, int]],
    dumps: Sequence[tuple[str, int, str]] = (),
) -> Graph:
    """The VoID description of the dataset: totals, class and property partitions, dumps.

    ``dumps`` are (URL, size in bytes, ISO date) of downloadable dumps.
    """
    g = Graph()
    g.bind("void", VOID)
    g.bind("dct", "http://purl.org/dc/terms/")
    dct = Namespace("http://purl.org/dc/terms/")
    ds = DATASET
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, dct.title, Literal("clusterkg: industrial clusters and through-technologies", lang="en")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(sparql_endpoint)))
    g.add((ds, VOID.uriSpace, Literal(BASE + "id/")))
    g.add((ds, VOID.vocabulary, URIRef("https://w3id.org/clusterkg/ontology#")))
    for key in ("triples", "properties"):
        if key in totals:
            g.add((ds, VOID[key], Literal(totals[key], datatype=XSD.integer)))
    if "subjects" in totals:
        g.add((ds, VOID.distinctSubjects, Literal(totals["subjects"], datatype=XSD.integer)))
    if "objects" in totals:
        g.add((ds, VOID.distinctObjects, Literal(totals["objects"], datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    for cls, entities in classes:
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(entities, datatype=XSD.integer)))
    for prop, triples in properties:
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(triples, datatype=XSD.integer)))
    for url, size, date in dumps:
        dump = URIRef(url)
        g.add((ds, VOID.dataDump, dump))
        g.add((dump, URIRef("http://www.w3.org/ns/dcat#byteSize"), Literal(size, datatype=XSD.integer)))
        g.add((dump, dct.modified, Literal(date, datatype=XSD.dateTime)))
    return g
