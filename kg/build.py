"""The build: sources -> provenance -> SHACL -> OWL DL check -> OWL 2 RL -> an Oxigraph store.

The store is built in a temporary directory beside the target and swapped in only when every
step passed, so a failed build leaves the previous store exactly as it was.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

import ontology
from kg import formats, package_version, provenance, validation
from kg.engine.local_store import MANIFEST, load_dataset, load_graph, select_rows
from kg.errors import KgError, SourceError
from kg.namespaces import BASE, INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.progress import Progress, SilentReporter
from kg.reasoning import dl, profile, rl
from kg.settings import Settings
from kg.sources import SOURCES_DIR, SourceSet, founding_case_files, load_sources
from kg.versions import log as version_log

CLASSIFICATION_GRAPH = BASE + "graph/classification"


class QualityCheckFailed(KgError):
    """A QC query (``ontology/checks/*-violation.rq``) returned rows."""

    def __init__(self, failures: dict[str, list[dict[str, str]]]) -> None:
        self.failures = failures
        lines = ["Quality checks failed:"]
        for name, rows in failures.items():
            lines.append(f"  {name}: {len(rows)} row(s)")
            lines += [f"    {row}" for row in rows[:20]]
        super().__init__("\n".join(lines))


@dataclass
class BuildResult:
    """What a build produced and how long each step took."""

    store: Path
    version: str
    files: list[str]
    triples: int
    claims: int
    quotes_verified: int
    inferred_triples: int
    dl_checked: bool
    dl_inferred_types: int = 0
    classification: dict[str, list[str]] = field(default_factory=dict)
    qc_warnings: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    reasoner_ignores: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    built_at: str = ""


def data_files(settings: Settings, extra: Sequence[Path] = ()) -> list[Path]:
    """The founding case plus the extra data the settings or the caller name."""
    return [*founding_case_files(), *settings.data, *extra]


def run_checks(store: ox.Store) -> dict[str, list[dict[str, str]]]:
    """Run every QC query; returns the failing ones with their rows (empty: all passed)."""
    return _run(store, ontology.check_files())


def warning_check_files() -> list[Path]:
    """The QC queries whose rows are warnings (``ontology/checks/*-warning.rq``), never failures."""
    return sorted(ontology.CHECKS_DIR.glob("*-warning.rq"))


def run_warning_checks(store: ox.Store) -> dict[str, list[dict[str, str]]]:
    """Run every warning QC query; returns those that found rows, with their rows."""
    return _run(store, warning_check_files())


def _run(store: ox.Store, paths: Sequence[Path]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for path in paths:
        rows = select_rows(store, path.read_text(encoding="utf-8"), union=False)
        if rows:
            found[path.name] = [{k: v.value for k, v in row.items() if hasattr(v, "value")} for row in rows]
    return found


def _classification_graph(hierarchy: dict[str, frozenset[str]]) -> Graph:
    graph = Graph()
    for sub, supers in hierarchy.items():
        for sup in supers:
            graph.add((URIRef(sub), RDFS.subClassOf, URIRef(sup)))
    return graph


def build(
    settings: Settings,
    *,
    extra: Sequence[Path] = (),
    bulk: Sequence[Path] = (),
    progress: Progress | None = None,
) -> BuildResult:
    """Build the store at ``settings.store`` from the ontology and the data.

    :param bulk: TriG or N-Quads files loaded straight into the store (large generated data, which
        its generator's tests validate): reasoned over (OWL 2 RL) and QC-checked with the rest, but
        not read by rdflib, so neither SHACL-validated, provenance-checked nor in the OWL DL check.

    :raises KgError: (a subclass naming the problem) when any step fails; the existing store
        is then untouched.
    """
    report = progress if progress is not None else SilentReporter()
    timings: dict[str, float] = {}
    target = settings.store.resolve()

    def timed(name: str, start: float) -> None:
        timings[name] = round(time.perf_counter() - start, 3)

    files = data_files(settings, extra)
    t = time.perf_counter()
    with report.step(f"Reading the ontology and {len(files)} data source(s)"):
        sources: SourceSet = load_sources(files)
    timed("read", t)

    t = time.perf_counter()
    with report.step("Checking provenance (every claim has a verbatim quote)"):
        verified = provenance.check(sources.dataset, provenance.index_sources([SOURCES_DIR]))
        report.note(f"{verified} quote(s) found verbatim in their sources")
    timed("provenance", t)

    t = time.perf_counter()
    with report.step("Validating with the SHACL shapes"):
        shacl = validation.validate(
            sources.dataset, ontology=sources.ontology, node_sources=sources.node_sources
        )
        shacl.raise_if_invalid()
        warnings = [v for v in shacl.violations if v.severity != "Violation"]
        if warnings:
            report.note(f"{len(warnings)} warning(s):")
            for warning in warnings[:10]:
                report.note(warning.describe())
    timed("shacl", t)

    # The profile, said honestly: the axioms are OWL 2 RL, some datatypes are not OWL 2 at all.
    ignored = profile.datatype_gaps(sources.ontology, sources.dataset).notes()
    dl_result: dl.DLResult | None = None
    if settings.skip_dl:
        report.note("skipped the OWL DL check (HermiT) as asked: consistency is NOT verified")
    else:
        t = time.perf_counter()
        with report.step("Checking consistency and classifying with HermiT (OWL DL)"):
            dl_result = dl.check(sources.ontology, sources.dataset, java_memory_mb=settings.java_memory_mb)
            if ignored:
                report.note("datatypes outside the OWL 2 datatype map (SHACL checks them):")
                for line in ignored:
                    report.note(f"  {line}")
        timed("owl_dl", t)

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="clusterkg-disk") as pool:
            # Reasoning and checks run on an in-memory store (on disk both took 5-10x longer at
            # 1M triples); the same data go to the store on disk meanwhile, straight from the
            # sources (Oxigraph's bulk loader leaves the interpreter free), and only the
            # inferences are copied over at the end.
            disk = ox.Store(str(work))
            on_disk = pool.submit(_load, disk, sources, bulk)
            store = ox.Store()
            t = time.perf_counter()
            with report.step("Loading into Oxigraph"):
                _load(store, sources, bulk)
            timed("load", t)

            t = time.perf_counter()
            with report.step("Materialising OWL 2 RL inferences"):
                inferred = rl.materialise(store)
                report.note(f"{inferred.triples_inferred} triple(s) inferred in {inferred.rounds} round(s)")
                report.note(
                    "the OWL 2 RL datatype rules (dt-*) are not applied: literals are not reasoned over"
                )
            timed("owl_rl", t)

            if dl_result is not None:
                load_graph(store, _classification_graph(dl_result.class_hierarchy), CLASSIFICATION_GRAPH)

            t = time.perf_counter()
            with report.step("Running the QC checks (ontology/checks/*-violation.rq, *-warning.rq)"):
                failures = run_checks(store)
                if failures:
                    raise QualityCheckFailed(failures)
                qc_warnings = run_warning_checks(store)
                for name, rows in qc_warnings.items():
                    report.note(f"warning: {name}: {len(rows)} row(s)")
                    for row in rows[:10]:
                        report.note(f"  {row}")
            timed("qc", t)

            t = time.perf_counter()
            with report.step("Writing the store"):
                on_disk.result()
                derived = (ox.NamedNode(INFERRED_GRAPH), ox.NamedNode(CLASSIFICATION_GRAPH))
                disk.bulk_extend(q for g in derived for q in store.quads_for_pattern(None, None, None, g))
                total = len(disk)
                replaced = version_log.carry_over(target, disk)  # the numbering goes on
                version_log.record_offline(disk, "build", total, replaced)
                disk.flush()
            timed("write", t)
        del store, disk
        result = BuildResult(
            store=target,
            version=package_version(),
            files=[str(p) for p in [*sources.files, *bulk]],
            triples=total,
            claims=len(provenance.claim_graphs(sources.dataset)),
            quotes_verified=verified,
            inferred_triples=inferred.triples_inferred,
            dl_checked=dl_result is not None,
            dl_inferred_types=sum(len(v) for v in dl_result.inferred_types.values()) if dl_result else 0,
            classification={k: sorted(v) for k, v in dl_result.class_hierarchy.items()} if dl_result else {},
            qc_warnings=qc_warnings,
            reasoner_ignores=ignored,
            seconds=timings,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        manifest = asdict(result) | {"store": str(target)}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        swap_in(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


def _load(store: ox.Store, sources: SourceSet, bulk: Sequence[Path]) -> None:
    """Load the ontology, the sources' graphs and the bulk files into a store."""
    load_graph(store, sources.ontology, str(ONTOLOGY_GRAPH))
    load_dataset(store, sources.dataset)
    for path in bulk:
        fmt = formats.by_extension(path.suffix)
        if fmt is None:
            raise SourceError(path, "not the extension of an RDF format (.trig, .nq)")
        store.bulk_load(path=str(path), format=fmt.rdf)


def swap_in(built: Path, target: Path) -> None:
    """Put the built store in place of the target, keeping the old one until the swap is done."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{int(time.time() * 1000)}")
        target.rename(old)
        built.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        built.rename(target)
