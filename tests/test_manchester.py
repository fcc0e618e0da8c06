"""OWL class expressions and property chains in the Manchester syntax (kg.reasoning.manchester).

Each case is the RDF form of one expression (Turtle: the expression is the object of
``ex:C owl:equivalentClass``, or the list of ``ex:p owl:propertyChainAxiom``) and the text
the OWL 2 Manchester syntax writes for it.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.reasoning import manchester
from kg.reasoning.manchester import Token, class_expression, property_chain, text
from ontology import ONTOLOGY_FILE

HEAD = """
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix ckg:  <https://w3id.org/clusterkg/ontology#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix ex:   <https://example.org/vocab#> .
"""
CKG = "https://w3id.org/clusterkg/ontology#"
C = URIRef("https://example.org/vocab#C")
P = URIRef("https://example.org/vocab#p")

EXPRESSIONS = [
    ("named class", "ckg:Cluster", "ckg:Cluster"),
    ("no prefix fits", "ex:Thing", "<https://example.org/vocab#Thing>"),
    (
        "intersection",
        "[ owl:intersectionOf ( ckg:Enterprise ckg:Cluster ckg:Region ) ]",
        "ckg:Enterprise and ckg:Cluster and ckg:Region",
    ),
    (
        "union",
        "[ owl:unionOf ( ckg:Cluster ckg:CooperationProject ) ]",
        "ckg:Cluster or ckg:CooperationProject",
    ),
    ("complement", "[ owl:complementOf ckg:Cluster ]", "not ckg:Cluster"),
    (
        "complement of a union",
        "[ owl:complementOf [ owl:unionOf ( ckg:Cluster ckg:Region ) ] ]",
        "not (ckg:Cluster or ckg:Region)",
    ),
    (
        "union in an intersection",
        "[ owl:intersectionOf ( ckg:Enterprise [ owl:unionOf ( ckg:Cluster ckg:Region ) ] ) ]",
        "ckg:Enterprise and (ckg:Cluster or ckg:Region)",
    ),
    (
        "enumeration",
        "[ owl:oneOf ( ckg:finalAssembly ckg:marketing ckg:sales ) ]",
        "{ckg:finalAssembly, ckg:marketing, ckg:sales}",
    ),
    (
        "some",
        "[ a owl:Restriction ; owl:onProperty ckg:region ; owl:someValuesFrom ckg:Region ]",
        "ckg:region some ckg:Region",
    ),
    (
        "only",
        "[ a owl:Restriction ; owl:onProperty ckg:region ; owl:allValuesFrom ckg:Region ]",
        "ckg:region only ckg:Region",
    ),
    (
        "value",
        "[ a owl:Restriction ; owl:onProperty ckg:playsRole ; owl:hasValue ckg:supplierRole ]",
        "ckg:playsRole value ckg:supplierRole",
    ),
    (
        "value of a literal",
        "[ a owl:Restriction ; owl:onProperty ckg:stageOrder ; owl:hasValue 1 ]",
        "ckg:stageOrder value 1",
    ),
    (
        "value of a string",
        '[ a owl:Restriction ; owl:onProperty ckg:iso3166Code ; owl:hasValue "RU-PNZ" ]',
        'ckg:iso3166Code value "RU-PNZ"',
    ),
    (
        "Self",
        "[ a owl:Restriction ; owl:onProperty ex:p ; owl:hasSelf true ]",
        "<https://example.org/vocab#p> Self",
    ),
    (
        "min",
        '[ a owl:Restriction ; owl:onProperty ckg:holder ; owl:minCardinality "1"^^xsd:nonNegativeInteger ]',
        "ckg:holder min 1",
    ),
    (
        "max",
        '[ a owl:Restriction ; owl:onProperty ckg:holder ; owl:maxCardinality "2"^^xsd:nonNegativeInteger ]',
        "ckg:holder max 2",
    ),
    (
        "exactly",
        '[ a owl:Restriction ; owl:onProperty ckg:cluster ; owl:cardinality "1"^^xsd:nonNegativeInteger ]',
        "ckg:cluster exactly 1",
    ),
    (
        "qualified min",
        "[ a owl:Restriction ; owl:onProperty org:member ; owl:minQualifiedCardinality 2 ;"
        " owl:onClass ckg:Enterprise ]",
        "org:member min 2 ckg:Enterprise",
    ),
    (
        "qualified max of an expression",
        "[ a owl:Restriction ; owl:onProperty org:member ; owl:maxQualifiedCardinality 3 ;"
        " owl:onClass [ owl:complementOf ckg:Enterprise ] ]",
        "org:member max 3 (not ckg:Enterprise)",
    ),
    (
        "qualified exactly",
        "[ a owl:Restriction ; owl:onProperty ckg:cluster ; owl:qualifiedCardinality 1 ;"
        " owl:onClass ckg:Cluster ]",
        "ckg:cluster exactly 1 ckg:Cluster",
    ),
    (
        "qualified on a data range",
        "[ a owl:Restriction ; owl:onProperty ckg:value ; owl:qualifiedCardinality 1 ;"
        " owl:onDataRange xsd:decimal ]",
        "ckg:value exactly 1 xsd:decimal",
    ),
    (
        "nested restriction",
        "[ a owl:Restriction ; owl:onProperty org:hasMembership ; owl:someValuesFrom"
        " [ a owl:Restriction ; owl:onProperty ckg:clusterRole ; owl:hasValue ckg:supplierRole ] ]",
        "org:hasMembership some (ckg:clusterRole value ckg:supplierRole)",
    ),
    (
        "inverse property",
        "[ a owl:Restriction ; owl:onProperty [ owl:inverseOf ckg:stageOf ] ;"
        " owl:someValuesFrom ckg:ProductionStage ]",
        "inverse ckg:stageOf some ckg:ProductionStage",
    ),
    (
        "datatype restriction",
        "[ a owl:Restriction ; owl:onProperty ckg:sharePercent ; owl:allValuesFrom [ a rdfs:Datatype ;"
        " owl:onDatatype xsd:decimal ;"
        " owl:withRestrictions ( [ xsd:minInclusive 0 ] [ xsd:maxInclusive 100 ] ) ] ]",
        "ckg:sharePercent only xsd:decimal[>= 0, <= 100]",
    ),
    ("data complement", "[ owl:datatypeComplementOf xsd:string ]", "not xsd:string"),
    ("data enumeration", '[ owl:oneOf ( "a"@en "b" 3 true ) ]', '{"a"@en, "b", 3, "true"^^xsd:boolean}'),
]


def graph_of(turtle: str) -> Graph:
    return Graph().parse(
        format="turtle", data=HEAD + "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + turtle
    )


@pytest.mark.parametrize(("name", "turtle", "expected"), EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_a_class_expression_in_manchester_syntax(name: str, turtle: str, expected: str) -> None:
    graph = graph_of(f"ex:C owl:equivalentClass {turtle} .")
    node = graph.value(C, OWL.equivalentClass)
    assert node is not None
    assert text(class_expression(graph, node)) == expected


def test_tokens_name_the_iris_they_stand_for() -> None:
    graph = graph_of(
        "ex:C owl:equivalentClass [ a owl:Restriction ; owl:onProperty ckg:playsRole ;"
        " owl:hasValue ckg:supplierRole ] ."
    )
    tokens = class_expression(graph, graph.value(C, OWL.equivalentClass))
    assert tokens == (
        Token("ckg:playsRole", CKG + "playsRole"),
        Token(" value "),
        Token("ckg:supplierRole", CKG + "supplierRole"),
    )


def test_prefixes_can_be_given() -> None:
    graph = graph_of("ex:C owl:equivalentClass [ owl:complementOf ex:D ] .")
    node = graph.value(C, OWL.equivalentClass)
    assert text(class_expression(graph, node, {"ex": "https://example.org/vocab#"})) == "not ex:D"


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        ("( org:hasMembership ckg:cluster )", "org:hasMembership o ckg:cluster"),
        (
            "( ckg:stageOf ckg:platformOf ckg:throughTechnology )",
            "ckg:stageOf o ckg:platformOf o ckg:throughTechnology",
        ),
        ("( [ owl:inverseOf ckg:holder ] ckg:hasHolding )", "inverse ckg:holder o ckg:hasHolding"),
    ],
)
def test_a_property_chain(chain: str, expected: str) -> None:
    graph = graph_of(f"ex:p owl:propertyChainAxiom {chain} .")
    assert text(property_chain(graph, graph.value(P, OWL.propertyChainAxiom))) == expected


BROKEN = [
    ("an unknown blank node", "ex:C owl:equivalentClass [ ex:q ex:D ] ."),
    (
        "a restriction without a filler",
        "ex:C owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:p ] .",
    ),
    ("a one-operand union", "ex:C owl:equivalentClass [ owl:unionOf ( ex:D ) ] ."),
    ("an anonymous individual", "ex:C owl:equivalentClass [ owl:oneOf ( [] ) ] ."),
    (
        "a cardinality that is no number",
        'ex:C owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:p ; owl:minCardinality "one" ] .',
    ),
    ("a broken list", "ex:C owl:equivalentClass [ owl:unionOf _:l ] . _:l rdf:first ex:D ."),
    (
        "a cyclic list",
        "ex:C owl:equivalentClass [ owl:unionOf _:l ] ."
        " _:l rdf:first ex:D ; rdf:rest _:m . _:m rdf:first ex:E ; rdf:rest _:l .",
    ),
    ("an expression that contains itself", "ex:C owl:equivalentClass _:x . _:x owl:complementOf _:x ."),
]


@pytest.mark.parametrize(("name", "turtle"), BROKEN, ids=[b[0] for b in BROKEN])
def test_what_is_no_class_expression_is_refused(name: str, turtle: str) -> None:
    graph = graph_of(turtle)
    with pytest.raises(ValueError):
        class_expression(graph, graph.value(C, OWL.equivalentClass))


def test_nesting_is_bounded() -> None:
    depth = manchester.MAX_DEPTH + 5
    turtle = "ex:C owl:equivalentClass " + "[ owl:complementOf " * depth + "ex:D" + " ]" * depth + " ."
    graph = graph_of(turtle)
    with pytest.raises(ValueError, match="deeper"):
        class_expression(graph, graph.value(C, OWL.equivalentClass))
    shallow = graph_of("ex:C owl:equivalentClass " + "[ owl:complementOf " * 3 + "ex:D" + " ]" * 3 + " .")
    assert (
        text(class_expression(shallow, shallow.value(C, OWL.equivalentClass)))
        == "not (not (not <https://example.org/vocab#D>))"
    )


def test_every_class_expression_and_chain_of_the_ontology_is_written() -> None:
    ontology = Graph().parse(ONTOLOGY_FILE, format="turtle")
    written = []
    for predicate in (OWL.equivalentClass, RDFS.subClassOf, RDFS.domain, RDFS.range, OWL.disjointWith):
        for _, node in ontology.subject_objects(predicate):
            written.append(text(class_expression(ontology, node)))
    chains = [text(property_chain(ontology, head)) for head in ontology.objects(None, OWL.propertyChainAxiom)]
    assert written and chains
    assert "org:hasMembership o ckg:clusterRole" in chains
    roles = {
        s: text(class_expression(ontology, e))
        for s, e in ontology.subject_objects(OWL.equivalentClass)
        if (e, RDF.type, OWL.Restriction) in ontology
    }
    assert len(roles) >= 10  # the role classes (13 in ontology 0.1)
    assert roles[URIRef(CKG + "AnchorEnterprise")] == "ckg:playsRole value ckg:anchorRole"
    assert all(t.startswith("ckg:playsRole value ckg:") for t in roles.values())
