"""The bulk path for large data: ``clusterkg load FILE``, checked and reasoned in a stream.

A file of named graphs (N-Quads or TriG) is added to a built store in three passes, none of
which holds the whole file in memory:

1. **Stream.** The file is read in chunks of whole graphs (about :data:`CHUNK` triples each;
   a graph's quads must be together). Each chunk goes into an in-memory store that holds the
   *context*: the built store's graphs (the ontology, the founding case, the reference graphs;
   the inferred graph is left out) and the file's shared graphs (by default the synthetic
   ``graph/shared``, kept once read). On that store each chunk is checked and reasoned over:

   - (optionally) pySHACL on the first :data:`SHACL_SAMPLE` triples, with their subjects as
     focus nodes, in a process of its own: an independent second implementation of the shapes
     on real data, and the claim-graph check of :mod:`kg.validation` (every claim graph is
     declared a claim); the full validation is step 2's;
   - the provenance of every claim graph (:func:`kg.provenance.check`) and every QC query
     (``ontology/checks/*-violation.rq``: provenance, the synthetic flag and namespace,
     undefined terms, the Data Cube integrity constraints);
   - OWL 2 RL (:func:`kg.reasoning.rl.materialise`); the inferences that need the chunk are
     spooled to an N-Quads file beside the store.

   The inferences are complete when each graph is self-contained apart from the context (as
   each synthetic cluster graph is): a conclusion whose premises sit in two graphs of
   different chunks is not drawn. The inferred graph may repeat a triple that a graph of
   another chunk states (the build leaves those out). ``tests/test_bulk.py`` checks both on
   generated data against a materialisation of the whole store.
2. **Validate and commit.** A copy of the store (``Store.backup``: hard links, cheap) takes the
   files through Oxigraph's bulk loader while pass 1 runs (in a process of lower priority,
   started from a thread), its inferred graph set aside; then, from the same thread, **every
   triple** is validated: the SHACL shapes compiled
   into SPARQL (:mod:`kg.validation.compiled`, the same results as pySHACL, checked by
   ``tests/test_compiled_shapes.py``) run over the union of the copy's graphs, in two worker
   processes that open the copy read-only (Oxigraph holds the interpreter's lock while it
   evaluates a query: in a thread, the checks stalled pass 1), so a violation
   across graphs or chunks is found as in a validation of the whole store. A violation refuses
   the file (naming file, line, focus node, path and shape, as the API's 422 reports do); else
   the inferred graph and the spooled inferences are loaded into the copy.
3. **Swap.** The copy replaces the store as :func:`kg.build.build` does; a rejected file, a
   crash or an interrupt before this point leaves the store exactly as it was.

The store must not be open in another process (``clusterkg serve``): Oxigraph's lock refuses.

Size: the three passes and their thread and process share the load's state; split, each part
would need all of it passed in.
"""

from __future__ import annotations

import functools
import itertools
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.term import Node

import ontology
from kg import background, formats, provenance, validation
from kg.build import QualityCheckFailed, swap_in
from kg.bulk_read import Counting, Part, nquads, nquads_of, trig
from kg.engine.local_store import MANIFEST, select_rows
from kg.errors import KgError, SourceError, StoreError, Violation
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.progress import Progress, SilentReporter
from kg.reasoning import rl
from kg.sources import SOURCES_DIR
from kg.validation import compiled
from kg.versions.log import VERSIONS_GRAPH, record_offline

CHUNK = 50_000
"""About how many triples one chunk holds (whole graphs: a larger graph makes a larger chunk)."""
SHACL_SAMPLE = 8_000
"""How many triples of a file pySHACL cross-checks by default (the first chunks' graphs); every
triple is validated by the compiled shapes whatever this is."""
CONTEXT_MAX = 1_000_000
"""The most quads of the built store that are held in memory as context."""
SHARED_GRAPHS = ("https://w3id.org/clusterkg/synthetic/graph/shared",)
"""Graphs kept in the context once read: the synthetic case's shared vocabulary."""


@dataclass
class LoadResult:
    """What a bulk load added, what it checked, and how long each pass took."""

    store: Path
    files: list[str]
    triples: int = 0
    graphs: int = 0
    chunks: int = 0
    inferred_triples: int = 0
    shacl_triples: int = 0
    shacl_checked_quads: int = 0
    shacl_checks: int = 0
    shacl_warnings: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def load(
    store_dir: Path,
    files: Sequence[Path],
    *,
    chunk: int = CHUNK,
    shacl_sample: int | None = SHACL_SAMPLE,
    shared: Sequence[str] = SHARED_GRAPHS,
    progress: Progress | None = None,
    on_bytes: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Add the named graphs of ``files`` to the built store at ``store_dir``, checked and reasoned.

    :param chunk: about how many triples to check and reason over at a time.
    :param shacl_sample: how many triples pySHACL cross-checks (``None``: all of them, hours at
        10M); the compiled shapes validate every triple in any case.
    :param shared: graphs of the files kept in the context for the later chunks once read.
    :param on_bytes: called with the bytes read so far and the files' total size.
    :raises SourceError: naming the file, the line where known, the graph and the focus node,
        for bad input (syntax, a violation, a graph already in the store or split in the file).
    :raises KgError: (a subclass) when a QC check fails or the store cannot be read or
        written. In every case the store is left exactly as it was.
    """
    report = progress if progress is not None else SilentReporter()
    target = store_dir.resolve()
    result = LoadResult(target, [str(p) for p in files])
    fmts = [_format(p) for p in files]
    if not (target / MANIFEST).is_file():
        raise StoreError(f"no built store at {target}: run `clusterkg build` first")
    checks = compiled.compile_shapes(validation.load_shapes())  # a shape it cannot translate: refused now
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.loading-", dir=target.parent))
    pool: ThreadPoolExecutor | None = None
    stop = threading.Event()
    shacl = background.pool(1, nice=BACKGROUND_NICE)  # the pySHACL sample, awaited before the commit only
    sampled: list[tuple[Path, Future[tuple[str, int | None] | None]]] = []
    try:
        t = time.perf_counter()
        with report.step("Reading the store's graphs as context"):
            context, existing = _context(target, work / "store", work / "inferred-before.nt")
            report.note(f"{len(context)} quads of context, {len(existing)} graphs already in the store")
        result.seconds["context"] = round(time.perf_counter() - t, 3)

        # The files go into the copy meanwhile (the bulk loader leaves the interpreter free), and
        # the compiled shapes then validate the copy (the whole store with the files, without its
        # inferred graph: what pySHACL would see). The copy is thrown away if a chunk or the
        # validation fails, and swapped in only once everything passed.
        pool = ThreadPoolExecutor(1, thread_name_prefix="clusterkg-bulk")
        state = _Validation(len(checks))
        loaded = pool.submit(_load_and_validate, work / "store", files, fmts, checks, state, stop)
        t = time.perf_counter()
        with report.step(f"Checking and reasoning over {len(files)} file(s) in chunks of ~{chunk} triples"):
            spool = work / "inferred.nt"
            total = sum(p.stat().st_size for p in files)
            _stream(
                context,
                existing,
                files,
                fmts,
                spool,
                result,
                chunk,
                shacl_sample,
                set(shared),
                total,
                on_bytes,
                shacl,
                sampled,
            )
            report.note(
                f"{result.triples} triples in {result.graphs} graphs, {result.chunks} chunks; "
                f"{result.inferred_triples} inferred"
                + (
                    f"; pySHACL cross-check on the first {result.shacl_triples} triples"
                    if result.shacl_triples
                    else ""
                )
            )
        result.seconds["stream"] = round(time.perf_counter() - t, 3)
        del context

        t = time.perf_counter()
        with report.step(
            f"Validating every triple: {len(checks)} compiled SHACL checks over the loaded copy"
        ):
            violations = _await_validation(loaded, state, report)
            result.shacl_checked_quads, result.shacl_checks = state.quads, len(checks)
            result.shacl_warnings = sum(1 for v in violations if v.severity != "Violation")
            _refuse(files, violations)
            for checked, check in sampled:  # the cross-check, in the background until now
                if (violation := check.result()) is not None:
                    raise SourceError(checked, *violation)
            report.note(
                f"{state.quads} quads (all graphs but the inferred one) conform; "
                f"{result.shacl_warnings} warning(s); the slowest checks: "
                + ", ".join(f"{k.rsplit('#', 1)[-1]} {v:.1f} s" for k, v in state.slowest(3))
            )
        result.seconds["validate"] = round(time.perf_counter() - t, 3)

        t = time.perf_counter()
        with report.step("Committing with the bulk loader"):
            inferred = ox.NamedNode(INFERRED_GRAPH)
            copy = ox.Store(str(work / "store"))  # closed by the process that loaded the files
            for spooled in (work / "inferred-before.nt", spool):
                copy.bulk_load(path=str(spooled), format=ox.RdfFormat.N_TRIPLES, to_graph=inferred)
                spooled.unlink()
            record_offline(copy, "load", result.triples + result.inferred_triples, 0)
            copy.flush()
            del copy
            manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
            manifest.setdefault("bulk_loads", []).append(
                {k: v for k, v in vars(result).items() if k != "store"}
                | {"at": time.strftime("%Y-%m-%dT%H:%M:%S")}
            )
            (work / "store" / MANIFEST).write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8"
            )
            swap_in(work / "store", target)
        result.seconds["commit"] = round(time.perf_counter() - t, 3)
    finally:
        stop.set()  # the validation stops at its next check
        shacl.shutdown(wait=True, cancel_futures=True)
        if pool is not None:
            pool.shutdown(wait=True)  # a bulk load cannot be stopped: wait for it, then drop the copy
        shutil.rmtree(work, ignore_errors=True)
    return result


VALIDATION_PROCESSES = 2
"""How many processes run the compiled checks (Oxigraph holds the interpreter's lock while it
evaluates a query: in a thread, the checks would stall the reasoning over the chunks)."""
BACKGROUND_NICE = 10
"""The niceness of the processes that bulk-load the file, run the checks and the pySHACL
sample: the chunks' reasoning, one thread that everything else waits for at the end, keeps its
core, and they share the others (2 here) and take them all once it is done. Never a thread of
this process: holding the interpreter's lock at a low priority, it could stall the reasoning."""
VALIDATION_LIMIT = 100
"""The most results reported per compiled check (a bad file may violate a shape millions of times)."""
REFUSAL_LISTED = 10
"""How many violations a refusal lists."""


class _Stopped(Exception):
    """The load failed elsewhere: the validation stops."""


@dataclass
class _Validation:
    """How far the validation in the bulk thread is (read by the main thread for progress)."""

    total: int
    done: int = 0
    quads: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def slowest(self, n: int) -> list[tuple[str, float]]:
        """The ``n`` checks that took longest (shape and component, seconds)."""
        return sorted(self.seconds.items(), key=lambda kv: -kv[1])[:n]


def _load_and_validate(
    location: Path,
    files: Sequence[Path],
    fmts: Sequence[ox.RdfFormat],
    checks: list[compiled.Check],
    state: _Validation,
    stop: threading.Event,
) -> list[Violation]:
    """Bulk-load the files into the copy at ``location`` (in a process of lower priority), then
    run the compiled shapes over it (in :data:`VALIDATION_PROCESSES` worker processes that read
    the copy); called in the bulk thread, which only waits for them.

    The copy's inferred graph is set aside first (it is spooled, and loaded back at the commit):
    pySHACL validates the data without inferences, and so do the compiled shapes.
    """
    paths, media = [str(p) for p in files], [f.media_type for f in fmts]
    with background.pool(1, nice=BACKGROUND_NICE) as loader:
        state.quads = loader.submit(_bulk_load_copy, str(location), paths, media).result()
    if stop.is_set():
        raise _Stopped

    def checked(done: int, total: int) -> None:
        state.done = done
        if stop.is_set():
            raise _Stopped

    violations, state.seconds = compiled.run_in_processes(
        str(location),
        checks,
        processes=VALIDATION_PROCESSES,
        limit=VALIDATION_LIMIT,
        on_check=checked,
        nice=BACKGROUND_NICE,
    )
    return violations


def _bulk_load_copy(location: str, files: list[str], media_types: list[str]) -> int:
    """In a process of its own: the copy's inferred graph set aside, the files bulk-loaded into
    it and written to disk (the check processes open it read-only next); its number of quads."""
    store = ox.Store(location)
    store.remove_graph(ox.NamedNode(INFERRED_GRAPH))
    for path, media in zip(files, media_types, strict=True):
        store.bulk_load(path=path, format=ox.RdfFormat.from_media_type(media))
    store.flush()
    return len(store)


def _await_validation(
    loaded: Future[list[Violation]], state: _Validation, report: Progress
) -> list[Violation]:
    """Wait for the bulk thread, noting its progress at each tenth of the checks."""
    tenth = -1
    while True:
        try:
            return loaded.result(timeout=2)
        except FutureTimeout:
            now = state.done * 10 // max(state.total, 1)
            if now > tenth and state.done:
                tenth = now
                report.note(f"SHACL: {state.done} of {state.total} checks done")


def _refuse(files: Sequence[Path], violations: list[Violation]) -> None:
    """Raise naming the file, line, focus node, path and shape of the first violations."""
    bad = [v for v in violations if v.severity == "Violation"]
    if not bad:
        return
    first = bad[0]
    path, line = files[0], None
    if first.focus_node.startswith(("http:", "https:")):
        node = ox.NamedNode(first.focus_node)
        for candidate in files:
            if (line := _line(candidate, node)) is not None:
                path = candidate
                break
    listed = "\n".join(
        f"  {v.describe()} (shape <{v.source_shape or '?'}>, {(v.constraint or '').rsplit('#', 1)[-1]})"
        for v in bad[:REFUSAL_LISTED]
    )
    more = (
        f"\n  ... and more (at most {VALIDATION_LIMIT} per check are listed)"
        if len(bad) > REFUSAL_LISTED
        else ""
    )
    raise SourceError(
        path, f"{len(bad)} SHACL violation(s) in the store with the file's graphs:\n{listed}{more}", line
    )


def _format(path: Path) -> ox.RdfFormat:
    fmt = formats.by_extension(path.suffix)
    if fmt is None or fmt.rdf not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        raise SourceError(path, "the bulk path reads named graphs: N-Quads (.nq) or TriG (.trig)")
    return fmt.rdf


def _context(target: Path, copy_to: Path, inferred_to: Path) -> tuple[ox.Store, set[ox.NamedNode]]:
    """The built store's graphs in memory (not the inferred one), its graph names, a copy of it,
    and its inferred graph as N-Triples (set aside while the copy is validated)."""
    try:
        base = ox.Store(str(target))
    except OSError as error:
        raise StoreError(
            f"cannot open the store {target} (is `clusterkg serve` running on it?): {error}"
        ) from error
    existing = {g for g in base.named_graphs() if isinstance(g, ox.NamedNode)}
    if len(base) > CONTEXT_MAX:
        raise StoreError(
            f"the store holds {len(base)} quads: the bulk path holds the store in memory as context "
            f"up to {CONTEXT_MAX}; build a smaller base and load the large files into it"
        )
    context = ox.Store()
    left_out = (ox.NamedNode(INFERRED_GRAPH), VERSIONS_GRAPH)  # inferences, the version log: not data
    context.extend(q for q in base.quads_for_pattern(None, None, None, None) if q.graph_name not in left_out)
    base.dump(str(inferred_to), ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(INFERRED_GRAPH))
    base.backup(str(copy_to))
    del base
    return context, existing


def _stream(
    context: ox.Store,
    existing: set[ox.NamedNode],
    files: Sequence[Path],
    fmts: Sequence[ox.RdfFormat],
    spool: Path,
    result: LoadResult,
    size: int,
    shacl_sample: int | None,
    shared: set[str],
    total: int,
    on_bytes: Callable[[int, int], None] | None,
    shacl: ProcessPoolExecutor,
    checks: list[tuple[Path, Future[tuple[str, int | None] | None]]],
) -> None:
    """Pass 1 over the files (the module's docstring); the pySHACL sample is submitted to
    ``shacl`` and its futures appended to ``checks``, awaited by the caller before the commit."""
    seen: set[bytes] = set()
    names = {g.value.encode() for g in existing}
    inferred = ox.NamedNode(INFERRED_GRAPH)
    base = list(context.quads_for_pattern(None, None, None, None))  # the context, without inferences
    known = _inferences(base)
    sources = provenance.index_sources([SOURCES_DIR])
    done = 0
    with spool.open("wb") as out:
        for path, fmt in zip(files, fmts, strict=True):
            with path.open("rb") as raw:
                counted = Counting(raw)
                reader = cast(IO[bytes], counted)
                parts = (
                    nquads(path, reader, size) if fmt == ox.RdfFormat.N_QUADS else trig(path, reader, size)
                )
                for part in parts:
                    _check_names(path, part, names, seen)
                    result.chunks += 1
                    result.triples += part.triples
                    result.graphs += len(part.graphs)
                    budget = None if shacl_sample is None else shacl_sample - result.shacl_triples
                    sampled = _sample(part, budget)
                    if sampled:
                        # pySHACL in a process beside the reasoning, awaited before the commit
                        context_nq, sampled_nq = nquads_of(base), nquads_of(sampled)
                        checks.append((path, shacl.submit(_shacl, str(path), context_nq, sampled_nq)))
                        result.shacl_triples += len(sampled)
                    # A new in-memory store for each chunk: with one store that each chunk was
                    # removed from again, the process grew to 3.6 GiB by 4M of 10M triples.
                    work = ox.Store()
                    work.extend(base)
                    _add(path, work, part)
                    _provenance(path, work, part, sources)
                    rl.materialise(work)
                    failures = _quality_checks(work)  # after OWL 2 RL, as in the build
                    if failures:
                        raise QualityCheckFailed(failures)
                    for quad in known:
                        work.remove(quad)
                    result.inferred_triples += rl.count(work, INFERRED_GRAPH)
                    work.dump(out, ox.RdfFormat.N_TRIPLES, from_graph=inferred)
                    kept = [g for g in part.graphs if g.value in shared]
                    if kept:  # a shared graph joins the context; its own inferences are spooled now
                        base = base + [q for g in kept for q in work.quads_for_pattern(None, None, None, g)]
                        known = _inferences(base)
                    del work
                    if on_bytes is not None:
                        on_bytes(done + counted.done, total)
            done += path.stat().st_size


UNDEFINED_TERM = "undefined-term-violation.rq"
"""The QC query the chunks run only where :func:`undefined_term_found` finds something (its
text of every term of every quad was half of the QC queries' time on a chunk)."""


def _quality_checks(store: ox.Store) -> dict[str, list[dict[str, str]]]:
    """:func:`kg.build.run_checks` on a chunk's store: the failing QC queries with their rows."""
    found: dict[str, list[dict[str, str]]] = {}
    for path, text in _check_texts():
        if path == UNDEFINED_TERM and not undefined_term_found(store):
            continue  # the query would return no row
        rows = [
            {k: v.value for k, v in row.items() if not isinstance(v, ox.Triple)}
            for row in select_rows(store, text, union=False)
        ]
        if rows:
            found[path] = rows
    return found


@functools.cache
def _check_texts() -> tuple[tuple[str, str], ...]:
    return tuple((p.name, p.read_text(encoding="utf-8")) for p in ontology.check_files())


_CKG = "https://w3id.org/clusterkg/ontology#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_TERMS = (
    "SELECT DISTINCT ?t WHERE { { GRAPH ?g { ?t ?p ?o } } UNION { GRAPH ?g { ?s ?t ?o } } "
    "UNION { GRAPH ?g { ?s ?p ?t } } }"
)


def undefined_term_found(store: ox.Store) -> bool:
    """Whether ``ontology/checks/undefined-term-violation.rq`` returns a row: an IRI of the
    ontology's namespace that a quad of a named graph has as subject, predicate or object and
    that the ontology graph does not give a type. Each distinct term is read once, not the text
    of every term of every quad.

    >>> store = ox.Store()
    >>> g, ckg = ox.NamedNode("http://e/g"), "https://w3id.org/clusterkg/ontology#"
    >>> store.add(ox.Quad(ox.NamedNode("http://e/x"), ox.NamedNode(ckg + "stageOrdr"), ox.Literal("1"), g))
    >>> undefined_term_found(store)
    True
    """
    typed = store.quads_for_pattern(None, _RDF_TYPE, None, ox.NamedNode(ONTOLOGY_GRAPH))
    declared = {q.subject for q in typed}
    terms = store.query(_TERMS)
    assert isinstance(terms, ox.QuerySolutions)
    return any(
        isinstance(term, ox.NamedNode) and term not in declared and term.value.startswith(_CKG)
        for (term,) in terms
    )


def _graph(store: ox.Store, iri: str) -> Iterator[ox.Quad]:
    return store.quads_for_pattern(None, None, None, ox.NamedNode(iri))


def _inferences(base: list[ox.Quad]) -> set[ox.Quad]:
    """What the context alone entails (already in the store, or spooled with a shared graph)."""
    store = ox.Store()
    store.extend(base)
    rl.materialise(store)
    return set(_graph(store, INFERRED_GRAPH))


def _check_names(path: Path, part: Part, existing: set[bytes], seen: set[bytes]) -> None:
    """Refuse a statement outside a named graph, a graph in the store, a graph split in the file."""
    for name in part.names:
        if not name:
            raise SourceError(
                path, "a statement outside a named graph (the bulk path takes named graphs only)"
            )
        if name in existing:
            node = ox.NamedNode(name.decode())
            raise SourceError(path, f"graph <{node.value}> is already in the store", _line(path, node))
        if name in seen:
            raise SourceError(path, f"graph <{name.decode()}> appears again after other graphs")
        seen.add(name)


def _add(path: Path, context: ox.Store, part: Part) -> None:
    """Parse the part into the context (a syntax error names the line of the file)."""
    try:
        context.bulk_load(part.data, format=ox.RdfFormat.N_QUADS)
    except SyntaxError as error:
        line = part.first_line + error.lineno - 1 if part.first_line and error.lineno else None
        raise SourceError(path, str(error).split(": ", 1)[-1], line) from error
    if next(iter(context.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        raise SourceError(path, "a statement outside a named graph (the bulk path takes named graphs only)")


def _line(path: Path, node: ox.NamedNode) -> int | None:
    """The first line of the file that starts with (else names) the IRI; only on failure."""
    text, anywhere = f"<{node.value}>".encode(), None
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if line.lstrip().startswith(text):
                return number
            if anywhere is None and text in line:
                anywhere = number
    return anywhere


def _rdflib(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise KgError(f"unsupported term in the bulk path: {term}")


def _quads(quads: Iterator[ox.Quad]) -> Iterator[tuple[Node, Node, Node, URIRef]]:
    for q in quads:
        if isinstance(q.graph_name, ox.NamedNode):
            yield _rdflib(q.subject), _rdflib(q.predicate), _rdflib(q.object), URIRef(q.graph_name.value)


def _sample(part: Part, budget: int | None) -> list[ox.Quad]:
    """The part's first whole graphs within the budget of triples (``None``: all of them)."""
    if budget is not None and budget <= 0:
        return []
    picked: list[ox.Quad] = []
    for quad in ox.parse(part.data, format=ox.RdfFormat.N_QUADS):
        if budget is not None and len(picked) >= budget and quad.graph_name != picked[-1].graph_name:
            break
        picked.append(quad)
    return picked


def _shacl(path: str, context: bytes, sampled: bytes) -> tuple[str, int | None] | None:
    """The shapes over the context and the sampled graphs (N-Quads), with the sampled graphs'
    subjects as focus nodes; the first violation as a message and the file's line, or ``None``.

    Run in a process of its own: pySHACL is Python through and through and, in a thread, held
    the interpreter against the chunks' reasoning (1M triples: 101 s with the sample, 52 s without).
    """
    nquads = ox.RdfFormat.N_QUADS
    picked = list(ox.parse(sampled, format=nquads))
    focus = sorted({URIRef(q.subject.value) for q in picked if isinstance(q.subject, ox.NamedNode)})
    data = itertools.chain(_quads(ox.parse(context, format=nquads)), _quads(iter(picked)))
    checked = validation.validate_quads(data, focus_nodes=focus)
    bad = [v for v in checked.violations if v.severity == "Violation"]
    if not bad:
        return None
    first = bad[0]
    node = ox.NamedNode(first.focus_node) if first.focus_node.startswith(("http:", "https:")) else None
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    where = picked[0].graph_name
    message = f"in graph <{where.value if isinstance(where, ox.NamedNode) else where}>'s chunk: "
    return message + first.describe() + more, _line(Path(path), node) if node is not None else None


def _provenance(path: Path, context: ox.Store, part: Part, sources: dict[str, provenance.SourceText]) -> None:
    """Every claim graph of the chunk has a verbatim quote (read with the provenance graphs)."""
    claims = [g for g in part.graphs if g.value.startswith(provenance.CLAIM_PREFIX)]
    if not claims:
        return
    dataset = Dataset()
    for s, p, o, g in _quads(context.quads_for_pattern(None, None, None, None)):
        dataset.graph(g).add((s, p, o))
    try:
        provenance.check(dataset, sources)
    except KgError as error:
        raise SourceError(path, str(error), _line(path, claims[0])) from error
