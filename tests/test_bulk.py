"""The bulk path (`clusterkg load`): a few thousand generated triples through the same code as 10M.

Over a real store built by ``clusterkg build`` (the ``fresh_store`` fixture): the streamed
inferences equal a whole materialisation, every triple is validated by the compiled SHACL shapes
(a violation anywhere in the file, or one across graphs, is refused with its file, line, focus
node, path and shape), and a refused file leaves the store exactly as it was.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pyoxigraph as ox
import pytest

import ontology
from kg import bulk, bulk_read, generate
from kg.cli import main
from kg.engine.local_store import select_rows
from kg.errors import SourceError
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.progress import SilentReporter
from kg.reasoning import rl
from kg.versions.log import VERSIONS_GRAPH

SCALE = 3_000


def _generated(path: Path, scale: int = SCALE) -> Path:
    generate.generate_file(path, scale, seed=11)
    return path


def _snapshot(store: Path) -> set[ox.Quad]:
    opened = ox.Store.read_only(str(store))
    try:
        return set(opened.quads_for_pattern(None, None, None, None))
    finally:
        del opened


def test_load_adds_the_graphs_and_the_same_inferences_as_a_whole_materialisation(
    fresh_store: Path, tmp_path: Path
) -> None:
    data = _generated(tmp_path / "synthetic.nq", 6_000)
    before = _snapshot(fresh_store)
    # a graph or two per chunk, so that the stream has several; SHACL on the shared graph
    result = bulk.load(fresh_store, [data], chunk=500, shacl_sample=500)
    assert result.chunks >= 3
    assert 0 < result.shacl_triples < result.triples
    after = _snapshot(fresh_store)
    inferred = ox.NamedNode(INFERRED_GRAPH)
    # the compiled shapes validated every quad of the store but the inferred ones
    # (the load's own version record is written after the validation)
    recorded = sum(1 for q in after - before if q.graph_name == VERSIONS_GRAPH)
    assert result.shacl_checked_quads == sum(1 for q in after if q.graph_name != inferred) - recorded
    assert result.shacl_checks > 100
    parsed = ox.Store()  # as the store keeps them (decimals in canonical form)
    parsed.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    written = set(parsed.quads_for_pattern(None, None, None, None))
    assert before | written <= after
    # what a materialisation of the whole store (old graphs and new) infers
    whole = ox.Store()
    inferred = ox.NamedNode(INFERRED_GRAPH)
    logged = {q for q in after - before if q.graph_name == VERSIONS_GRAPH}  # the load's version
    assert {q.object.value for q in logged if q.predicate.value.endswith("#writeRoute")} == {"load"}
    whole.extend(q for q in after if q.graph_name not in (inferred, VERSIONS_GRAPH))
    rl.materialise(whole)
    expected = set(whole.quads_for_pattern(None, None, None, inferred))
    got = {q for q in after if q.graph_name == inferred}
    assert expected <= got  # nothing missed
    # The only extras: triples stated in a graph of another chunk (a cluster's type, inferred
    # where a later cluster points at it), which a whole materialisation does not repeat.
    stated = {(q.subject, q.predicate, q.object) for q in after if q.graph_name != inferred}
    extras = got - expected
    assert all((q.subject, q.predicate, q.object) in stated for q in extras), extras
    assert after == before | written | got | logged


def test_a_violation_is_refused_with_file_line_and_focus_node(fresh_store: Path, tmp_path: Path) -> None:
    good = _generated(tmp_path / "good.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    # drop the synthetic flag of the first cluster: the shapes want it on every synthetic node
    cluster = "<https://w3id.org/clusterkg/synthetic/id/cluster/c0>"
    flag = next(
        i
        for i, line in enumerate(good)
        if line.startswith(f"{cluster} <https://w3id.org/clusterkg/ontology#synthetic>")
    )
    first = next(i for i, line in enumerate(good) if line.startswith(cluster))
    bad = tmp_path / "bad.nq"
    bad.write_text("".join(good[:flag] + good[flag + 1 :]), encoding="utf-8")
    before = _snapshot(fresh_store)
    with pytest.raises(SourceError) as refused:
        bulk.load(fresh_store, [bad], shacl_sample=600)  # the shared graph, then the first cluster's
    assert str(refused.value).startswith(f"{bad}:{first + 1}: ")
    assert cluster in str(refused.value)
    assert _snapshot(fresh_store) == before
    assert not list(fresh_store.parent.glob(f".{fresh_store.name}.loading-*"))


def test_syntax_error_names_the_line_and_leaves_the_store(fresh_store: Path, tmp_path: Path) -> None:
    lines = _generated(tmp_path / "good.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[41] = lines[41].replace("> <", "> <not an iri", 1)
    bad = tmp_path / "broken.nq"
    bad.write_text("".join(lines), encoding="utf-8")
    before = _snapshot(fresh_store)
    with pytest.raises(SourceError) as refused:
        bulk.load(fresh_store, [bad], shacl_sample=0)
    assert refused.value.line == 42
    assert str(refused.value).startswith(f"{bad}:42: ")
    assert _snapshot(fresh_store) == before


def test_a_graph_already_in_the_store_is_refused(fresh_store: Path, tmp_path: Path) -> None:
    data = _generated(tmp_path / "synthetic.nq")
    bulk.load(fresh_store, [data], shacl_sample=0)
    before = _snapshot(fresh_store)
    with pytest.raises(SourceError, match="already in the store") as refused:
        bulk.load(fresh_store, [data], shacl_sample=0)
    assert refused.value.line == 1
    assert _snapshot(fresh_store) == before


def test_cli_load(fresh_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _generated(tmp_path / "synthetic.trig")
    assert main(["load", str(data), "--store", str(fresh_store), "--shacl-sample", "0"]) == 0
    assert "Loaded" in capsys.readouterr().out
    assert main(["load", str(data), "--store", str(fresh_store)]) == 1  # the graphs are there now
    assert "already in the store" in capsys.readouterr().err
    wrong = tmp_path / "data.ttl"
    wrong.write_bytes(io.BytesIO(b"").getvalue())
    assert main(["load", str(wrong), "--store", str(fresh_store)]) == 1


class _Recorder(SilentReporter):
    """Keeps the steps and notes a load reports."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def step(self, title: str):  # type: ignore[no-untyped-def]
        self.lines.append(title)
        return super().step(title)

    def note(self, message: str) -> None:
        self.lines.append(message)


def test_every_triple_is_validated_not_a_sample(fresh_store: Path, tmp_path: Path) -> None:
    """A violation in the last cluster of the file, with no pySHACL sample: refused by the
    compiled shapes over the loaded copy, naming the file, line, node, path and shape."""
    good = _generated(tmp_path / "good.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    flags = [i for i, line in enumerate(good) if "<https://w3id.org/clusterkg/ontology#synthetic>" in line]
    last = good[flags[-1]].split(" ", 1)[0]
    bad = tmp_path / "bad.nq"
    bad.write_text("".join(line for i, line in enumerate(good) if i != flags[-1]), encoding="utf-8")
    first = next(i for i, line in enumerate(good) if line.startswith(last))
    before = _snapshot(fresh_store)
    with pytest.raises(SourceError) as refused:
        bulk.load(fresh_store, [bad], shacl_sample=0, chunk=500)
    text = str(refused.value)
    assert text.startswith(f"{bad}:{first + 1}: 1 SHACL violation(s)"), text
    assert f"focus node {last}" in text
    assert "shapes#SyntheticNodeShape" in text and "Or" in text
    assert _snapshot(fresh_store) == before
    assert not list(fresh_store.parent.glob(f".{fresh_store.name}.loading-*"))


def test_a_violation_across_graphs_is_found(fresh_store: Path, tmp_path: Path) -> None:
    """A membership in one graph of the file whose cluster is typed nowhere: only a validation
    of the whole store sees that; a membership whose cluster is typed in the store passes."""
    membership = "<https://w3id.org/clusterkg/id/membership/test-m>"
    ckg = "https://w3id.org/clusterkg/ontology#"
    data = tmp_path / "cross.nq"
    quads = [
        f"{membership} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{ckg}ClusterMembership>",
        f"{membership} <http://www.w3.org/ns/org#member> <https://w3id.org/clusterkg/id/org/medinzh>",
        f"{membership} <{ckg}cluster> <https://w3id.org/clusterkg/id/cluster/nowhere>",
        f"{membership} <{ckg}clusterRole> <{ckg}productManufacturerRole>",
    ]
    data.write_text("".join(f"{q} <https://w3id.org/clusterkg/graph/test-a> .\n" for q in quads), "utf-8")
    before = _snapshot(fresh_store)
    recorder = _Recorder()
    with pytest.raises(SourceError) as refused:
        bulk.load(fresh_store, [data], shacl_sample=0, progress=recorder)
    text = str(refused.value)
    assert f"focus node {membership[1:-1]}" in text or f"focus node <{membership[1:-1]}>" in text, text
    assert f"path {ckg}cluster" in text and "ClusterMembershipShape-cluster" in text
    assert any(line.startswith("Validating every triple") for line in recorder.lines)
    assert _snapshot(fresh_store) == before


def test_the_chunks_run_the_undefined_term_check_where_it_finds_something() -> None:
    """bulk.undefined_term_found says whether ontology/checks/undefined-term-violation.rq has a
    row, on data with undefined and declared terms in each position, in the default graph (not
    read), in literals and blank nodes (not IRIs), after OWL 2 RL; a chunk's QC checks then give
    the query's rows."""
    ckg = "https://w3id.org/clusterkg/ontology#"
    g, h, x = ox.NamedNode("http://e/g"), ox.NamedNode("http://e/h"), ox.NamedNode("http://e/x")
    kind = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    fine = [
        ox.Quad(x, ox.NamedNode("http://e/p"), ox.Literal(ckg + "notATerm"), g),  # a literal
        ox.Quad(ox.BlankNode(), ox.NamedNode(ckg + "stageOrder"), ox.Literal("1"), g),  # declared
        ox.Quad(x, ox.NamedNode(ckg + "inTheDefaultGraph"), x, ox.DefaultGraph()),
        ox.Quad(x, kind, ox.NamedNode(ckg + "Cluster"), h),
    ]
    bad = [
        ox.Quad(x, ox.NamedNode(ckg + "stageOrdr"), ox.Literal("1"), g),  # predicate
        ox.Quad(x, kind, ox.NamedNode(ckg + "Clustr"), g),  # object
        ox.Quad(ox.NamedNode(ckg + "thing"), kind, ox.NamedNode(ckg + "Cluster"), h),  # subject
    ]
    query = (ontology.CHECKS_DIR / bulk.UNDEFINED_TERM).read_text(encoding="utf-8")
    for quads in [fine, *([*fine, one] for one in bad), [*fine, *bad]]:
        store = ox.Store()
        store.load(
            path=str(ontology.ONTOLOGY_FILE),
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(ONTOLOGY_GRAPH),
        )
        store.extend(quads)
        rl.materialise(store)
        rows = [{k: v.value for k, v in row.items()} for row in select_rows(store, query, union=False)]
        assert bulk.undefined_term_found(store) == bool(rows)
        assert bulk._quality_checks(store).get(bulk.UNDEFINED_TERM, []) == rows
    assert len(rows) >= 3


def _reference_parts(data: bytes, size: int, block: int) -> list[tuple[bytes, list[bytes], int, int]]:
    """The parts as the reader made them before its per-line shortcut: every line's graph by the
    regular expression, over the whole of each block."""
    reader, buffer, bounds, quads, first = io.BytesIO(data), bytearray(), [], 0, 1
    parts: list[tuple[bytes, list[bytes], int, int]] = []
    while chunk := reader.read(block):
        if not chunk.endswith(b"\n"):
            chunk += reader.readline()
        base, current = len(buffer), bounds[-1][0] if bounds else None
        buffer += chunk
        for match in bulk_read._GRAPH_AT_END.finditer(chunk):
            if match.group(1) != current:
                start = chunk.rfind(b"\n", 0, match.start()) + 1
                bounds.append((match.group(1), base + start, quads))
                current = match.group(1)
            quads += 1
        while (k := next((i for i, b in enumerate(bounds) if i and b[2] >= size), None)) is not None:
            _, cut, before = bounds[k]
            head = bytes(buffer[:cut])
            parts.append((head, [n for n, _, _ in bounds[:k]], before, first))
            first += head.count(b"\n")
            del buffer[:cut]
            bounds = [(n, o - cut, s - before) for n, o, s in bounds[k:]]
            quads -= before
    if buffer.strip():
        parts.append((bytes(buffer), [n for n, _, _ in bounds], quads, first))
    return parts


def test_the_nquads_reader_cuts_where_the_graph_changes_whatever_the_lines() -> None:
    """Random files of odd lines (comments, blank lines, literals that end like a graph, odd
    spaces, CR, a statement without a graph) are cut as the whole-block expression cuts them."""
    rng = random.Random(7)
    kinds = [
        b"<s:> <p:> <o:> <g:%d> .", b'<s:> <p:> "x" <g:%d> .', b'<s:> <p:> "x <g:9> ." <g:%d> .',
        b"# c <g:%d> .", b"", b"<s:> <p:> <o:> <g:%d>  .  ", b"<s:> <p:> <o:> <g:%d> .\r",
        b"<s:> <p:> <o:> <g:%d>.", b"<s:> <p:> <o:> .", b"  ",
    ]  # fmt: skip
    for _ in range(500):
        lines, graph = [], 0
        for _ in range(rng.randint(0, 30)):
            graph += rng.choice([0, 0, 0, 1, -1])
            kind = rng.choice(kinds)
            lines.append(kind % abs(graph) if b"%d" in kind else kind)
        data = b"\n".join(lines) + (b"\n" if rng.random() < 0.8 else b"")
        size, block = rng.randint(1, 8), rng.randint(1, 50)
        found = [
            (p.data, p.names, p.triples, p.first_line)
            for p in bulk_read.nquads(Path("x.nq"), io.BytesIO(data), size, block)
        ]
        assert found == _reference_parts(data, size, block), data
