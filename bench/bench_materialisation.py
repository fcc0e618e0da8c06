"""Benchmark: OWL 2 RL materialisation with kg.reasoning.rl vs owlrl on the same data.

Generates synthetic cluster data of growing size (deterministic, fixed seed, every node in
the synthetic namespace with ``ckg:synthetic true``), materialises it with
:func:`kg.reasoning.rl.materialise` on an Oxigraph store and with owlrl 7.6 on an rdflib
Graph, and prints one row per size: requested size, data triples, triples inferred, our
seconds, owlrl's seconds, the ratio owlrl/ours, and whether the two agree on the ABox
entailments (the instance-level subset that tests/test_reasoning_rl.py compares).

    python bench/bench_materialisation.py                  # sizes 1k 10k 50k 100k
    python bench/bench_materialisation.py --sizes 1000000  # ours only at 1M
    python bench/bench_materialisation.py --owlrl-max 100000 --disk

owlrl runs only up to ``--owlrl-max`` triples (default 50k: on this machine it took 80 s at
50k and 379 s at 100k); larger sizes print "skipped" in its columns. See bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterable, Iterator

import owlrl
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.reasoning.rl import materialise
from ontology import ONTOLOGY_FILE

Triple = tuple[Node, Node, Node]

SEED = 20180501
DEFAULT_SIZES = [1_000, 10_000, 50_000, 100_000]
OWLRL_MAX = 50_000

CKG = "https://w3id.org/clusterkg/ontology#"
SYN = "https://w3id.org/clusterkg/synthetic/"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_BROADER = ox.NamedNode("http://www.w3.org/2004/02/skos/core#broader")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
TRUE = ox.Literal("true", datatype=ox.NamedNode(XSD_NS + "boolean"))

ROLES = [
    "supplierRole",
    "rawMaterialSupplierRole",
    "materialSupplierRole",
    "componentSupplierRole",
    "productManufacturerRole",
    "productionServiceProviderRole",
    "serviceProviderRole",
    "researchOrganisationRole",
    "educationOrganisationRole",
    "developmentInstitutionRole",
]
IP_TYPES = ["Patent", "UtilityModel", "IndustrialDesign", "SoftwareRegistration", "KnowHow"]
META_CLASSES: set[Node] = {
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
}
HOUSEKEEPING_TYPES = {OWL.Thing, OWL.NamedIndividual, RDFS.Resource}
BUILTIN_NAMESPACES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
STAGE_TYPES = ["rawMaterialStage", "materialStage", "componentStage", "finalAssemblyStage"]


def ckg(local: str) -> ox.NamedNode:
    """A term of the clusterkg ontology."""
    return ox.NamedNode(CKG + local)


def org(local: str) -> ox.NamedNode:
    """A term of the W3C Organization ontology."""
    return ox.NamedNode(ORG + local)


class _Writer:
    """Collects the quads of one synthetic cluster graph; every new node is marked synthetic."""

    def __init__(self, graph: ox.NamedNode) -> None:
        self.graph = graph
        self.quads: list[ox.Quad] = []

    def node(self, kind: str, slug: str, cls: ox.NamedNode) -> ox.NamedNode:
        """A new synthetic node of a class, labelled and marked ``ckg:synthetic true``."""
        n = ox.NamedNode(f"{SYN}id/{kind}/{slug}")
        self.add(n, RDF_TYPE, cls)
        self.add(n, RDFS_LABEL, ox.Literal(f"synthetic {kind} {slug}", language="en"))
        self.add(n, ckg("synthetic"), TRUE)
        return n

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        """One triple in this writer's graph."""
        self.quads.append(ox.Quad(s, p, o, self.graph))


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD_NS + "integer"))


def _cluster(i: int, rng: random.Random, shared: dict[str, list[ox.NamedNode]]) -> list[ox.Quad]:
    """The quads of one synthetic cluster: members, projects, platforms, IP rights, licences."""
    w = _Writer(ox.NamedNode(f"{SYN}graph/cluster-{i}"))
    c = w.node("cluster", f"c{i}", ckg("Cluster"))
    w.add(c, ckg("region"), rng.choice(shared["regions"]))
    if i > 0 and rng.random() < 0.7:
        w.add(c, ckg("interClusterInteraction"), ox.NamedNode(f"{SYN}id/cluster/c{rng.randrange(i)}"))
    members: list[ox.NamedNode] = []
    n_members = rng.randint(6, 14)
    for m in range(n_members):
        e = w.node("organization", f"c{i}-e{m}", ckg("Enterprise"))
        members.append(e)
        roles = ["anchorFinisherRole"] if m == 0 else rng.sample(ROLES, rng.choice([1, 1, 2]))
        for k, role in enumerate(roles):
            mb = w.node("membership", f"c{i}-e{m}-{k}", ckg("ClusterMembership"))
            if rng.random() < 0.8:
                w.add(mb, org("member"), e)
            else:
                w.add(e, org("hasMembership"), mb)
            w.add(mb, ckg("cluster"), c)
            w.add(mb, ckg("clusterRole"), ckg(role))
    for p in range(rng.randint(1, 3)):
        pj = w.node("project", f"c{i}-p{p}", ckg("CooperationProject"))
        w.add(pj, ckg("projectOfCluster"), c)
        w.add(pj, ckg("initiatedBy"), members[0])
        for e in rng.sample(members[1:], rng.randint(2, min(5, len(members) - 1))):
            if rng.random() < 0.5:
                w.add(pj, ckg("hasParticipant"), e)
            else:
                w.add(e, ckg("participatesIn"), pj)
        w.add(pj, ckg("throughTechnology"), rng.choice(shared["technologies"]))
        pl = w.node("platform", f"c{i}-p{p}", ckg("TechnologyPlatform"))
        if rng.random() < 0.5:
            w.add(pj, ckg("formsPlatform"), pl)
        else:
            w.add(pl, ckg("platformOf"), pj)
        stages = [w.node("stage", f"c{i}-p{p}-s{s}", ckg("ProductionStage")) for s in range(4)]
        for s, st in enumerate(stages):
            w.add(st, ckg("stageOf"), pl)
            w.add(st, ckg("stageOrder"), _integer(s + 1))
            w.add(st, ckg("stageType"), ckg(STAGE_TYPES[s]))
            if s + 1 < len(stages):
                w.add(st, ckg("nextStage"), stages[s + 1])
            w.add(rng.choice(members), ckg("actsAtStage"), st)
        for r in range(rng.randint(1, 3)):
            ip = w.node("ip-right", f"c{i}-p{p}-r{r}", ckg(rng.choice(IP_TYPES)))
            w.add(ip, ckg("originProject"), pj)
            for h, holder in enumerate(rng.sample(members, rng.randint(1, 2))):
                hd = w.node("holding", f"c{i}-p{p}-r{r}-h{h}", ckg("IPHolding"))
                if rng.random() < 0.5:
                    w.add(ip, ckg("hasHolding"), hd)
                else:
                    w.add(hd, ckg("holdingOf"), ip)
                w.add(hd, ckg("holder"), holder)
            if rng.random() < 0.4:
                lic = w.node("licence", f"c{i}-p{p}-r{r}", ckg("Licence"))
                w.add(lic, ckg("licensor"), members[0])
                w.add(lic, ckg("licensee"), rng.choice(members))
                w.add(lic, ckg("licensedRight"), ip)
    st = w.node("statistic", f"c{i}-participants", ckg("Statistic"))
    w.add(st, ckg("statisticAbout"), c)
    w.add(st, ckg("indicator"), ckg("participantCount"))
    w.add(st, ckg("value"), _integer(n_members))
    return w.quads


def generate(size: int, seed: int = SEED) -> list[ox.Quad]:
    """Deterministic synthetic cluster data of about ``size`` triples (never fewer)."""
    rng = random.Random(seed)
    shared_graph = ox.NamedNode(f"{SYN}graph/shared")
    w = _Writer(shared_graph)
    regions = [w.node("region", f"r{r}", ckg("Region")) for r in range(8)]
    roots = [w.node("technology", f"t{t}", ckg("Technology")) for t in range(4)]
    technologies: list[ox.NamedNode] = []
    for t in range(12):
        cls = ckg("ThroughTechnology") if t % 3 else ckg("ThroughInnovation")
        tech = w.node("technology", f"tt{t}", cls)
        w.add(tech, SKOS_BROADER, roots[t % len(roots)])
        technologies.append(tech)
    quads = list(w.quads)
    shared = {"regions": regions, "technologies": technologies}
    i = 0
    while len(quads) < size:
        quads.extend(_cluster(i, rng, shared))
        i += 1
    return quads


def ontology_quads() -> Iterator[ox.Quad]:
    """The ontology, parsed into its named graph."""
    graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    for q in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE):
        yield ox.Quad(q.subject, q.predicate, q.object, graph)


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """A pyoxigraph term as an rdflib term (blank nodes keep their labels)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Triple):
        raise TypeError("the benchmark data have no triple terms")
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def instance_level(triples: Iterable[Triple], terms: set[Node]) -> set[Triple]:
    """The entailments about individuals named by IRIs, as tests/test_reasoning_rl.py keeps them.

    No ontology terms, no owl:sameAs self-links, no housekeeping or anonymous types.
    """
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


def run_ours(quads: list[ox.Quad], disk: bool = False) -> tuple[float, set[Triple]]:
    """Materialise with kg.reasoning.rl: the seconds and the inferred triples.

    On an in-memory store, or with ``disk`` on an on-disk (RocksDB) store in a temporary
    directory, materialised with ``in_memory=True`` as the build does it.
    """
    with tempfile.TemporaryDirectory(prefix="bench-store-") as directory:
        store = ox.Store(directory) if disk else ox.Store()
        store.extend(ontology_quads())
        store.extend(quads)
        start = time.perf_counter()
        materialise(store, in_memory=disk)
        seconds = time.perf_counter() - start
        inferred = ox.NamedNode(str(INFERRED_GRAPH))
        triples = {
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            for q in store.quads_for_pattern(None, None, None, inferred)
        }
        del store
    return seconds, triples


def run_owlrl(quads: list[ox.Quad]) -> tuple[float, set[Triple]]:
    """owlrl's OWL 2 RL closure of the ontology plus the data: the seconds and what it adds."""
    graph = Graph()
    for q in ontology_quads():
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    for q in quads:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    asserted = set(graph)
    start = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return time.perf_counter() - start, set(graph) - asserted


def ontology_terms() -> set[Node]:
    """The classes and properties the ontology declares."""
    return {
        to_rdflib(q.subject)
        for q in ontology_quads()
        if q.predicate == RDF_TYPE and to_rdflib(q.object) in META_CLASSES
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=DEFAULT_SIZES, metavar="N", help="data sizes in triples"
    )
    parser.add_argument(
        "--owlrl-max", type=int, default=OWLRL_MAX, metavar="N", help="largest size owlrl runs on"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the data generator")
    parser.add_argument("--disk", action="store_true", help="time ours on an on-disk store (in_memory=True)")
    args = parser.parse_args(argv)
    terms = ontology_terms()
    header = f"{'size':>9} {'triples':>9} {'inferred':>9} {'ours (s)':>9} {'owlrl (s)':>10}"
    print(f"{header} {'owlrl/ours':>10}  ABox entailments")
    for size in args.sizes:
        quads = generate(size, args.seed)
        ours_s, ours = run_ours(quads, args.disk)
        row = f"{size:>9} {len(quads):>9} {len(ours):>9} {ours_s:>9.2f}"
        if size > args.owlrl_max:
            print(f"{row} {'skipped':>10} {'skipped':>10}  skipped", flush=True)
            continue
        owlrl_s, reference = run_owlrl(quads)
        mine, theirs = instance_level(ours, terms), instance_level(reference, terms)
        if mine == theirs:
            agree = f"agree ({len(mine)})"
        else:
            agree = f"DIFFER: {len(theirs - mine)} missing, {len(mine - theirs)} extra"
        print(f"{row} {owlrl_s:>10.2f} {owlrl_s / ours_s:>10.1f}  {agree}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
