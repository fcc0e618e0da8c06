"""The synthetic data generator: deterministic bytes, SHACL-conformant, synthetic only, to scale."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import generate, validation
from kg.build import run_checks
from kg.cli import main
from kg.errors import KgError
from kg.sources import load_sources
from tests.conftest import make_store

ROOT = Path(__file__).resolve().parent.parent
SMALL = 4_000
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SYNTHETIC = ox.NamedNode("https://w3id.org/clusterkg/ontology#synthetic")
TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


@pytest.fixture(scope="module")
def small_trig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated TriG file, written through the CLI."""
    path = tmp_path_factory.mktemp("generated") / "synthetic.trig"
    assert main(["generate", "--scale", str(SMALL), "--out", str(path)]) == 0
    return path


def test_same_seed_gives_identical_bytes(small_trig: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.trig"
    # Another process with another hash seed: nothing may depend on set or dict hashing.
    subprocess.run(
        [sys.executable, "-m", "kg.cli", "generate", "--scale", str(SMALL), "--out", str(again)],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
    )
    assert again.read_bytes() == small_trig.read_bytes()


def test_n_quads_identical_and_equal_to_trig(small_trig: Path) -> None:
    first, second = io.BytesIO(), io.BytesIO()
    generate.write(generate.units(SMALL), first, "nquads")
    generate.write(generate.units(SMALL), second, "nquads")
    assert first.getvalue() == second.getvalue()
    from_nq = set(ox.parse(first.getvalue(), format=ox.RdfFormat.N_QUADS))
    from_trig = set(ox.parse(path=small_trig, format=ox.RdfFormat.TRIG))
    assert from_nq == from_trig


def test_another_seed_gives_other_data() -> None:
    one, two = io.BytesIO(), io.BytesIO()
    generate.write(generate.units(SMALL, seed=1), one, "nquads")
    generate.write(generate.units(SMALL, seed=2), two, "nquads")
    assert one.getvalue() != two.getvalue()


def test_conforms_to_the_shapes_and_passes_the_checks(small_trig: Path) -> None:
    sources = load_sources([small_trig])
    report = validation.validate(sources.dataset, ontology=sources.ontology)
    assert report.conforms, report.to_text()
    assert report.count("Violation") == 0
    assert report.count("Warning") == 0
    assert run_checks(make_store(sources, materialise=False)) == {}


def test_every_node_and_graph_is_synthetic(small_trig: Path) -> None:
    quads = list(ox.parse(path=small_trig, format=ox.RdfFormat.TRIG))
    flagged = {q.subject for q in quads if q.predicate == SYNTHETIC and q.object == TRUE}
    subjects = {q.subject for q in quads}
    for subject in subjects:
        assert isinstance(subject, ox.NamedNode), subject
        assert subject.value.startswith(generate.SYN_ID), subject
    assert subjects == flagged, "every node says ckg:synthetic true"
    objects = {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
    assert {o for o in objects if o.value.startswith(generate.SYN)} <= subjects, "no dangling synthetic IRIs"
    assert not any(isinstance(q.object, ox.BlankNode) for q in quads)
    graphs = {q.graph_name for q in quads}
    assert all(isinstance(g, ox.NamedNode) and g.value.startswith(generate.SYN_GRAPH) for g in graphs)
    assert len(graphs) > 2


@pytest.mark.parametrize("scale", [2_000, 10_000, 50_000])
def test_triple_count_is_near_the_scale(scale: int) -> None:
    out = io.BytesIO()
    written = generate.write(generate.units(scale), out, "nquads")
    distinct = len(set(ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS)))
    assert distinct == written.triples, "no quad is written twice"
    assert abs(written.triples - scale) <= scale * 0.10


def test_one_graph_as_turtle() -> None:
    graph = generate.SYN_GRAPH + "upload"
    out = io.BytesIO()
    written = generate.write(generate.units(3_000, tag="u-", graph=graph), out, "turtle")
    parsed = list(ox.parse(out.getvalue(), format=ox.RdfFormat.TURTLE))
    assert written.graphs == 1
    assert len(parsed) == written.triples
    assert all("/u-" in str(t.subject) for t in parsed)


def test_refuses_what_it_cannot_make(tmp_path: Path) -> None:
    with pytest.raises(KgError):
        next(generate.units(0))
    with pytest.raises(KgError):
        next(generate.units(1_000, graph="https://example.org/graph"))
    with pytest.raises(KgError):
        generate.generate_file(tmp_path / "x.ttl", 1_000)
    with pytest.raises(KgError):
        generate.write(generate.units(3_000), io.BytesIO(), "turtle")
