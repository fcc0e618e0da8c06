"""The terms that the ontology and the data use, and their vocabularies (kg.describe.vocabulary)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kg.describe.vocabulary import DATA, ONTOLOGY, TermUse, data_terms, vocabulary_of

ONTOLOGY_TEXT = """
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix ckg:    <https://w3id.org/clusterkg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix time:   <http://www.w3.org/2006/time#> .
@prefix ex:     <https://example.org/v#> .

time:Instant a owl:Class .
ckg:Statistic rdfs:subClassOf schema:Observation .
ckg:referenceTime rdfs:range time:Instant .
ckg:note rdfs:range rdf:langString .
ckg:code rdfs:range ex:Code .
ex:Code a rdfs:Datatype .
ckg:value rdfs:range xsd:decimal .
ckg:memberOf owl:propertyChainAxiom ( org:hasMembership ckg:cluster ) ; rdfs:subPropertyOf ex:relatedTo .
ckg:Player owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:plays ;
    owl:someValuesFrom [ owl:unionOf ( ex:RoleA ex:RoleB ) ] ] .
"""


def kinds(use: TermUse) -> dict[str, tuple[list[str], list[str]]]:
    return {t.iri: (sorted(t.kinds), sorted(t.places)) for t in use.sorted()}


def test_what_an_ontology_uses() -> None:
    use = TermUse()
    use.add_ontology(Graph().parse(data=ONTOLOGY_TEXT, format="turtle"))
    found = kinds(use)
    expected = {
        "http://www.w3.org/2006/time#Instant": ["class"],
        "https://schema.org/Observation": ["class"],
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString": ["datatype"],
        "https://example.org/v#Code": ["datatype"],
        "http://www.w3.org/2001/XMLSchema#decimal": ["datatype"],
        "http://www.w3.org/ns/org#hasMembership": ["property"],
        "https://w3id.org/clusterkg/ontology#cluster": ["property"],
        "https://example.org/v#relatedTo": ["property"],
        "https://example.org/v#plays": ["property"],
        "https://example.org/v#RoleA": ["class"],
        "https://example.org/v#RoleB": ["class"],
        "http://www.w3.org/2000/01/rdf-schema#subClassOf": ["property"],
        "http://www.w3.org/2002/07/owl#Restriction": ["class"],
    }
    for iri, kind in expected.items():
        assert found.get(iri) == (kind, [ONTOLOGY]), iri
    # Defined, not used: the subjects of axioms are the ontology's own terms.
    assert "https://w3id.org/clusterkg/ontology#Statistic" not in found


def test_what_data_files_use(tmp_path: Path) -> None:
    trig = tmp_path / "data.trig"
    trig.write_text(
        """@prefix dct: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://e/g> { <https://e/a> a skos:Concept ; skos:notation "1" ; dct:issued "2009"^^xsd:gYear ;
            skos:prefLabel "a"@en . }""",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b>", encoding="utf-8")
    unknown = tmp_path / "notes.txt"
    unknown.write_text("not RDF", encoding="utf-8")
    use, unread = data_terms([trig, broken, unknown, tmp_path / "gone.nq"])
    assert unread == 3
    assert kinds(use) == {
        "http://purl.org/dc/terms/issued": (["property"], [DATA]),
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": (["property"], [DATA]),
        "http://www.w3.org/2001/XMLSchema#gYear": (["datatype"], [DATA]),
        "http://www.w3.org/2004/02/skos/core#Concept": (["class"], [DATA]),
        "http://www.w3.org/2004/02/skos/core#notation": (["property"], [DATA]),
        "http://www.w3.org/2004/02/skos/core#prefLabel": (["property"], [DATA]),
    }


def test_vocabularies() -> None:
    assert vocabulary_of("http://www.w3.org/2006/time#Instant").prefix == "time"
    assert vocabulary_of("http://qudt.org/vocab/unit/PERCENT").prefix == "unit"
    assert vocabulary_of("http://qudt.org/schema/qudt/Unit").prefix == "qudt"
    unknown = vocabulary_of("https://example.org/a/b/term")
    assert (unknown.prefix, unknown.namespace, unknown.title) == ("", "https://example.org/a/b/", "")
    assert vocabulary_of("urn:x").namespace == "urn:x"
