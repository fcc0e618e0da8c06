"""The namespaces and well-known IRIs of clusterkg, as rdflib Namespaces."""

from __future__ import annotations

from rdflib import Namespace, URIRef

BASE = "https://w3id.org/clusterkg/"
CKG = Namespace("https://w3id.org/clusterkg/ontology#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
SYNTH = Namespace(BASE + "synthetic/")

ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCT = Namespace("http://purl.org/dc/terms/")
SCHEMA = Namespace("https://schema.org/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
TIME = Namespace("http://www.w3.org/2006/time#")

ONTOLOGY_GRAPH = URIRef(BASE + "graph/ontology")
PROVENANCE_GRAPH = URIRef(BASE + "graph/provenance")
INFERRED_GRAPH = URIRef(BASE + "graph/inferred")
REFERENCE_GRAPH = URIRef(BASE + "graph/reference")

PREFIXES: dict[str, str] = {
    "ckg": str(CKG),
    "org": str(ORG),
    "prov": str(PROV),
    "oa": str(OA),
    "skos": str(SKOS),
    "dct": str(DCT),
    "schema": str(SCHEMA),
    "odrl": str(ODRL),
    "time": str(TIME),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xkos": "http://rdf-vocabulary.ddialliance.org/xkos#",
    "frapo": "http://purl.org/cerif/frapo/",
    "fabio": "http://purl.org/spar/fabio/",
    "adms": "http://www.w3.org/ns/adms#",
    "rov": "http://www.w3.org/ns/regorg#",
    "patent": "http://data.epo.org/linked-data/def/patent/",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "void": "http://rdfs.org/ns/void#",
}
