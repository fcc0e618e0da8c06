"""Tests of kg.reasoning.rl: the same entailments as owlrl, exact triples, idempotence, clashes.

The reference is owlrl 7.6 (``owlrl.DeductiveClosure(owlrl.OWLRL_Semantics)``) on an rdflib
Graph of the TBox and the data. Both reasoners get the same parsed triples (blank nodes keep
their labels), and both closures are restricted to the instance-level entailments: triples
whose subject is an IRI that is not an ontology term, without owl:/rdf:/rdfs: housekeeping
(``x owl:sameAs x``, ``x a owl:Thing``, ``x a owl:NamedIndividual``, ``x a rdfs:Resource``)
and without types by anonymous class expressions (``x a _:restriction``), which
materialise() does not keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
import rdflib.term
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

import kg
from kg.errors import StoreError
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.reasoning.rl import Clash, clash_rules, find_clashes, materialise, rules
from ontology import ONTOLOGY_FILE

DATA = Path(__file__).parent / "data" / "reasoning"
BIOMED = sorted((Path(kg.__file__).parent / "data" / "biomed").glob("*.trig"))

CKG = "https://w3id.org/clusterkg/ontology#"
SYN = "https://w3id.org/clusterkg/synthetic/id/"
ORG = "http://www.w3.org/ns/org#"

Triple = tuple[Node, Node, Node]

DATASETS = [
    pytest.param((ONTOLOGY_FILE,), (DATA / "cluster.trig",), id="synthetic-cluster"),
    pytest.param((DATA / "features-tbox.ttl",), (DATA / "features.trig",), id="synthetic-features"),
]
if BIOMED:
    DATASETS.append(pytest.param((ONTOLOGY_FILE,), tuple(BIOMED), id="biomed"))

# Classes and properties: the terms an instance-level entailment is not about.
META_CLASSES = {
    OWL.Class,
    RDFS.Class,
    OWL.Restriction,
    RDFS.Datatype,
    OWL.Ontology,
    RDF.Property,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.TransitiveProperty,
    OWL.SymmetricProperty,
    OWL.AsymmetricProperty,
    OWL.ReflexiveProperty,
    OWL.IrreflexiveProperty,
}
HOUSEKEEPING_TYPES = {OWL.Thing, OWL.NamedIndividual, RDFS.Resource}
BUILTIN_NAMESPACES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))


# --- loading one parse into both reasoners ---------------------------------------------------


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (blank nodes keep their labels)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal), "no triple terms here"
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def quad_of(s: Node, p: Node, o: Node, graph: ox.NamedNode) -> ox.Quad:
    """An rdflib triple as a pyoxigraph quad in a graph."""
    subject, predicate = to_ox(s), to_ox(p)
    assert not isinstance(subject, ox.Literal) and isinstance(predicate, ox.NamedNode)
    return ox.Quad(subject, predicate, to_ox(o), graph)


@cache
def parsed(tbox_files: tuple[Path, ...], data_files: tuple[Path, ...]) -> tuple[Graph, Dataset]:
    """The TBox and the data, parsed once by rdflib."""
    tbox = Graph()
    for path in tbox_files:
        tbox.parse(path, format="turtle")
    data = Dataset()
    for path in data_files:
        data.parse(path, format="trig")
    return tbox, data


def store_of(tbox_files: Iterable[Path], data_files: Iterable[Path]) -> ox.Store:
    """An in-memory store: the TBox in the ontology graph, the data in their named graphs."""
    tbox, data = parsed(tuple(tbox_files), tuple(data_files))
    store = ox.Store()
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    store.extend(quad_of(s, p, o, ontology) for s, p, o in tbox)
    quads = []
    for s, p, o, g in data.quads():
        graph = getattr(g, "identifier", g)
        assert isinstance(graph, URIRef), "test data lives in named graphs"
        quads.append(quad_of(s, p, o, ox.NamedNode(str(graph))))
    store.extend(quads)
    return store


def inferred(store: ox.Store, graph: str = INFERRED_GRAPH) -> set[Triple]:
    """The triples of the inferred graph, as rdflib terms."""
    return {
        (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(str(graph)))
    }


@cache
def owlrl_entailments(tbox_files: tuple[Path, ...], data_files: tuple[Path, ...]) -> set[Triple]:
    """What owlrl's OWL 2 RL closure adds to the TBox plus the data (all graphs merged)."""
    tbox, data = parsed(tbox_files, data_files)
    graph = Graph()
    for triple in tbox:
        graph.add(triple)
    for s, p, o, _ in data.quads():
        graph.add((s, p, o))
    asserted = set(graph)
    # owlrl swaps rdflib's global lexical-to-Python table for its own and does not restore
    # it, which changes how later tests (e.g. SHACL on xsd:gYear with a time zone) see
    # literals; restore it here.
    saved = dict(rdflib.term._toPythonMapping)
    try:
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    finally:
        rdflib.term._toPythonMapping.clear()
        rdflib.term._toPythonMapping.update(saved)
    return set(graph) - asserted


def ontology_terms(tbox: Graph) -> set[Node]:
    """The classes, properties, restrictions and ontologies that the TBox declares."""
    return {s for s, p, o in tbox if p == RDF.type and o in META_CLASSES}


def instance_level(triples: Iterable[Triple], terms: set[Node]) -> set[Triple]:
    """The triples about individuals named by IRIs, without tautologies and housekeeping."""
    kept: set[Triple] = set()
    for s, p, o in triples:
        if not isinstance(s, URIRef) or s in terms or str(s).startswith(BUILTIN_NAMESPACES):
            continue
        if p == OWL.sameAs and s == o:
            continue
        if p == RDF.type and (o in HOUSEKEEPING_TYPES or isinstance(o, BNode)):
            continue
        kept.add((s, p, o))
    return kept


def show(triples: Iterable[Triple]) -> str:
    """Triples one per line, for assertion messages."""
    return "\n".join(" ".join(t.n3() for t in triple) for triple in sorted(triples))


# --- (a) completeness and soundness against owlrl --------------------------------------------


@pytest.mark.parametrize(("tbox_files", "data_files"), DATASETS)
def test_same_instance_entailments_as_owlrl(
    tbox_files: tuple[Path, ...], data_files: tuple[Path, ...]
) -> None:
    store = store_of(tbox_files, data_files)
    materialise(store)
    terms = ontology_terms(parsed(tbox_files, data_files)[0])
    ours = instance_level(inferred(store), terms)
    reference = instance_level(owlrl_entailments(tbox_files, data_files), terms)
    assert reference, "the dataset must entail something"
    missing, extra = reference - ours, ours - reference
    assert not missing, f"owlrl entails, materialise() does not:\n{show(missing)}"
    assert not extra, f"materialise() infers, owlrl does not:\n{show(extra)}"


@pytest.mark.parametrize(("tbox_files", "data_files"), DATASETS)
def test_inferred_graph_holds_only_instance_level_entailments(
    tbox_files: tuple[Path, ...], data_files: tuple[Path, ...]
) -> None:
    store = store_of(tbox_files, data_files)
    result = materialise(store)
    ours = inferred(store)
    terms = ontology_terms(parsed(tbox_files, data_files)[0])
    about_individuals = {t for t in ours if not isinstance(t[0], BNode)}
    assert instance_level(about_individuals, terms) == about_individuals
    assert result.triples_inferred == len(ours)
    asserted = {
        (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        for q in store.quads_for_pattern(None, None, None, None)
        if q.graph_name != ox.NamedNode(str(INFERRED_GRAPH))
    }
    assert not ours & asserted, "the inferred graph repeats triples of other graphs"


# --- (b) exact entailments, idempotence, progress --------------------------------------------


def syn(local: str) -> URIRef:
    return URIRef(SYN + local)


def ckg(local: str) -> URIRef:
    return URIRef(CKG + local)


def org(local: str) -> URIRef:
    return URIRef(ORG + local)


@pytest.fixture
def cluster_store() -> ox.Store:
    """The synthetic cluster data with the clusterkg ontology, not yet materialised."""
    return store_of((ONTOLOGY_FILE,), (DATA / "cluster.trig",))


EXPECTED = [
    # the anchor: membership inverse, role chain, hasValue equivalence, chain domain
    (syn("organization/anchor"), org("hasMembership"), syn("membership/anchor-alpha")),
    (syn("organization/anchor"), ckg("playsRole"), ckg("anchorFinisherRole")),
    (syn("organization/anchor"), ckg("memberOfCluster"), syn("cluster/alpha")),
    (syn("organization/anchor"), RDF.type, ckg("AnchorEnterprise")),
    (syn("organization/anchor"), RDF.type, ckg("ClusterParticipant")),
    # the untyped mill: membership from its side, subclass + hasValue to Supplier
    (syn("membership/mill-alpha"), org("member"), syn("organization/mill")),
    (syn("membership/mill-alpha"), RDF.type, ckg("ClusterMembership")),
    (syn("organization/mill"), RDF.type, ckg("RawMaterialSupplier")),
    (syn("organization/mill"), RDF.type, ckg("Supplier")),
    (syn("organization/mill"), ckg("playsRole"), ckg("supplierRole")),
    (syn("organization/mill"), RDF.type, ckg("ClusterParticipant")),
    # project participants use the through-technology (2-chain, initiatedBy + inverse)
    (syn("organization/anchor"), ckg("participatesIn"), syn("project/catheter")),
    (syn("project/catheter"), ckg("hasParticipant"), syn("organization/anchor")),
    (syn("organization/anchor"), ckg("usesTechnology"), syn("technology/coating")),
    (syn("organization/lab"), ckg("usesTechnology"), syn("technology/coating")),
    (syn("organization/mill"), ckg("usesTechnology"), syn("technology/coating")),
    (syn("project/catheter"), ckg("usesTechnology"), syn("technology/coating")),
    (syn("technology/coating"), RDF.type, ckg("ThroughTechnology")),
    (syn("technology/coating"), RDF.type, ckg("Technology")),
    # stages use it (3-chain over the platformOf inverse), their actors too
    (syn("project/catheter"), ckg("formsPlatform"), syn("platform/catheter")),
    (syn("stage/s1"), ckg("stageUsesTechnology"), syn("technology/coating")),
    (syn("stage/s2"), ckg("stageUsesTechnology"), syn("technology/coating")),
    (syn("stage/s1"), RDF.type, ckg("ProductionStage")),
    (syn("platform/catheter"), ckg("hasStage"), syn("stage/s1")),
    (syn("organization/mill"), ckg("actorUsesStageTechnology"), syn("technology/coating")),
    # IP holdings: heldBy through hasHolding, also from the holding's side
    (syn("ip-right/p1"), ckg("heldBy"), syn("organization/anchor")),
    (syn("ip-right/p1"), ckg("hasHolding"), syn("holding/p1-lab")),
    (syn("ip-right/p1"), ckg("heldBy"), syn("organization/lab")),
    (syn("ip-right/k1"), ckg("heldBy"), syn("organization/mill")),
    (syn("ip-right/p1"), ckg("withinProject"), syn("project/catheter")),
    (syn("ip-right/p1"), ckg("licensedBy"), syn("licence/l1")),
    # symmetric interaction, subproperties
    (syn("cluster/beta"), ckg("interClusterInteraction"), syn("cluster/alpha")),
    (syn("cluster/alpha"), ckg("specialisation"), syn("specialisation/implants")),
    (syn("stage/s1"), URIRef("http://rdf-vocabulary.ddialliance.org/xkos#next"), syn("stage/s2")),
    (syn("quote/project"), URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), syn("source/doc")),
]


@pytest.mark.parametrize("triple", EXPECTED, ids=lambda t: f"{t[0].split('/')[-1]}-{t[2].n3()}")
def test_specific_entailments(cluster_store: ox.Store, triple: Triple) -> None:
    materialise(cluster_store)
    assert triple in inferred(cluster_store)


def test_asserted_tautological_and_anonymous_triples_are_not_kept(cluster_store: ox.Store) -> None:
    materialise(cluster_store)
    ours = inferred(cluster_store)
    anchor = syn("organization/anchor")
    assert (anchor, RDF.type, ckg("Enterprise")) not in ours  # asserted in a claim graph
    assert (anchor, RDF.type, OWL.Thing) not in ours
    assert (anchor, OWL.sameAs, anchor) not in ours
    assert not [t for t in ours if t[1] == RDF.type and isinstance(t[2], BNode)]
    assert not [t for t in ours if t[1] in (RDFS.subClassOf, RDFS.subPropertyOf)]


def test_idempotent(cluster_store: ox.Store) -> None:
    graphs_before = set(cluster_store.named_graphs())
    first = materialise(cluster_store)
    once = inferred(cluster_store)
    second = materialise(cluster_store)
    assert inferred(cluster_store) == once
    assert second.triples_inferred == first.triples_inferred == len(once)
    assert second.rounds == first.rounds
    assert set(cluster_store.named_graphs()) == graphs_before | {ox.NamedNode(INFERRED_GRAPH)}


def test_other_inferred_graph_and_progress(cluster_store: ox.Store) -> None:
    calls: list[tuple[int, int]] = []
    other = "https://w3id.org/clusterkg/synthetic/graph/inferred"
    result = materialise(cluster_store, inferred_graph=other, progress=lambda *a: calls.append(a))
    assert [r for r, _ in calls] == list(range(1, result.rounds + 1))
    assert calls[-1][1] == result.triples_inferred == len(inferred(cluster_store, other)) > 0
    assert [n for _, n in calls] == sorted(n for _, n in calls)
    assert not inferred(cluster_store)  # the default inferred graph is untouched


def test_read_only_store_is_a_store_error(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    store.extend(store_of((ONTOLOGY_FILE,), (DATA / "cluster.trig",)))
    store.flush()
    del store
    with pytest.raises(StoreError, match="read-write"):
        materialise(ox.Store.read_only(str(tmp_path / "store")))


@pytest.mark.parametrize("in_memory", [False, True])
def test_on_disk_store_gives_the_same_graph(cluster_store: ox.Store, tmp_path: Path, in_memory: bool) -> None:
    first = materialise(cluster_store)
    disk = ox.Store(str(tmp_path / "store"))
    disk.extend(q for q in cluster_store if q.graph_name != ox.NamedNode(INFERRED_GRAPH))
    graphs = set(disk.named_graphs())
    again = materialise(disk, in_memory=in_memory)
    assert inferred(disk) == inferred(cluster_store)
    assert again.triples_inferred == first.triples_inferred
    assert set(disk.named_graphs()) == graphs | {ox.NamedNode(INFERRED_GRAPH)}


def test_in_memory_replaces_the_inferred_graph(cluster_store: ox.Store) -> None:
    once = materialise(cluster_store)
    graph = inferred(cluster_store)
    twice = materialise(cluster_store, in_memory=True)
    assert inferred(cluster_store) == graph
    assert twice.triples_inferred == once.triples_inferred


def test_rule_files() -> None:
    names = {r.name for r in rules()}
    for rule_id in ("cax-sco", "cax-eqc1", "cax-eqc2", "prp-dom", "prp-rng", "prp-spo1"):
        assert rule_id in names
    assert {"prp-spo2-len2", "prp-spo2-len3", "prp-inv1", "prp-inv2", "prp-symp"} <= names
    assert {"cls-hv1", "cls-hv2", "cls-svf1", "cls-svf2", "cls-avf", "cls-int1"} <= names
    assert {"cax-adc", "cax-dw", "prp-pdw", "cls-nothing2", "prp-irp", "prp-asyp"} <= {
        r.name for r in clash_rules()
    }
    assert {"prp-npa1", "prp-npa2"} <= {r.name for r in clash_rules()}
    for rule in rules():
        assert "INSERT" in rule.sparql and "GRAPH next:" in rule.sparql, rule.name


# --- (b) clashes ------------------------------------------------------------------------------


def clash_keys(clashes: list[Clash]) -> set[tuple[str, tuple[str, ...]]]:
    return {(c.rule, c.individuals) for c in clashes}


def test_find_clashes_explains_inconsistent_data() -> None:
    store = store_of((ONTOLOGY_FILE,), (DATA / "inconsistent.trig",))
    stated = {
        ("cax-adc", (SYN + "ip-right/both",)),
        ("cax-adc", (SYN + "cluster/also-project",)),
        ("prp-fp-dt-diff", (SYN + "stage/twice",)),
    }
    assert clash_keys(find_clashes(store)) == stated
    materialise(store)
    clashes = find_clashes(store)
    assert clash_keys(clashes) == stated | {("cax-adc", (SYN + "cluster/gamma",))}
    by_individual = {c.individuals[0].rsplit("/", 1)[-1]: c for c in clashes}
    two_ip_types = by_individual["both"]
    assert two_ip_types.axiom == "owl:AllDisjointClasses ( ... ckg:KnowHow ... ckg:Patent ... )"
    assert "ckg:KnowHow and ckg:Patent" in two_ip_types.message
    assert two_ip_types.describe().startswith("[cax-adc] <" + SYN + "ip-right/both> is an")
    assert '"1"^^xsd:integer and "2"^^xsd:integer' in by_individual["twice"].message
    assert "same" not in by_individual  # "1" and "01" are one value


def test_find_clashes_covers_every_clash_rule() -> None:
    store = store_of((DATA / "clashes-tbox.ttl",), (DATA / "clashes.trig",))
    materialise(store)  # prp-fp makes kim = lee, mo = ned and oz = pat
    clash = SYN + "clash/"
    expected = {
        ("cax-dw", (clash + "catdog",)),
        ("cls-com", (clash + "zombie",)),
        ("cls-nothing2", (clash + "unicorn",)),
        ("prp-pdw", (clash + "ann", clash + "bob")),
        ("prp-adp", (clash + "ann", clash + "bob")),
        ("prp-irp", (clash + "bob",)),
        ("prp-asyp", (clash + "cy", clash + "di")),
        ("prp-asyp", (clash + "bob", clash + "bob")),  # a reflexive link is asymmetric's too
        ("prp-npa1", (clash + "ed", clash + "ann")),
        ("prp-npa2", (clash + "fay",)),
        ("cls-maxc1", (clash + "gus", clash + "ann")),
        ("cls-maxqc1", (clash + "hal", clash + "steak")),
        ("cls-maxqc2", (clash + "ivy", clash + "apple")),
        ("prp-fp-dt-diff", (clash + "jo",)),
        ("eq-diff1", (clash + "kim", clash + "lee")),
        ("eq-diff2", (clash + "mo", clash + "ned")),
        ("eq-diff3", (clash + "oz", clash + "pat")),
    }
    clashes = find_clashes(store)
    assert clash_keys(clashes) == expected
    assert {c.rule for c in clashes} == {r.name for r in clash_rules()} - {"cax-adc"}
    assert all(c.axiom and c.message and "{" not in c.describe() for c in clashes)


@pytest.mark.parametrize(("tbox_files", "data_files"), DATASETS)
def test_consistent_data_has_no_clashes(tbox_files: tuple[Path, ...], data_files: tuple[Path, ...]) -> None:
    store = store_of(tbox_files, data_files)
    materialise(store)
    assert find_clashes(store) == []
