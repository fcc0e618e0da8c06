"""The compiled SHACL shapes (kg.validation.compiled) give the same results as pySHACL.

Differential tests: the founding case, a generated synthetic case with seeded damage, and
crafted bad data (tests/data/shapes/crafted-violations.trig) with a violation of each
constraint component the shapes use; each is validated by pySHACL (kg.validation.validate)
and by the compiled queries over an Oxigraph store of the same quads, and the results must be
the same (focus node, path, value, shape, constraint, severity). The compiler refuses what it
does not translate, and the shapes files use nothing else.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import DATA, make_store
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from kg import generate, validation
from kg.errors import Violation
from kg.sources import SourceSet, founding_case_files, load_sources
from kg.validation.compiled import STRUCTURE, SUPPORTED, Unsupported, compile_shapes, run, run_in_processes
from ontology import shape_files

CRAFTED = DATA / "shapes" / "crafted-violations.trig"
Key = tuple[str, str | None, str | None, str | None, str | None, str]

SUPPORTED_COMPONENTS = {
    "And", "Class", "Datatype", "Equals", "HasValue", "In", "LanguageIn", "MaxCount", "MaxExclusive",
    "MaxInclusive", "MinCount", "MinExclusive", "MinInclusive", "Node", "NodeKind", "Not", "Or",
    "Pattern", "QualifiedMinCount", "SPARQL", "UniqueLang", "Xone",
}  # fmt: skip


def _key(v: Violation) -> Key:
    """A result as both report it (blank nodes: their labels differ between the two)."""

    def blank(text: str | None) -> str | None:
        return "_:" if text is not None and text.startswith("_:") else text

    return (blank(v.focus_node) or "", v.path, blank(v.value), v.source_shape, v.constraint, v.severity)


def _both(sources: SourceSet) -> tuple[set[Key], set[Key]]:
    """The results of pySHACL and of the compiled queries on the same data (SHACL results only:
    the claim-graph check of kg.validation is not a shape). The compiled checks run in both
    their forms, node by node and set-wise, which must agree."""
    checked = validation.validate(sources.dataset, ontology=sources.ontology)
    expected = {_key(v) for v in checked.violations if v.source_shape or v.constraint}
    store = make_store(sources, materialise=False)
    checks = compile_shapes(validation.load_shapes())
    found, _ = run(store, checks, limit=100_000)  # these small data: node by node
    set_wise, _ = run(store, checks, limit=100_000, per_node_max=0)
    assert {_key(v) for v in set_wise} == {_key(v) for v in found}
    return expected, {_key(v) for v in found}


def _component(key: Key) -> str:
    return (key[4] or "").rsplit("#", 1)[-1].removesuffix("ConstraintComponent")


def test_the_supported_components_and_the_shapes_use_no_other() -> None:
    assert {str(c).rsplit("#", 1)[-1].removesuffix("ConstraintComponent") for c in SUPPORTED} == (
        SUPPORTED_COMPONENTS
    )
    shapes = validation.load_shapes()
    used = {p for _, p, _ in shapes if str(p).startswith(str(SH))}
    parameters = {SH[n[0].lower() + n[1:]] for n in SUPPORTED_COMPONENTS if n != "SPARQL"}
    assert used <= STRUCTURE | parameters, sorted(used - STRUCTURE - parameters)
    checks = compile_shapes(shapes)
    assert {c.component for c in checks} <= {str(c) for c in SUPPORTED}
    assert len(checks) > 100 and all(c.query.count("?this") >= 2 for c in checks)
    assert len(shape_files()) == len({p for p in Path(shape_files()[0]).parent.glob("*.ttl")})


@pytest.mark.parametrize(
    ("turtle", "refused"),
    [
        ("ex:S sh:targetClass ex:C ; sh:closed true .", "shacl#closed"),
        ("ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:lessThan ex:q ] .", "lessThan"),
        (
            "ex:S sh:targetClass ex:C ; sh:sparql [ sh:select 'SELECT $this WHERE { $this $PATH ?v }' ] .",
            "pre-bound",
        ),
        (
            "ex:S sh:targetClass ex:C ; sh:sparql [ sh:select "
            "'SELECT $this WHERE { { SELECT ?x WHERE { ?x ?p ?o } } $this ?q ?x }' ] .",
            "subquery",
        ),
        ("ex:S sh:targetClass ex:C ; sh:sparql [ sh:select 'SELECT ?v WHERE { $this ?p ?v }' ] .", "project"),
        (
            "ex:S sh:targetClass ex:C ; "
            "sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ] .",
            "qualified",
        ),
        ("ex:S sh:targetClass ex:C ; sh:nodeKind ex:Other .", "nodeKind"),
    ],
)
def test_what_the_compiler_does_not_translate_is_refused(turtle: str, refused: str) -> None:
    prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .\n"
    with pytest.raises(Unsupported, match=refused):
        compile_shapes(Graph().parse(data=prefixes + turtle, format="turtle"))


def test_the_founding_case_conforms_for_both(biomed_sources: SourceSet) -> None:
    expected, found = _both(biomed_sources)
    assert expected == found == set()


def test_crafted_bad_data_gives_the_same_results_for_each_component() -> None:
    expected, found = _both(load_sources([*founding_case_files(), CRAFTED]))
    assert expected == found
    compiled = {
        str(c.component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        for c in compile_shapes(validation.load_shapes())
    }
    reported = {_component(k) if k[4] and "ConstraintComponent" in k[4] else "SPARQL" for k in expected}
    assert reported == compiled, compiled - reported  # every component at the top level is reported
    assert any(k[0] == "https://w3id.org/clusterkg/id/test/i1" and _component(k) == "And" for k in found)
    sparql = {c.constraint for c in compile_shapes(validation.load_shapes()) if c.constraint}
    assert len(sparql) == 13
    assert {k[4] for k in found} >= sparql, sparql - {k[4] for k in found}  # each SPARQL constraint


def _damaged(sources: SourceSet, seed: int, share: int) -> SourceSet:
    """Some quads removed, changed (wrong kinds of value) or repeated, at random."""
    rng = random.Random(seed)
    dataset = sources.dataset
    quads = sorted(dataset.quads((None, None, None, None)), key=str)
    iris = sorted({q[2] for q in quads if isinstance(q[2], URIRef)})
    swaps: Sequence[Literal | URIRef | BNode] = (
        Literal("x"),
        Literal("-5", datatype=XSD.integer),
        Literal("150.5", datatype=XSD.decimal),
        Literal("x", datatype=XSD.gYear),
        Literal("word", lang="de"),
        Literal(" "),
        URIRef("http://e/x"),
        BNode(),
    )
    for s, p, o, g in rng.sample(quads, len(quads) // share):
        dataset.remove((s, p, o, g))
        roll = rng.random()
        if roll < 0.3:
            continue
        changed = rng.choice([*swaps, rng.choice(iris)])
        dataset.graph(g).add((s, p, changed))
        if roll > 0.85:
            dataset.graph(g).add((s, p, o))
    return sources


@pytest.mark.parametrize("seed", [1, 2])
def test_the_damaged_founding_case_gives_the_same_results(seed: int) -> None:
    expected, found = _both(_damaged(load_sources(founding_case_files()), seed, 8))
    assert len(expected) > 30
    assert expected == found


def test_a_generated_case_gives_the_same_results(tmp_path: Path) -> None:
    data = tmp_path / "synthetic.trig"
    generate.generate_file(data, 900, seed=5)
    sources = load_sources([*founding_case_files(), data])
    expected, found = _both(sources)
    assert expected == found == set()
    expected, found = _both(_damaged(sources, 3, 10))
    assert any("synthetic" in k[0] for k in expected)
    assert expected == found


def test_run_reads_the_union_of_named_graphs_and_limits_each_check() -> None:
    shapes = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .\n"
        "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
        format="turtle",
    )
    store = ox.Store()
    kind = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for i in range(5):
        store.add(
            ox.Quad(
                ox.NamedNode(f"http://e/n{i}"),
                kind,
                ox.NamedNode("http://e/C"),
                ox.NamedNode(f"http://e/g{i}"),
            )
        )
    store.add(
        ox.Quad(
            ox.NamedNode("http://e/n0"),
            ox.NamedNode("http://e/p"),
            ox.Literal("v"),
            ox.NamedNode("http://e/other"),
        )
    )
    found, seconds = run(store, compile_shapes(shapes), limit=3)
    assert len(found) == 3  # of the 4 violations (n0's value is in another graph of the union)
    assert {v.focus_node for v in found} <= {f"http://e/n{i}" for i in range(1, 5)}
    assert len(seconds) == 1


def test_run_in_processes_gives_the_results_of_run_and_sees_a_removed_graph_gone(tmp_path: Path) -> None:
    """The bulk path's way: the checks in worker processes over a store on disk, opened
    read-only while the writer still has it open, after a graph was removed and flushed."""
    sources = _damaged(load_sources(founding_case_files()), 4, 8)
    memory = make_store(sources, materialise=False)
    checks = compile_shapes(validation.load_shapes())
    expected, _ = run(memory, checks, limit=100_000)
    disk = ox.Store(str(tmp_path / "store"))
    disk.extend(memory)
    gone = ox.NamedNode("http://e/removed")
    kind, statistic = (
        ox.NamedNode(str(RDF.type)),
        ox.NamedNode("https://w3id.org/clusterkg/ontology#Statistic"),
    )
    disk.add(ox.Quad(ox.NamedNode("http://e/x"), kind, statistic, gone))  # a statistic of nothing
    assert run(disk, checks, limit=100_000)[0] != expected
    disk.remove_graph(gone)
    disk.flush()
    found, seconds = run_in_processes(
        str(tmp_path / "store"), checks, processes=2, limit=100_000, per_node_max=0
    )  # set-wise there, node by node in `expected`
    assert len(expected) > 30
    assert found == expected
    assert set(seconds) == set(run(memory, checks)[1])
