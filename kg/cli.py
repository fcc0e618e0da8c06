"""The ``clusterkg`` command line: build, validate, query and describe the knowledge graph.

Every command takes ``--help``; every failure exits non-zero with a message that names the
problem (file and line, focus node, query position).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg import package_version, validation
from kg.engine.local_store import open_store, read_manifest, run_query, stats
from kg.errors import KgError, QueryError
from kg.formats import RDF_FORMATS, RESULT_FORMATS, rdf_format, results_format
from kg.generate import FILE_FORMATS, GenerateError
from kg.progress import Reporter
from kg.settings import DEFAULT_STORE, Settings, environment_help, load_settings
from kg.sources import load_sources

STORE_HELP = f"the store directory (default: $CLUSTERKG_STORE or ./{DEFAULT_STORE})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusterkg",
        description="A knowledge graph of industrial clusters, through-technologies, stages and IP rights.",
    )
    parser.add_argument("--version", action="version", version=f"clusterkg {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="build the store: validate, reason, load into Oxigraph")
    p.add_argument("--store", type=Path, help=STORE_HELP)
    p.add_argument(
        "--data", type=Path, nargs="*", default=[], help="extra TriG/Turtle files or folders to include"
    )
    p.add_argument(
        "--skip-dl", action="store_true", default=None, help="skip the HermiT OWL DL check (large data)"
    )

    p = sub.add_parser(
        "serve",
        help="serve the graph over HTTP (builds it first if needed)",
        description="Serve the graph over HTTP: the API in front of a managed Oxigraph engine\n"
        "(or a remote engine, CLUSTERKG_ENGINE_URL). Builds the store first if there is none.",
        epilog="environment variables (flags win over them):\n" + environment_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default=None, help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--store", type=Path, help=STORE_HELP)
    p.add_argument("--rebuild", action="store_true", help="build the store again before serving")

    p = sub.add_parser(
        "load",
        help="add large files of named graphs to the built store: checked and reasoned in a stream, "
        "committed with the bulk loader",
        description="Adds the named graphs of N-Quads or TriG files to the built store. The files are read "
        "in chunks of whole graphs, each checked (provenance, the QC checks, pySHACL on a sample) "
        "and reasoned over (OWL 2 RL) with the store's graphs as context, then committed with Oxigraph's "
        "bulk loader into a copy of the store, where every triple is validated by the SHACL shapes "
        "compiled into SPARQL; the copy replaces the store: a rejected file leaves the store as it "
        "was. Stop `clusterkg serve` first (it holds the store).",
    )
    p.add_argument("files", type=Path, nargs="+", metavar="FILE", help="an .nq or .trig file")
    p.add_argument("--store", type=Path, help=STORE_HELP)
    p.add_argument("--chunk", type=int, default=None, metavar="N", help="about N triples per chunk (50,000)")
    p.add_argument(
        "--shacl-sample",
        type=int,
        default=None,
        metavar="N",
        help="cross-check the first ~N triples with pySHACL too (default 8,000; 0: none); every triple "
        "is validated by the compiled shapes in any case",
    )
    p.add_argument(
        "--shacl-all", action="store_true", help="cross-check every chunk with pySHACL (hours at 10M)"
    )

    p = sub.add_parser("validate", help="validate data files against the SHACL shapes")
    p.add_argument("files", type=Path, nargs="+", metavar="FILE")
    p.add_argument("--format", choices=["text", "json", "turtle"], default="text")

    p = sub.add_parser("query", help="run a SPARQL query on the built store")
    p.add_argument("query", metavar="QUERY|FILE", help="a SPARQL query, or a file holding one")
    p.add_argument("--store", type=Path, help=STORE_HELP)
    p.add_argument(
        "--format",
        choices=["table", *RESULT_FORMATS, *RDF_FORMATS],
        default="table",
        help="table (default), json, xml, csv, tsv for SELECT/ASK; an RDF format for CONSTRUCT",
    )

    p = sub.add_parser("stats", help="triples per graph and instances per class of the built store")
    p.add_argument("--store", type=Path, help=STORE_HELP)

    p = sub.add_parser(
        "generate",
        help="write deterministic synthetic data (TriG or N-Quads); with --load, build the store with it",
    )
    p.add_argument("--scale", type=int, required=True, metavar="N", help="about how many triples to write")
    p.add_argument("--out", type=Path, metavar="FILE", help="a .trig or .nq file (default: standard output)")
    p.add_argument(
        "--load",
        action="store_true",
        help="write synthetic-N-SEED.trig beside the store and build the store: founding case + it",
    )
    p.add_argument("--store", type=Path, help=STORE_HELP + " (with --load)")
    p.add_argument("--seed", type=int, default=None, help="the seed: the same seed gives the same bytes")
    p.add_argument("--format", choices=FILE_FORMATS, help="default: by the file's suffix, else trig")

    p = sub.add_parser(
        "ingest",
        help="load a case template (XLSX or a folder of CSV files): map, validate, commit in one step",
        description="Through the running server when one answers (with CLUSTERKG_UPDATE_TOKEN), "
        "else into the store directory. Every problem is listed; nothing is loaded if any.",
    )
    p.add_argument("path", type=Path, metavar="PATH", help="an .xlsx workbook or a folder of .csv files")
    p.add_argument("--dry-run", action="store_true", help="check everything, load nothing")
    p.add_argument("--graph", metavar="IRI", help="the case graph's IRI (default: from the case key)")
    p.add_argument("--server", metavar="URL", help="a clusterkg server's base URL (default: probe host:port)")
    p.add_argument("--store", type=Path, help=STORE_HELP)

    p = sub.add_parser("template", help="write an empty case template: an .xlsx workbook or a folder of CSVs")
    p.add_argument(
        "out", type=Path, metavar="OUT", help="OUT.xlsx for a workbook, else a folder of CSV files"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    settings = load_settings(
        store=getattr(args, "store", None),
        skip_dl=getattr(args, "skip_dl", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )
    out = Console(soft_wrap=True)
    err = Console(stderr=True, soft_wrap=True)
    try:
        handler = {
            "build": _build,
            "serve": _serve,
            "load": _load,
            "validate": _validate,
            "query": _query,
            "stats": _stats,
            "generate": _generate,
            "ingest": _ingest,
            "template": _template,
        }[args.command]
        return handler(args, settings, out)
    except KgError as exc:
        err.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, markup=True)
        return 1


def _build(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    from kg.build import build  # the build pulls in the reasoners; load it only when asked

    result = build(settings, extra=args.data, progress=Reporter())
    out.print(f"Built the clusterkg {result.version} graph into {result.store}")
    _print_stats(settings.store, out)
    out.print(
        f"{result.claims} claims, {result.quotes_verified} quotes verified verbatim, "
        f"{result.inferred_triples} inferred triples, "
        f"OWL DL check: {'passed' if result.dl_checked else 'SKIPPED'}"
    )
    return 0


def _load(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    from kg import bulk  # pulls in the reasoners and pySHACL: load it only when asked
    from kg.progress import counter

    sample = (
        None
        if args.shacl_all
        else (args.shacl_sample if args.shacl_sample is not None else bulk.SHACL_SAMPLE)
    )
    with counter("reading (bytes)") as report:
        result = bulk.load(
            settings.store,
            args.files,
            chunk=args.chunk or bulk.CHUNK,
            shacl_sample=sample,
            progress=Reporter(Console(stderr=True, force_terminal=False)),  # the bar is the live display
            on_bytes=report,
        )
    out.print(
        f"Loaded {result.triples} triples in {result.graphs} graphs into {result.store} "
        f"({result.inferred_triples} inferred; SHACL: all {result.shacl_checked_quads} quads by "
        f"{result.shacl_checks} compiled checks, pySHACL cross-check on {result.shacl_triples}) "
        f"in {sum(result.seconds.values()):.1f} s"
    )
    return 0


def _serve(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    import os

    import uvicorn

    from kg.engine.local_store import MANIFEST

    if settings.engine_url is None and (args.rebuild or not (settings.store / MANIFEST).is_file()):
        _build(argparse.Namespace(data=[]), settings, out)
    # The API reads its settings from the environment: hand ours over explicitly.
    os.environ["CLUSTERKG_STORE"] = str(settings.store.resolve())
    os.environ["CLUSTERKG_HOST"] = settings.host
    os.environ["CLUSTERKG_PORT"] = str(settings.port)
    out.print(f"Serving on http://{settings.host}:{settings.port}/ (query UI), SPARQL at /sparql")
    uvicorn.run(
        "api.main:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
        # slow clients: headers (api.main:HTTPProtocol), idle connections, connections at once
        http="api.main:HTTPProtocol",
        ws="none",
        timeout_keep_alive=settings.keep_alive_s,
        limit_concurrency=settings.connection_limit,
        h11_max_incomplete_event_size=settings.header_limit_bytes,
    )
    return 0


def _validate(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    sources = load_sources(args.files)
    report = validation.validate(
        sources.dataset, ontology=sources.ontology, node_sources=sources.node_sources
    )
    text = {"text": report.to_text, "json": report.to_json, "turtle": report.to_turtle}[args.format]()
    print(text)
    return 0 if report.conforms else 1


def _query(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    text: str = args.query
    candidate = Path(text)
    if (
        "\n" not in text
        and len(text) < 4096
        and candidate.suffix in (".rq", ".sparql")
        and candidate.is_file()
    ):
        text = candidate.read_text(encoding="utf-8")
    store = open_store(settings.store)
    result = run_query(store, text)
    fmt: str = args.format
    if isinstance(result, ox.QueryTriples):
        graph_format = rdf_format(fmt) if fmt in RDF_FORMATS else ox.RdfFormat.TURTLE
        sys.stdout.buffer.write(result.serialize(format=graph_format) or b"")
        return 0
    if fmt == "table":
        if isinstance(result, ox.QueryBoolean):
            out.print("true" if bool(result) else "false")
            return 0
        _print_table(result, out)
        return 0
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"--format {fmt} is for CONSTRUCT/DESCRIBE; use table, json, xml, csv or tsv")
    sys.stdout.buffer.write(result.serialize(format=results_format(fmt)) or b"")
    return 0


def _print_table(result: ox.QuerySolutions, out: Console) -> None:
    names = [v.value for v in result.variables]
    table = Table(*names, show_lines=False)
    count = 0
    for solution in result:
        cells = []
        for name in names:
            value = solution[name]
            cells.append("" if value is None else _cell(value))
        table.add_row(*cells)
        count += 1
    out.print(table)
    out.print(f"{count} row(s)")


def _cell(term: object) -> str:
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return term.value
    return str(term)


def _generate(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    from kg.generate import DEFAULT_SEED, generate_file, terminal_progress

    err = Console(stderr=True)
    seed = DEFAULT_SEED if args.seed is None else args.seed
    if args.load:
        return _generate_and_load(args, settings, seed, out, err)
    with terminal_progress(args.scale, err) as progress:
        written = generate_file(args.out, args.scale, seed=seed, fmt=args.format, progress=progress)
    where = args.out if args.out is not None else "standard output"
    err.print(f"wrote {written.triples} triples in {written.graphs} graphs to {where}", highlight=False)
    return 0


def _generate_and_load(
    args: argparse.Namespace, settings: Settings, seed: int, out: Console, err: Console
) -> int:
    from kg.generate.load import generate_and_build  # pulls in the build and the reasoners

    if args.out is not None or args.format is not None:
        raise GenerateError("--load writes its file beside the store: leave out --out and --format")
    loaded = generate_and_build(settings, args.scale, seed=seed, progress=Reporter(err), console=err)
    result = loaded.build
    out.print(
        f"Built {result.store} from the founding case and {loaded.written.triples} synthetic triples "
        f"({loaded.data}): {result.triples} quads, {result.inferred_triples} inferred; "
        f"SHACL: {loaded.shacl}; OWL DL check: {'passed' if result.dl_checked else 'SKIPPED'}; "
        f"{sum(result.seconds.values()):.1f} s",
        highlight=False,
    )
    return 0


def _ingest(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    from kg.ingest import upload
    from kg.progress import counter

    base = upload.server_url(settings, args.server)
    if base is not None:
        out.print(f"Sending {args.path} to the server at {base} ...", highlight=False)
        outcome = upload.upload(base, args.path, settings, graph=args.graph, dry_run=args.dry_run)
    else:
        out.print(f"Ingesting {args.path} into the store {settings.store} ...", highlight=False)
        with counter("mapping rows") as progress:
            outcome = upload.ingest_locally(
                args.path, settings, graph=args.graph, dry_run=args.dry_run, progress=progress
            )
    verb = "would load" if outcome.dry_run else "loaded"
    out.print(
        f"case {outcome.case}: {verb} {outcome.quads} quads in {outcome.claim_graphs} claim graphs "
        f"(+{outcome.inserted} -{outcome.deleted} quads, +{outcome.inferred_added} "
        f"-{outcome.inferred_removed} inferred) into {outcome.case_graph}"
        + (f"; dataset version {outcome.version}" if outcome.version is not None else ""),
        highlight=False,
    )
    return 0


def _template(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    from kg.ingest import default_mapping, write_template

    write_template(default_mapping(), args.out)
    out.print(f"wrote an empty case template to {args.out}", highlight=False)
    return 0


def _stats(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    _print_stats(settings.store, out)
    return 0


def _print_stats(path: Path, out: Console) -> None:
    manifest = read_manifest(path)
    store = open_store(path)
    summary = stats(store)
    graphs = Table("graph", "triples", title=f"Triples per graph ({summary.triples} in all)")
    claims = [(g, n) for g, n in summary.graphs if "/id/claim/" in g]
    for graph, n in summary.graphs:
        if "/id/claim/" not in graph:
            graphs.add_row(graph, str(n))
    if claims:
        graphs.add_row(f"{len(claims)} claim graphs (id/claim/...)", str(sum(n for _, n in claims)))
    out.print(graphs)
    classes = Table("class", "instances", title="Instances per class (asserted and inferred)")
    for cls, n in summary.classes[:40]:
        classes.add_row(cls, str(n))
    out.print(classes)
    out.print(f"built {manifest.get('built_at')} by clusterkg {manifest.get('version')}")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
